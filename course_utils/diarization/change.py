"""Metric-based speaker change detection: cosine distance of MFCC statistics, or ΔBIC.

Taught in ``notebooks/08_speaker_diarization.ipynb`` (section 2).
"""
from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from ..audio import check_audio
from ..features import frame_mfcc
from .segments import HOP_S

__all__ = ["change_scores", "pick_change_points"]


def _delta_bic(X1: np.ndarray, X2: np.ndarray, lam: float) -> float:
    X = np.vstack([X1, X2])
    n1, n2, n = len(X1), len(X2), len(X1) + len(X2)
    d = X.shape[1]

    def logdet(Z):
        C = np.cov(Z, rowvar=False) + 1e-6 * np.eye(d)
        return np.linalg.slogdet(C)[1]

    penalty = 0.5 * lam * (d + 0.5 * d * (d + 1)) * np.log(n)
    return 0.5 * (n * logdet(X) - n1 * logdet(X1) - n2 * logdet(X2)) - penalty


def _cosine_distance_of_stats(L: np.ndarray, R: np.ndarray) -> float:
    a = np.concatenate([L.mean(0), L.std(0)])
    b = np.concatenate([R.mean(0), R.std(0)])
    return 1.0 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12)


def change_scores(
    y: np.ndarray,
    sr: int,
    *,
    win_s: float = 1.0,
    step_s: float = 0.1,
    method: str = "cosine",
    speech_mask: np.ndarray | None = None,
    n_mfcc: int = 20,
    bic_lambda: float = 1.0,
    min_frames: int = 30,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance between the windows just before and just after each candidate time.

    ``method="cosine"``: cosine distance between the MFCC statistics (mean and std of normalised
    MFCCs) of the left and right window. ``method="bic"``: ΔBIC of modelling both windows with one
    full-covariance Gaussian vs one each (positive = two speakers are more likely).
    Only speech frames count when ``speech_mask`` (one bool per 10 ms) is given; candidates with
    fewer than ``min_frames`` speech frames on a side score NaN.

    Parameters
    ----------
    y : np.ndarray
        Mono recording.
    sr : int
        Its sample rate.
    win_s : float
        Length of the left and of the right window (seconds).
    step_s : float
        Spacing of the candidate times (seconds).
    method : str
        ``"cosine"`` or ``"bic"`` (13 MFCCs for ΔBIC).
    speech_mask : np.ndarray, optional
        One bool per 10 ms frame; only speech frames count.
    n_mfcc : int
        MFCCs of the cosine method.
    bic_lambda : float
        Weight λ of the BIC penalty.
    min_frames : int
        Fewest speech frames per side for a score.

    Returns
    -------
    (times, scores)
        Candidate times (s) and their scores (NaN where a side has too little speech).

    Notebook: 08_speaker_diarization § Speaker change detection: distance between adjacent windows
    """
    if method not in ("cosine", "bic"):
        raise ValueError(f"method must be 'cosine' or 'bic', got {method!r}")
    if win_s <= 0 or step_s <= 0:
        raise ValueError(f"win_s and step_s must be positive, got {win_s}, {step_s}")
    y = check_audio(y, sr, name="y")
    F = frame_mfcc(y, sr, n_mfcc=13 if method == "bic" else n_mfcc, normalize="meanvar")
    keep = np.ones(len(F), bool) if speech_mask is None else np.resize(np.asarray(speech_mask, bool), len(F))
    times = np.arange(win_s, len(F) * HOP_S - win_s + 1e-9, step_s)
    return times, _window_pair_scores(F, keep, times, int(round(win_s / HOP_S)), method, bic_lambda, min_frames)


def _window_pair_scores(F: np.ndarray, keep: np.ndarray, times: np.ndarray, w: int, method: str,
                        bic_lambda: float, min_frames: int) -> np.ndarray:
    scores = np.full(times.size, np.nan)
    for k, t in enumerate(times):
        c = int(round(t / HOP_S))
        L = F[max(0, c - w):c][keep[max(0, c - w):c]]
        R = F[c:c + w][keep[c:c + w]]
        if len(L) < min_frames or len(R) < min_frames:
            continue
        scores[k] = _cosine_distance_of_stats(L, R) if method == "cosine" else _delta_bic(L, R, bic_lambda)
    return scores


def pick_change_points(
    times: np.ndarray,
    scores: np.ndarray,
    *,
    threshold: float | None = None,
    min_distance_s: float = 1.0,
) -> np.ndarray:
    """Local maxima of the change score above ``threshold``, at least ``min_distance_s`` apart.

    With no threshold, the median plus one standard deviation of the (finite) scores is used.

    Parameters
    ----------
    times, scores : np.ndarray
        The output of :func:`change_scores`.
    threshold : float, optional
        Lowest score of a change point.
    min_distance_s : float
        Least distance between two change points (seconds).

    Returns
    -------
    np.ndarray
        Times (s) of the detected changes.

    Notebook: 08_speaker_diarization § Speaker change detection: distance between adjacent windows
    """
    times = np.asarray(times, float)
    s = np.asarray(scores, float)
    if times.shape != s.shape:
        raise ValueError(f"times and scores must have the same shape, got {times.shape} and {s.shape}")
    if not np.isfinite(s).any():
        return np.zeros(0)
    if threshold is None:
        fin = s[np.isfinite(s)]
        threshold = float(np.median(fin) + fin.std())
    step = np.median(np.diff(times)) if times.size > 1 else 1.0
    peaks, _ = find_peaks(np.where(np.isfinite(s), s, np.nanmin(scores) - 1), height=threshold,
                          distance=max(1, int(round(min_distance_s / step))))
    return times[peaks]
