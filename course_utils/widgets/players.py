"""Listening helpers: labelled audio players, side by side or as a table, for before/after comparisons.

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

__all__ = ["player", "players", "player_table", "text_box", "figure_image"]

#: Width of one audio player in pixels: wide enough for its time slider, and four of them, or a
#: table of label, player and metric columns, fit a 1280-px projector.
PLAYER_WIDTH = 260


def _audio_html(y: np.ndarray, sr: int, label: str, normalize: bool, width: int) -> str:
    """An HTML ``<audio>`` element ``width`` pixels wide with ``y`` embedded as base64 WAV."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"player {label!r}: expected a non-empty mono signal, got shape {y.shape}")
    if not normalize:
        y = np.clip(y, -1.0, 1.0)
    src = Audio(y, rate=sr, normalize=normalize).src_attr()
    return (f'<audio controls preload="none" style="width:{width}px; display:block" '
            f'title="{html.escape(label, quote=True)}"><source src="{src}" type="audio/wav" /></audio>')


def player(y: np.ndarray, sr: int, label: str = "", *, normalize: bool = True):
    """A captioned audio player widget; display it, or put several in :func:`players`.

    The player is an HTML ``<audio>`` element, :data:`PLAYER_WIDTH` pixels wide, holding
    ``IPython.display.Audio``'s WAV data, inside an ``ipywidgets.HTML``; no ``Output`` widget is
    involved, which keeps long clips from stalling headless notebook runs. ``normalize=False`` keeps
    the level, so a quieter signal sounds quieter.

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
    audio = W.HTML(_audio_html(y, sr, label, normalize, PLAYER_WIDTH))
    if not label:
        return audio
    caption = W.HTML(f"<b>{html.escape(label)}</b>", layout=W.Layout(width=f"{PLAYER_WIDTH}px"))
    return W.VBox([caption, audio], layout=W.Layout(width=f"{PLAYER_WIDTH + 10}px"))


def players(signals: Mapping[str, np.ndarray], sr: int, *, normalize: bool = True):
    """A row of captioned players, e.g. ``players({"noisy": x, "enhanced": y}, sr)``.

    The row wraps onto further lines when the players do not fit side by side; for more than a
    few signals, or to show scores next to each, use :func:`player_table`.

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
        The players side by side (wrapping).

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
    """
    return W.HBox([player(y, sr, label, normalize=normalize) for label, y in signals.items()],
                  layout=W.Layout(flex_flow="row wrap", grid_gap="4px 12px"))


def player_table(rows: Mapping[str, np.ndarray], sr: int, *, metrics: Mapping[str, Mapping[str, object]] | None = None,
                 label: str = "", normalize: bool = True, digits: int = 2):
    """Players as a table, one row per signal: its label, a player, and optional metric columns.

    Each player is :data:`PLAYER_WIDTH` pixels wide; with a label column of up to 320 pixels and a
    few metric columns the table fits a 1280-px projector, however many rows it has.

    Parameters
    ----------
    rows : Mapping of str to np.ndarray
        Label -> mono signal, in display order.
    sr : int
        Their sample rate.
    metrics : Mapping of str to Mapping of str to object, optional
        Label -> ``{column: value}``; columns in order of first appearance, a missing value is
        left blank, numbers are shown with ``digits`` decimals. A ``pandas.DataFrame`` indexed by
        label works too (``df.to_dict("index")``).
    label : str
        Heading of the label column.
    normalize : bool
        Scale each signal to full level; ``False`` keeps the levels (see :func:`player`).
    digits : int
        Decimals of numeric metric values.

    Returns
    -------
    ipywidgets.HTML
        The table (its ``value`` is the HTML).

    Notebook: 05_speech_enhancement § 9. Listen: every method, before and after
    """
    metrics = {k: dict(v) for k, v in (metrics or {}).items()}
    columns = list(dict.fromkeys(c for v in metrics.values() for c in v))
    cell = "padding:2px 8px; text-align:left; vertical-align:middle"

    def fmt(v) -> str:
        if v is None or (isinstance(v, (float, np.floating)) and np.isnan(v)):
            return ""
        return f"{v:.{digits}f}" if isinstance(v, (float, np.floating)) else html.escape(str(v))

    head = "".join(f"<th style='{cell}'>{html.escape(c)}</th>" for c in [label, "listen", *columns])
    body = []
    for name, y in rows.items():
        values = metrics.get(name, {})
        tds = "".join(f"<td style='{cell}; text-align:right'>{fmt(values.get(c))}</td>" for c in columns)
        body.append(f"<tr><td style='{cell}; max-width:320px'><b>{html.escape(name)}</b></td>"
                    f"<td style='{cell}'>{_audio_html(y, sr, name, normalize, PLAYER_WIDTH)}</td>{tds}</tr>")
    return W.HTML(f"<table style='border-collapse:collapse; width:auto'><thead><tr>{head}</tr></thead>"
                  f"<tbody>{''.join(body)}</tbody></table>")


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
