"""Figures of the chapter: spectrograms side by side, scores against the input SNR, loss curves."""
from __future__ import annotations

import textwrap

import librosa
import librosa.display
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator
import numpy as np
import pandas as pd

from .classical import stft, stft_params

__all__ = ["plot_spectrograms", "plot_results", "plot_loss_curves"]

_LOSS_LABELS = {"si_sdr": "Loss = -SI-SDR (dB)", "magnitude": "Compressed-magnitude MSE",
                "combined": "-SI-SDR (dB) + 100 x compr.-magnitude MSE"}


def plot_spectrograms(signals: dict[str, np.ndarray], sr: int, *, title: str = "", ncols: int | None = None):
    """Linear-frequency spectrograms side by side on one dB scale (0 dB = loudest bin of the first signal).

    So that what a method removes is visible. Long panel titles are wrapped; the time axis is labelled
    only under the last panel of each column, the frequency axis only in the first column.

    Parameters
    ----------
    signals : dict of str to np.ndarray
        Panel title -> mono audio.
    sr : int
        Their sample rate.
    title : str
        Figure title.
    ncols : int, optional
        Panels per row (default: all in one row).

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Notebook: 05_speech_enhancement § Noise that matters
    """
    names = list(signals)
    ncols = ncols or len(names)
    nrows = int(np.ceil(len(names) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.8 * nrows), sharex=True, sharey=True,
                             squeeze=False, layout="constrained")
    n_fft, hop = stft_params(sr)
    ref = float(np.max(np.abs(stft(signals[names[0]], sr))))
    img = None
    for i, (ax, name) in enumerate(zip(axes.ravel(), names)):
        S = librosa.amplitude_to_db(np.abs(stft(signals[name], sr)), ref=ref, top_db=None)
        img = librosa.display.specshow(np.maximum(S, -80), sr=sr, hop_length=hop, x_axis="time", y_axis="hz",
                                       ax=ax, vmin=-80, vmax=0)
        ax.xaxis.set_major_locator(MaxNLocator(4))  # a few time ticks: a narrow panel fits them
        bottom = i + ncols >= len(names)  # no panel below: label the time axis here
        ax.xaxis.set_tick_params(labelbottom=bottom)
        ax.set(xlabel="Time (s)" if bottom else "", ylabel="Frequency (Hz)" if i % ncols == 0 else "")
        ax.set_title(textwrap.fill(name, 26), fontsize=9)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.colorbar(img, ax=axes, format="%+.0f dB", label="Level (dB re first panel's peak)")
    if title:
        fig.suptitle(title)
    return fig


def plot_results(scores: pd.DataFrame, metric: str = "si_sdr", *, improvement: bool = False):
    """One panel per noise type: ``metric`` of each method against the input SNR (mean over utterances).

    One legend for all panels, right of the last one (outside the data).

    Parameters
    ----------
    scores : pd.DataFrame
        From :func:`~course_utils.enhancement.evaluate_methods`.
    metric : str
        ``"si_sdr"``, ``"stoi"`` or ``"pesq"``.
    improvement : bool
        Subtract the noisy input's score.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Notebook: 05_speech_enhancement § Every method, every noise, every SNR
    """
    kinds = list(dict.fromkeys(scores["noise"]))
    methods = list(dict.fromkeys(scores["method"]))
    mean = scores.groupby(["noise", "method", "snr"])[metric].mean()
    fig, axes = plt.subplots(1, len(kinds), figsize=(3.6 * len(kinds), 3.6), sharey=True, squeeze=False,
                             layout="constrained")
    labels = {"si_sdr": "SI-SDR (dB)", "stoi": "STOI", "pesq": "PESQ-WB (MOS-LQO)"}
    for ax, kind in zip(axes[0], kinds):
        base = mean.loc[(kind, "noisy")] if improvement else 0.0
        for i, name in enumerate(methods):
            if improvement and name == "noisy":
                continue
            y = mean.loc[(kind, name)] - base
            style = "--" if name.startswith("oracle") else ("-" if name != "noisy" else ":")
            ax.plot(y.index, y.values, style, marker="o", label=name, color=f"C{i}")
        ax.set(title=f"{kind} noise", xlabel="Input SNR (dB)")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(("Improvement in " if improvement else "") + labels.get(metric, metric))
    # one legend for all panels, outside the data (right of the last panel)
    fig.legend(*axes[0][0].get_legend_handles_labels(), loc="outside right upper", fontsize=8)
    fig.suptitle(f"{labels.get(metric, metric)}{' improvement' if improvement else ''} by method, test speakers")
    return fig


def plot_loss_curves(histories: dict[str, list[float]], loss: str = "si_sdr", *, window: int = 20):
    """Training-loss curves side by side (moving average of ``window`` steps), one panel per run.

    Parameters
    ----------
    histories : dict of str to list of float
        Panel title -> loss per step.
    loss : str
        The loss the runs minimised (``"si_sdr"``, ``"magnitude"`` or ``"combined"``), for the axis label.
    window : int
        Steps of the moving average.

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """
    fig, axes = plt.subplots(1, len(histories), figsize=(5 * len(histories), 3), sharey=True, squeeze=False,
                             layout="constrained")
    for ax, (title, h) in zip(axes[0], histories.items()):
        pd.Series(h).rolling(window, min_periods=1).mean().plot(ax=ax)
        ax.set(title=f"MaskNet loss, {title}", xlabel="Step",
               ylabel=f"{_LOSS_LABELS.get(loss, loss)}, moving avg of {window}")
    return fig
