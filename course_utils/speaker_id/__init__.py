"""Speaker identification (chapter 1): splits, a GMM-UBM identifier, a raw-waveform CNN, cosine trials.

The 120-dim MFCC statistics themselves are :func:`course_utils.features.speaker_features`.

Notebook: 01_speaker_recognition § 1. Two questions about a voice
"""
from .claims import assert_chapter_claims
from .cnn import RawWaveformCNN, predict_classifier, train_classifier
from .gmm import GMMUBMIdentifier, frame_features
from .splits import split_unseen_emotions, split_unseen_takes
from .trials import cosine_scores, cosine_trials

__all__ = [
    "split_unseen_takes",
    "split_unseen_emotions",
    "frame_features",
    "GMMUBMIdentifier",
    "RawWaveformCNN",
    "train_classifier",
    "predict_classifier",
    "cosine_scores",
    "cosine_trials",
    "assert_chapter_claims",
]
