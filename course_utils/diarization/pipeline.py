"""The whole modular recipe: VAD → sliding windows → embeddings → clustering → resegmentation.

Taught in ``notebooks/08_speaker_diarization.ipynb`` (sections 5 and 6).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..audio import check_audio
from ..vad import speech_segments
from .clustering import agglomerative_cluster, spectral_cluster
from .segments import labels_to_segments, resegment
from .windows import sliding_windows

__all__ = ["cluster_segments", "diarize"]


def _check_method(method: str) -> None:
    if method not in ("spectral", "agglomerative"):
        raise ValueError(f"method must be 'spectral' or 'agglomerative', got {method!r}")


def cluster_segments(
    E: np.ndarray,
    windows: Sequence[tuple[float, float]],
    speech: Sequence[tuple[float, float]],
    *,
    method: str = "spectral",
    n_speakers: int | None = None,
    threshold: float = 1.0,
    min_speakers: int = 1,
    fine: tuple[float, float] = (1.0, 0.25),
    fine_embed: Callable[[list[tuple[float, float]]], np.ndarray] | None = None,
) -> tuple[list[tuple[float, float, str]], list[tuple[float, float, str]], np.ndarray]:
    """Cluster window embeddings into speakers, then (optionally) resegment at a finer resolution.

    Parameters
    ----------
    E : np.ndarray
        ``(n_windows, dim)`` embeddings of ``windows``.
    windows : sequence of (start, end)
        The embedded windows (seconds).
    speech : sequence of (start, end)
        Speech regions (seconds) the windows were cut from.
    method : str
        ``"spectral"`` or ``"agglomerative"``.
    n_speakers : int, optional
        Known number of speakers; otherwise the eigen-gap (spectral) or ``threshold`` (agglomerative).
    threshold : float
        Cosine-distance threshold of agglomerative clustering.
    min_speakers : int
        Least number of speakers of the eigen-gap estimate.
    fine : (win_s, hop_s)
        Windows of the resegmentation pass.
    fine_embed : callable, optional
        ``fine_windows -> (m, dim)`` embeddings with the same encoder; None skips resegmentation
        (so does a first pass that found a single speaker).

    Returns
    -------
    (segments, first_pass, labels)
        Final segments, segments before resegmentation, and the window labels.

    Notebook: 08_speaker_diarization § Clustering the windows ; 08_speaker_diarization § Resegmentation, timeline and the collar
    """
    _check_method(method)
    if method == "spectral":
        labels, _ = spectral_cluster(E, n_speakers, min_speakers=min_speakers)
    else:
        labels = agglomerative_cluster(E, n_speakers, threshold=threshold)
    first = labels_to_segments(windows, labels, speech)
    if fine_embed is None or len(np.unique(labels)) < 2:
        return first, first, labels
    fwin = sliding_windows(speech, win_s=fine[0], hop_s=fine[1], min_s=min(0.3, fine[0]))
    return labels_to_segments(fwin, resegment(E, labels, fine_embed(fwin)), speech), first, labels


def diarize(
    y: np.ndarray,
    sr: int,
    embed: Callable[[np.ndarray, int, Sequence[tuple[float, float]]], np.ndarray],
    *,
    method: str = "spectral",
    n_speakers: int | None = None,
    threshold: float = 1.0,
    win_s: float = 1.5,
    hop_s: float = 0.75,
    fine: tuple[float, float] | None = (1.0, 0.25),
    vad: str = "webrtc",
    min_speakers: int = 1,
) -> dict[str, Any]:
    """VAD → sliding windows → embeddings → clustering → (resegmentation) → segments.

    Parameters
    ----------
    y : np.ndarray
        The recording (at least 0.5 s).
    sr : int
        Its sample rate.
    embed : callable
        ``(y, sr, windows) -> (n_windows, dim)``, e.g. one of :func:`window_encoders`.
    method : str
        ``"spectral"`` or ``"agglomerative"``.
    n_speakers : int, optional
        Known number of speakers; otherwise the eigen-gap (spectral) or ``threshold`` (agglomerative).
    threshold : float
        Cosine-distance threshold of agglomerative clustering.
    win_s, hop_s : float
        Windows of the first pass (seconds).
    fine : (win_s, hop_s) or None
        Windows of the resegmentation pass; None skips it.
    vad : str
        ``"webrtc"`` or ``"energy"`` (:func:`course_utils.vad.speech_segments`).
    min_speakers : int
        Least number of speakers of the eigen-gap estimate.

    Returns
    -------
    dict
        ``segments`` (final), ``first_pass`` (before resegmentation), ``speech`` (VAD regions),
        ``windows``, ``labels``, ``n_speakers``.

    Notebook: 08_speaker_diarization § Resegmentation, timeline and the collar
    """
    _check_method(method)
    y = check_audio(y, sr, name="y", min_duration=0.5)
    speech = speech_segments(y, sr, method=vad)
    windows = sliding_windows(speech, win_s=win_s, hop_s=hop_s)
    if not windows:
        return {"segments": [], "first_pass": [], "speech": speech, "windows": [], "labels": np.zeros(0, int), "n_speakers": 0}
    E = embed(y, sr, windows)
    segs, first, labels = cluster_segments(
        E, windows, speech, method=method, n_speakers=n_speakers, threshold=threshold, min_speakers=min_speakers,
        fine=fine or (1.0, 0.25), fine_embed=None if fine is None else (lambda w: embed(y, sr, w)))
    return {"segments": segs, "first_pass": first, "speech": speech, "windows": windows,
            "labels": labels, "n_speakers": int(len(np.unique(labels)))}
