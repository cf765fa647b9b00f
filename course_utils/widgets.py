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

from collections.abc import Mapping

import numpy as np

__all__ = ["player", "players", "text_box", "figure_image"]


def player(y: np.ndarray, sr: int, label: str = "", *, normalize: bool = True):
    """A captioned audio player widget; display it, or put several in :func:`players`.

    The player is an HTML ``<audio>`` element (``IPython.display.Audio``'s markup) inside an
    ``ipywidgets.HTML``; no ``Output`` widget is involved, which keeps long clips from stalling
    headless notebook runs. ``normalize=False`` keeps the level, so a quieter signal sounds quieter.
    """
    import ipywidgets as W
    from IPython.display import Audio

    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"player {label!r}: expected a non-empty mono signal, got shape {y.shape}")
    if not normalize:
        y = np.clip(y, -1.0, 1.0)
    audio = W.HTML(Audio(y, rate=sr, normalize=normalize)._repr_html_())
    return W.VBox([W.HTML(f"<b>{label}</b>"), audio]) if label else audio


def players(signals: Mapping[str, np.ndarray], sr: int, *, normalize: bool = True):
    """A row of captioned players, e.g. ``players({"noisy": x, "enhanced": y}, sr)``."""
    import ipywidgets as W

    return W.HBox([player(y, sr, label, normalize=normalize) for label, y in signals.items()])


def text_box(text: str):
    """Plain text (kept as written: line breaks, alignment) as an ``ipywidgets.HTML`` widget."""
    import html

    import ipywidgets as W

    return W.HTML(f"<pre style='margin:0'>{html.escape(str(text))}</pre>")


def figure_image(fig, *, dpi: int = 80):
    """A matplotlib figure as an ``ipywidgets.Image`` (PNG); the figure is closed, so it is not
    shown a second time below the cell."""
    import io

    import ipywidgets as W
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return W.Image(value=buf.getvalue(), format="png")
