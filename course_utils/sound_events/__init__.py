"""Chapter 9: environmental sound classification (ESC-10) and sound event detection.

Modules: :mod:`.data` (inputs, folds), :mod:`.baselines` (clip statistics + RF/SVM),
:mod:`.augment` (time shift, mixup), :mod:`.networks` (CNN with attention pooling, ResNet, AST),
:mod:`.training` (recipes, training, prediction), :mod:`.shipped` (per-fold checkpoints),
:mod:`.sed` (soundscapes, segment-based metrics), :mod:`.claims` (goals and self-check).
"""
from .augment import augment_batch, mixup, time_shift
from .data import (CLIP_SECONDS, HOP_MS, N_MELS, SR, WIN_MS, check_fold_split, clip_log_mel, mel_statistics,
                   esc_inputs, fold_splits, random_folds, shared_sources)
from .baselines import BASELINES, cross_validate, make_baseline
from .networks import AttentionPooling, AudioTransformer, EscCNN, ResNetSmall, count_parameters
from .sed import activity_to_events, frame_activity, make_soundscape, segment_activity, segment_metrics
from .shipped import (KINDS, data_digest, fold_indices, fold_models, live_model, live_steps, make_network, predict_folds,
                      validation_fold)
from .training import Recipe, accuracy, normalize, predict_proba, train_network

__all__ = [
    "SR", "N_MELS", "WIN_MS", "HOP_MS", "CLIP_SECONDS", "clip_log_mel", "mel_statistics", "esc_inputs",
    "fold_splits", "check_fold_split", "random_folds", "shared_sources",
    "BASELINES", "make_baseline", "cross_validate",
    "time_shift", "mixup", "augment_batch",
    "AttentionPooling", "EscCNN", "ResNetSmall", "AudioTransformer", "count_parameters",
    "Recipe", "normalize", "train_network", "predict_proba", "accuracy",
    "KINDS", "validation_fold", "make_network", "data_digest", "fold_indices", "fold_models", "predict_folds", "live_model", "live_steps",
    "make_soundscape", "frame_activity", "activity_to_events", "segment_activity", "segment_metrics",
]
