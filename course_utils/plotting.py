"""Labelled plots the chapters share: waveform, spectrogram, confusion matrix, embeddings, curves.

First used in ``notebooks/01_speaker_recognition.ipynb``. Every function draws on ``ax`` (a new
figure when ``None``), labels its axes and title, and returns the axes.
"""
from __future__ import annotations

from collections.abc import Sequence

import librosa
import librosa.display
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.metrics import confusion_matrix

from .features import frame_params, log_mel

__all__ = [
    "plot_waveform",
    "plot_spectrogram",
    "plot_confusion",
    "plot_embeddings",
    "plot_curves",
]


def _axes(ax: plt.Axes | None, figsize: tuple[float, float] = (8, 3)) -> plt.Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_waveform(y: np.ndarray, sr: int, *, ax: plt.Axes | None = None, title: str = "Waveform") -> plt.Axes:
    """Amplitude against time in seconds.

    Parameters
    ----------
    y : np.ndarray
        Mono signal.
    sr : int
        Its sample rate.
    ax : matplotlib.axes.Axes, optional
        Where to draw; ``None`` makes a new figure.
    title : str
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
    """
    ax = _axes(ax)
    t = np.arange(len(y)) / sr
    ax.plot(t, y, linewidth=0.6)
    ax.set(xlabel="Time (s)", ylabel="Amplitude", title=title, xlim=(0, t[-1] if len(t) else 1))
    return ax


def plot_spectrogram(
    y: np.ndarray,
    sr: int,
    *,
    ax: plt.Axes | None = None,
    kind: str = "mel",
    title: str | None = None,
    hop_ms: float = 10.0,
) -> plt.Axes:
    """Log-power spectrogram in dB with a colour bar; ``kind`` is ``"mel"`` or ``"linear"``.

    Parameters
    ----------
    y : np.ndarray
        Mono signal.
    sr : int
        Its sample rate.
    ax : matplotlib.axes.Axes, optional
        Where to draw; ``None`` makes a new figure.
    kind : {"mel", "linear"}
        Log-mel (:func:`course_utils.features.log_mel`) or linear-frequency STFT magnitude in dB.
    title : str, optional
        Axes title (default: ``"Mel spectrogram"`` or ``"Linear spectrogram"``).
    hop_ms : float
        Frame hop in milliseconds.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
    """
    ax = _axes(ax)
    n_fft, hop = frame_params(sr, hop_ms=hop_ms)
    if kind == "mel":
        S = log_mel(y, sr, hop_ms=hop_ms)
        img = librosa.display.specshow(S, sr=sr, hop_length=hop, x_axis="time", y_axis="mel", ax=ax)
    elif kind == "linear":
        S = librosa.amplitude_to_db(np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)), ref=np.max)
        img = librosa.display.specshow(S, sr=sr, hop_length=hop, x_axis="time", y_axis="hz", ax=ax)
    else:
        raise ValueError(f"kind must be 'mel' or 'linear', got {kind!r}")
    ax.figure.colorbar(img, ax=ax, format="%+.0f dB", label="Level (dB)")
    ax.set(title=title or f"{kind.capitalize()} spectrogram", xlabel="Time (s)", ylabel="Frequency (Hz)")
    return ax


def plot_confusion(
    y_true: Sequence,
    y_pred: Sequence,
    *,
    labels: Sequence | None = None,
    ax: plt.Axes | None = None,
    normalize: bool = True,
    title: str = "Confusion matrix",
) -> plt.Axes:
    """Confusion matrix with class names on both axes (rows: true, columns: predicted).

    Parameters
    ----------
    y_true, y_pred : Sequence
        True and predicted class labels, one per example.
    labels : Sequence, optional
        Class order on the axes (default: the sorted union of both).
    ax : matplotlib.axes.Axes, optional
        Where to draw; ``None`` makes a new figure.
    normalize : bool
        Show each row as fractions of the true class instead of counts.
    title : str
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Notebook: 01_speaker_recognition § 4. Closed-set identification with an SVM
    """
    labels = list(labels) if labels is not None else sorted(set(y_true) | set(y_pred))
    cm = confusion_matrix(y_true, y_pred, labels=labels, normalize="true" if normalize else None)
    size = max(4.0, 0.45 * len(labels) + 2)
    ax = _axes(ax, (size + 1, size))
    sns.heatmap(cm, annot=len(labels) <= 12, fmt=".2f" if normalize else "d", cmap="Blues",
                xticklabels=labels, yticklabels=labels, ax=ax, vmin=0,
                cbar_kws={"label": "fraction of true class" if normalize else "count"})
    ax.set(xlabel="Predicted", ylabel="True", title=title)
    return ax


def plot_embeddings(
    X: np.ndarray,
    labels: Sequence,
    *,
    method: str = "pca",
    ax: plt.Axes | None = None,
    title: str | None = None,
    seed: int = 0,
) -> plt.Axes:
    """2-D scatter of embeddings coloured by ``labels``; ``method`` is ``"pca"`` or ``"tsne"``.

    Parameters
    ----------
    X : np.ndarray
        Embeddings, shape ``(n, dim)``.
    labels : Sequence
        One label per row of ``X`` (colours, and the legend when there are at most 24).
    method : {"pca", "tsne"}
        The projection to two dimensions.
    ax : matplotlib.axes.Axes, optional
        Where to draw; ``None`` makes a new figure.
    title : str, optional
        Axes title (default: ``"Embeddings (PCA)"`` or ``"Embeddings (TSNE)"``).
    seed : int
        ``random_state`` of the projection.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Notebook: 02_speaker_embeddings § 6. What the embedding keeps and what it loses
    """
    X = np.asarray(X, dtype=float)
    if method == "pca":
        Z = PCA(n_components=2, random_state=seed).fit_transform(X)
    elif method == "tsne":
        Z = TSNE(n_components=2, random_state=seed, init="pca",
                 perplexity=min(30.0, max(2.0, (len(X) - 1) / 3))).fit_transform(X)
    else:
        raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}")
    ax = _axes(ax, (6, 5))
    labels = np.asarray(labels)
    classes = list(dict.fromkeys(labels.tolist()))
    cmap = plt.get_cmap("tab20" if len(classes) > 10 else "tab10")
    for i, c in enumerate(classes):
        sel = labels == c
        ax.scatter(Z[sel, 0], Z[sel, 1], s=12, color=cmap(i % cmap.N), label=str(c), alpha=0.8)
    ax.set(xlabel=f"{method.upper()} 1", ylabel=f"{method.upper()} 2", title=title or f"Embeddings ({method.upper()})")
    if len(classes) <= 24:
        ax.legend(fontsize=7, ncol=2 if len(classes) > 8 else 1, loc="best", markerscale=1.5)
    return ax


def plot_curves(
    history: dict[str, Sequence[float]],
    *,
    ax: plt.Axes | None = None,
    xlabel: str = "Epoch",
    ylabel: str = "Value",
    title: str = "Training curve",
) -> plt.Axes:
    """One line per key of ``history`` (e.g. ``{"train loss": [...], "val accuracy": [...]}``).

    Parameters
    ----------
    history : dict of str to Sequence of float
        One curve per key, one value per epoch (x axis from 1).
    ax : matplotlib.axes.Axes, optional
        Where to draw; ``None`` makes a new figure.
    xlabel, ylabel : str
        Axis labels.
    title : str
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Notebook: 01_speaker_recognition § 6. What was said vs who said it
    """
    ax = _axes(ax, (6, 3))
    for name, values in history.items():
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=name)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax
