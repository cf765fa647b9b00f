"""Chapter 10: keyword spotting and a first speech recogniser (re-exports only).

Modules: :mod:`.data` (clips, the workshop's filter, folds), :mod:`.models` (Conv1D, log-mel CNN, CTC
CRNN), :mod:`.hmm` (HMM-GMM word models), :mod:`.ctc` (connected digits, decoders, error rates),
:mod:`.train` (shipped checkpoints, CTC training), :mod:`.spotting` (wake word in a stream),
:mod:`.segmentation` (music/speech and female/male), :mod:`.claims` (the chapter's goals).
"""
from .claims import GOALS, goal_table
from .ctc import (
    BLANK,
    DigitGrammar,
    digit_strings,
    edit_distance,
    error_rate,
    greedy_decode,
    prefix_beam_search,
    string_features,
)
from .data import CLIP, DIGIT_WORDS, SR, clip_log_mel, durations, load_clips, loso_folds, word_clip, workshop_filter
from .hmm import HMMWordModels, hmm_frames, left_right
from .segmentation import FEATURE_SETS, SEG_SR, music_tracks, segmentation_table, train_window_classifier, window_features, windows_of
from .spotting import build_stream, stream_posteriors, det_points, detect, score_detections, smooth
from .models import CTCRecognizer, LogMelCNN, WorkshopConv1D, parameter_table, predict_logits, train_classifier
from .train import (
    CTC_TEST_SPEAKERS,
    CTC_TRAIN_SPEAKERS,
    MODEL_KINDS,
    checkpoint_path,
    connected_digit_set,
    ctc_takes,
    ctc_log_probs,
    load_model,
    new_model,
    train_ctc,
)

__all__ = [
    "GOALS", "goal_table",
    "FEATURE_SETS", "SEG_SR", "music_tracks", "segmentation_table", "train_window_classifier", "window_features", "windows_of",
    "build_stream", "stream_posteriors", "det_points", "detect", "score_detections", "smooth",
    "BLANK", "DigitGrammar", "digit_strings", "edit_distance", "error_rate", "greedy_decode",
    "prefix_beam_search", "string_features",
    "CLIP", "DIGIT_WORDS", "SR", "clip_log_mel", "durations", "load_clips", "loso_folds", "word_clip",
    "workshop_filter",
    "HMMWordModels", "hmm_frames", "left_right",
    "CTCRecognizer", "LogMelCNN", "WorkshopConv1D", "parameter_table", "predict_logits", "train_classifier",
    "CTC_TEST_SPEAKERS", "CTC_TRAIN_SPEAKERS", "MODEL_KINDS", "checkpoint_path", "connected_digit_set", "ctc_takes",
    "ctc_log_probs", "load_model", "new_model", "train_ctc",
]
