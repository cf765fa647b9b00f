"""Timeline plot of diarization segments.

Taught in ``notebooks/08_speaker_diarization.ipynb``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt

__all__ = ["plot_timeline"]


def plot_timeline(
    tracks: dict[str, Sequence[tuple[float, float, Any]]],
    *,
    ax=None,
    title: str = "Who spoke when",
):
    """One row per track (e.g. ``{"reference": ref, "hypothesis": hyp}``), one colour per label.

    Labels of the hypothesis are coloured independently of the reference (their names differ).

    Parameters
    ----------
    tracks : dict
        Track name -> segments ``(start, end, label)``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    title : str
        Title of the plot.

    Returns
    -------
    matplotlib.axes.Axes

    Notebook: 08_speaker_diarization § Conversations with known turns ; 08_speaker_diarization § Resegmentation, timeline and the collar
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(12, 0.8 + 0.7 * len(tracks)))
    cmap = plt.get_cmap("tab10")
    names = list(tracks)
    handles = {}
    for row, name in enumerate(names):
        labs = sorted({str(lab) for *_, lab in tracks[name]})
        for s, e, lab in tracks[name]:
            c = cmap(labs.index(str(lab)) % 10)
            h = ax.broken_barh([(s, e - s)], (row - 0.4, 0.8), facecolors=c, alpha=0.8, edgecolor="k", linewidth=0.3)
            handles.setdefault(f"{name}: {lab}", h)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel("time (s)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax
