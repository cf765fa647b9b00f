"""Timeline plot of diarization segments.

Taught in ``notebooks/08_speaker_diarization.ipynb``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_timeline"]


def plot_timeline(
    tracks: dict[str, Sequence[tuple[float, float, Any]]],
    *,
    ax=None,
    title: str = "Who spoke when",
):
    """One row per track (e.g. ``{"reference": ref, "hypothesis": hyp}``), one colour per label.

    Labels of the hypothesis are coloured independently of the reference (their names differ); a
    legend on the right gives each colour's ``track: label``.

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
        _, ax = plt.subplots(figsize=(12, 0.8 + 0.7 * len(tracks)), layout="constrained")
    cmap = plt.get_cmap("tab10")
    names = list(tracks)
    handles = {}
    for row, name in enumerate(names):
        labs = sorted({str(lab) for *_, lab in tracks[name]})
        for s, e, lab in tracks[name]:
            c = cmap(labs.index(str(lab)) % 10)
            h = ax.broken_barh([(s, e - s)], (row - 0.4, 0.8), facecolors=c, alpha=0.8, edgecolor="k", linewidth=0.3)
            handles.setdefault((row, labs.index(str(lab))), (f"{name}: {lab}", h))
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel("time (s)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    if handles:  # the colour key, outside the data on the right, in as many columns as its height needs
        height_in = ax.get_position().height * ax.figure.get_figheight()
        ncol = int(np.ceil(len(handles) / max(3, int(5 * height_in))))
        keyed = [handles[k] for k in sorted(handles)]  # by track, then label
        ax.legend([h for _, h in keyed], [text for text, _ in keyed], loc="upper left", bbox_to_anchor=(1.01, 1.0),
                  fontsize=8, ncol=ncol, title="track: speaker", title_fontsize=8, borderaxespad=0.0)
    return ax
