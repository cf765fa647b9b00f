"""Speech emotion recognition, speaker-independent: features, honest evaluation, a CNN, an estimator.

Taught in ``notebooks/04_emotion_recognition.ipynb`` (chapter 7 reuses :class:`EmotionRecognizer`).

* :mod:`.labels`: the RAVDESS emotions and their 4-class, arousal and valence views.
* :mod:`.features`: prosodic, spectral and baseline feature vectors, log-mels, the corpus cache.
* :mod:`.seed`: the seed chapter's feature vector, computed as its code is written.
* :mod:`.evaluation`: per-speaker normalisation, UAR, actor-grouped and random cross-validation.
* :mod:`.prosody`: prosody relative to each actor's neutral speech against the textbook table.
* :mod:`.cnn`: a small log-mel CNN trained with :func:`course_utils.training.fit`.
* :mod:`.recognizer`: :class:`EmotionRecognizer`, a scikit-learn-style estimator saved as NPZ.

Waveform and SpecAugment augmentation live in :mod:`course_utils.corruptions` (``perturb``,
``spec_augment``).
"""
from __future__ import annotations

from .cnn import EmotionCNN, normalize_log_mel, predict_proba_cnn, train_cnn
from .evaluation import actor_folds, grouped_cv, random_cv, speaker_normalize, unweighted_average_recall
from .features import (
    BASELINE_FEATURE_NAMES,
    EMOTION_FEATURE_NAMES,
    F0_RANGE,
    F0_REF,
    MIN_DURATION,
    PROSODIC_FEATURE_NAMES,
    SPECTRAL_FEATURE_NAMES,
    augmented_log_mel,
    baseline_features,
    corpus_features,
    emotion_features,
    emotion_log_mel,
    f0_track,
    prosodic_features,
    spectral_features,
)
from .labels import AROUSAL, EMOTIONS, FOUR_CLASS, VALENCE
from .prosody import plot_prosody_boxes, relative_prosody, table_prediction
from .recognizer import EmotionRecognizer
from .seed import SEED_FEATURE_BLOCKS, SEED_FEATURE_NAMES, SEED_SR, seed_features

__all__ = [
    "EMOTIONS", "FOUR_CLASS", "AROUSAL", "VALENCE",
    "MIN_DURATION", "F0_RANGE", "F0_REF",
    "PROSODIC_FEATURE_NAMES", "SPECTRAL_FEATURE_NAMES", "EMOTION_FEATURE_NAMES", "SEED_FEATURE_NAMES",
    "SEED_FEATURE_BLOCKS", "SEED_SR",
    "BASELINE_FEATURE_NAMES",
    "f0_track", "prosodic_features", "spectral_features", "emotion_features", "seed_features",
    "baseline_features", "emotion_log_mel", "augmented_log_mel", "corpus_features",
    "speaker_normalize", "actor_folds", "unweighted_average_recall", "grouped_cv", "random_cv",
    "relative_prosody", "table_prediction", "plot_prosody_boxes",
    "EmotionCNN", "normalize_log_mel", "train_cnn", "predict_proba_cnn",
    "EmotionRecognizer",
]
