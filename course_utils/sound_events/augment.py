"""Augmentation for log-mel batches: time shift, mixup, and SpecAugment (from :mod:`course_utils.corruptions`).

Notebook: 09_sound_classification § What modern training adds: time shift, mixup, SpecAugment
"""
from __future__ import annotations

import numpy as np

from ..corruptions import spec_augment

__all__ = ["time_shift", "mixup", "augment_batch"]


def time_shift(X: np.ndarray, rng: np.random.Generator, *, crop: int | None = None) -> np.ndarray:
    """Roll each example circularly along time by a random offset, then keep the first ``crop`` frames.

    Parameters
    ----------
    X : np.ndarray
        ``(batch, n_mels, frames)``.
    rng : np.random.Generator
        Draws the offsets.
    crop : int, optional
        Frames kept (default: all).

    Returns
    -------
    np.ndarray
        ``(batch, n_mels, crop)``, a new array.

    Notebook: 09_sound_classification § What modern training adds: time shift, mixup, SpecAugment
    """
    X = np.asarray(X)
    if X.ndim != 3:
        raise ValueError(f"time_shift: X must be (batch, n_mels, frames), got shape {X.shape}")
    crop = X.shape[2] if crop is None else int(crop)
    if not 0 < crop <= X.shape[2]:
        raise ValueError(f"time_shift: crop must be in 1..{X.shape[2]}, got {crop}")
    shifts = rng.integers(0, X.shape[2], size=len(X))
    return np.stack([np.roll(x, -s, axis=1)[:, :crop] for x, s in zip(X, shifts)])


def mixup(X: np.ndarray, Y: np.ndarray, rng: np.random.Generator, *, alpha: float = 0.2) -> tuple[np.ndarray, np.ndarray, float]:
    """Mixup (Zhang et al., 2018): ``lam * x + (1 - lam) * x[perm]``, same for the one-hot targets.

    One ``lam ~ Beta(alpha, alpha)`` and one random permutation per batch.

    Parameters
    ----------
    X : np.ndarray
        ``(batch, ...)`` inputs.
    Y : np.ndarray
        ``(batch, n_classes)`` one-hot (or soft) targets.
    rng : np.random.Generator
        Draws ``lam`` and the permutation.
    alpha : float
        Beta parameter (> 0); small values keep most pairs close to one of the two examples.

    Returns
    -------
    tuple of (np.ndarray, np.ndarray, float)
        Mixed inputs, mixed targets and ``lam``.

    Notebook: 09_sound_classification § What modern training adds: time shift, mixup, SpecAugment
    """
    if alpha <= 0:
        raise ValueError(f"mixup: alpha must be > 0, got {alpha}")
    if len(X) != len(Y):
        raise ValueError(f"mixup: {len(X)} inputs but {len(Y)} targets")
    lam = float(rng.beta(alpha, alpha))
    perm = rng.permutation(len(X))
    return lam * X + (1 - lam) * X[perm], lam * Y + (1 - lam) * Y[perm], lam


def augment_batch(X: np.ndarray, Y: np.ndarray, rng: np.random.Generator, *, crop: int | None = None,
                  alpha: float | None = 0.2, spec: bool = True, shift: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's recipe: time shift (and crop), per-example SpecAugment, then mixup.

    Parameters
    ----------
    X : np.ndarray
        ``(batch, n_mels, frames)`` normalised log-mels.
    Y : np.ndarray
        ``(batch, n_classes)`` targets.
    rng : np.random.Generator
        Draws everything.
    crop : int, optional
        Frames kept after the shift.
    alpha : float or None
        Mixup parameter; ``None`` skips mixup.
    spec : bool
        Apply SpecAugment (two frequency masks of up to 8 bands, two time masks of up to 12 frames).
    shift : bool
        Apply the time shift (and crop).

    Returns
    -------
    tuple of np.ndarray
        Augmented inputs (float32) and targets.

    Notebook: 09_sound_classification § What modern training adds: time shift, mixup, SpecAugment
    """
    if shift:
        X = time_shift(X, rng, crop=crop)
    if spec:
        X = np.stack([spec_augment(x, rng, n_freq=2, max_freq=8, n_time=2, max_time=12) for x in X])
    if alpha is not None:
        X, Y, _ = mixup(X, Y, rng, alpha=alpha)
    return X.astype(np.float32), Y.astype(np.float32)
