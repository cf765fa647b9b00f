"""Listening helpers: labelled audio players, side by side for before/after comparisons.

First used in ``notebooks/01_speaker_recognition.ipynb`` ("listen to a few speakers") and the
heart of ``notebooks/05_speech_enhancement.ipynb``.

Players embed the audio as base64 WAV in the notebook output. Notebooks are stored without
outputs and tested with ``nbval --nbval-lax``, so players never make a test flaky.

Interactive demos show their results as widgets (:func:`text_box`, :func:`figure_image`,
:func:`players`) placed in a box whose ``children`` each update replaces, instead of printing
into an ``ipywidgets.Output``: headless runners (nbclient, nbconvert ``--execute``) imitate the
``Output`` widget by echoing every output back to the kernel, and with audio in it that can
deadlock the run (jupyter/nbconvert#2029).
"""
from __future__ import annotations

import html
import io
from collections.abc import Mapping

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Audio

__all__ = ["player", "players", "text_box", "figure_image"]


def player(y: np.ndarray, sr: int, label: str = "", *, normalize: bool = True):
    """A captioned audio player widget; display it, or put several in :func:`players`.

    The player is an HTML ``<audio>`` element (``IPython.display.Audio``'s markup) inside an
    ``ipywidgets.HTML``; no ``Output`` widget is involved, which keeps long clips from stalling
    headless notebook runs. ``normalize=False`` keeps the level, so a quieter signal sounds quieter.

    Parameters
    ----------
    y : np.ndarray
        Mono signal.
    sr : int
        Its sample rate.
    label : str
        Caption above the player (none when empty).
    normalize : bool
        Scale to full level; ``False`` keeps the level (samples clipped to [-1, 1]).

    Returns
    -------
    ipywidgets.Widget
        An ``HTML`` widget, inside a ``VBox`` with the caption when ``label`` is given.

    Notebook: 06_music_information_retrieval § The 120 BPM kick demo
    """
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"player {label!r}: expected a non-empty mono signal, got shape {y.shape}")
    if not normalize:
        y = np.clip(y, -1.0, 1.0)
    audio = W.HTML(Audio(y, rate=sr, normalize=normalize)._repr_html_())
    return W.VBox([W.HTML(f"<b>{label}</b>"), audio]) if label else audio


def players(signals: Mapping[str, np.ndarray], sr: int, *, normalize: bool = True):
    """A row of captioned players, e.g. ``players({"noisy": x, "enhanced": y}, sr)``.

    Parameters
    ----------
    signals : Mapping of str to np.ndarray
        Caption -> mono signal, in display order.
    sr : int
        Their sample rate.
    normalize : bool
        Passed to :func:`player`.

    Returns
    -------
    ipywidgets.HBox
        The players side by side.

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
    """
    return W.HBox([player(y, sr, label, normalize=normalize) for label, y in signals.items()])


def text_box(text: str):
    """Plain text (kept as written: line breaks, alignment) as an ``ipywidgets.HTML`` widget.

    Parameters
    ----------
    text : str
        The text (HTML-escaped, shown in a ``<pre>`` block).

    Returns
    -------
    ipywidgets.HTML
        The widget.

    Notebook: 05_speech_enhancement § 9. Listen: every method, before and after
    """
    return W.HTML(f"<pre style='margin:0'>{html.escape(str(text))}</pre>")


def figure_image(fig, *, dpi: int = 80):
    """A matplotlib figure as an ``ipywidgets.Image`` (PNG).

    The figure is closed, so it is not shown a second time below the cell.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to render.
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    ipywidgets.Image
        The rendered figure.

    Notebook: 05_speech_enhancement § 9. Listen: every method, before and after
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return W.Image(value=buf.getvalue(), format="png")
