"""Segments: per-window labels to ``(start, end, speaker)`` turns, merging, resegmentation.

Taught in ``notebooks/08_speaker_diarization.ipynb`` (sections 5 and 6).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.ndimage import uniform_filter1d

__all__ = ["labels_to_segments", "single_cluster_segments", "resegment", "merge_segments", "window_majority_labels"]

HOP_S = 0.01  # frame hop used throughout (10 ms)


def merge_segments(segments: Sequence[tuple[float, float, Any]], *, max_gap: float = 0.0) -> list[tuple[float, float, Any]]:
    """Join consecutive segments of the same label separated by at most ``max_gap`` seconds.

    Parameters
    ----------
    segments : sequence of (start, end, label)
        Segments in seconds, in any order.
    max_gap : float
        Longest pause (seconds) bridged between two segments of one label.

    Returns
    -------
    list of (start, end, label)
        Sorted by start time.

    Notebook: 08_speaker_diarization § Resegmentation, timeline and the collar
    """
    out: list[list] = []
    for s, e, lab in sorted(segments, key=lambda t: (str(t[2]), t[0])):
        if out and out[-1][2] == lab and s - out[-1][1] <= max_gap + 1e-9:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e, lab])
    return sorted([(float(s), float(e), lab) for s, e, lab in out], key=lambda t: t[0])


def _frame_labels_to_segments(frame_lab: np.ndarray, names: Sequence[Any] | None = None) -> list[tuple[float, float, Any]]:
    segs = []
    start = None
    for i in range(len(frame_lab) + 1):
        cur = frame_lab[i] if i < len(frame_lab) else -1
        prev = frame_lab[i - 1] if i > 0 else -1
        if cur != prev:
            if prev >= 0:
                segs.append((start * HOP_S, i * HOP_S, names[int(prev)] if names is not None else f"spk{int(prev)}"))
            start = i
    return segs


def _speech_frames(speech: Sequence[tuple[float, float]], n: int) -> np.ndarray:
    m = np.zeros(n, bool)
    for s, e in speech:
        m[int(round(s / HOP_S)):int(round(e / HOP_S))] = True
    return m


def labels_to_segments(
    windows: Sequence[tuple[float, float]],
    labels: Sequence[int],
    speech: Sequence[tuple[float, float]],
) -> list[tuple[float, float, str]]:
    """Turn per-window labels into ``(start, end, "spkN")`` segments over the speech regions.

    Every 10 ms speech frame takes the label of the window whose centre is nearest.

    Parameters
    ----------
    windows : sequence of (start, end)
        The labelled windows (seconds).
    labels : sequence of int
        One cluster label per window.
    speech : sequence of (start, end)
        Speech regions (seconds) from the VAD.

    Returns
    -------
    list of (start, end, str)
        Speaker turns named ``spk0``, ``spk1``, ...

    Notebook: 08_speaker_diarization § Resegmentation, timeline and the collar
    """
    if len(windows) != len(labels):
        raise ValueError(f"{len(windows)} windows but {len(labels)} labels")
    if not windows:
        return []
    end = max(e for _, e in speech) if speech else 0.0
    n = int(np.ceil(end / HOP_S))
    mask = _speech_frames(speech, n)
    centres = np.array([(s + e) / 2 for s, e in windows])
    t = (np.arange(n) + 0.5) * HOP_S
    nearest = np.abs(t[:, None] - centres[None, :]).argmin(1)
    frame_lab = np.where(mask, np.asarray(labels)[nearest], -1)
    return _frame_labels_to_segments(frame_lab)


def single_cluster_segments(speech: Sequence[tuple[float, float]]) -> list[tuple[float, float, str]]:
    """The trivial baseline: all detected speech is one speaker.

    Parameters
    ----------
    speech : sequence of (start, end)
        Speech regions (seconds).

    Returns
    -------
    list of (start, end, str)
        Every region labelled ``spk0``.

    Notebook: 08_speaker_diarization § Clustering the windows
    """
    return [(float(s), float(e), "spk0") for s, e in speech]


def window_majority_labels(windows: Sequence[tuple[float, float]], reference: Sequence[tuple[float, float, Any]]) -> np.ndarray:
    """The reference speaker who talks most inside each window.

    Parameters
    ----------
    windows : sequence of (start, end)
        Windows in seconds.
    reference : sequence of (start, end, speaker)
        Reference turns.

    Returns
    -------
    np.ndarray
        One speaker label per window.

    Notebook: 08_speaker_diarization § Embed sliding windows
    """
    out = []
    for s, e in windows:
        cover = {}
        for rs, re_, lab in reference:
            cover[lab] = cover.get(lab, 0.0) + max(0.0, min(e, re_) - max(s, rs))
        out.append(max(cover, key=cover.get))
    return np.array(out)


def resegment(
    coarse: np.ndarray,
    labels: Sequence[int],
    fine: np.ndarray,
    *,
    smooth: int = 1,
    center: bool = True,
) -> np.ndarray:
    """Second pass at a finer time resolution: label short windows by the nearest speaker centroid.

    The first pass clusters long windows (reliable embeddings, coarse boundaries). Each cluster's
    centroid (mean of its ``coarse`` embeddings) then labels every ``fine`` embedding (shorter
    windows at a smaller hop) by cosine similarity, optionally averaged over ``smooth``
    neighbouring windows, which moves the boundaries closer to the true speaker changes.

    Parameters
    ----------
    coarse : np.ndarray
        ``(n, d)`` embeddings that were clustered.
    labels : sequence of int
        Their ``n`` cluster labels.
    fine : np.ndarray
        ``(m, d)`` embeddings of the finer windows (same encoder).
    smooth : int
        Moving-average length over consecutive fine windows (1 = none).
    center : bool
        Subtract the coarse mean embedding first (as the clustering did).

    Returns
    -------
    np.ndarray
        ``(m,)`` integer labels.

    Notebook: 08_speaker_diarization § Resegmentation, timeline and the collar
    """
    coarse = np.asarray(coarse, float)
    fine = np.asarray(fine, float)
    labels = np.asarray(labels)
    if coarse.ndim != 2 or fine.ndim != 2 or coarse.shape[1] != fine.shape[1]:
        raise ValueError(f"coarse and fine must be (n, d) and (m, d) with the same d, got {coarse.shape} and {fine.shape}")
    if len(labels) != len(coarse):
        raise ValueError(f"{len(coarse)} coarse embeddings but {len(labels)} labels")
    mu = coarse.mean(0) if center else np.zeros(coarse.shape[1])
    ks = np.unique(labels)
    C = np.stack([(coarse - mu)[labels == k].mean(0) for k in ks])
    F = fine - mu
    S = (F / (np.linalg.norm(F, axis=1, keepdims=True) + 1e-12)) @ (C / (np.linalg.norm(C, axis=1, keepdims=True) + 1e-12)).T
    if smooth > 1:
        S = uniform_filter1d(S, int(smooth), axis=0)
    return ks[S.argmax(1)]
