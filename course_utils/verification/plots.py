"""Plots of verification results: DET curves, ROC curves, and target/non-target score histograms.

Notebook: 03_speaker_verification § EER, minDCF, DET and ROC for every system
"""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from ..metrics.verification import det_curve, eer

__all__ = ["plot_det", "plot_roc", "plot_score_distributions"]

_DET_TICKS = np.array([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8])


def plot_det(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], *, ax=None, title: str = "DET curve",
             mark_eer: bool = True, limits: tuple[float, float] = (0.001, 0.8)):
    """DET curves on normal-deviate axes (``scipy.stats.norm.ppf``), one per system.

    On these axes the two score distributions, if Gaussian, give a straight line; better
    systems lie closer to the origin (lower-left).

    Parameters
    ----------
    curves : mapping
        ``{label: (positive_scores, negative_scores)}``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new figure when not given).
    title : str
        The plot's title.
    mark_eer : bool
        Put a dot at each system's EER point (where the curve meets the diagonal).
    limits : tuple of float
        Smallest and largest error rate shown on both axes.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Notebook: 03_speaker_verification § EER, minDCF, DET and ROC for every system
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.5), layout="constrained")
    lo, hi = limits
    for label, (pos, neg) in curves.items():
        far, frr, _ = det_curve(pos, neg)
        e, _ = eer(pos, neg)
        x = norm.ppf(np.clip(far, lo / 2, 1 - 1e-9))
        yv = norm.ppf(np.clip(frr, lo / 2, 1 - 1e-9))
        line, = ax.plot(x, yv, label=f"{label} (EER {100 * e:.1f}%)")
        if mark_eer:
            p = norm.ppf(np.clip(e, lo / 2, 1 - 1e-9))
            ax.plot([p], [p], "o", color=line.get_color())
    ticks = _DET_TICKS[(_DET_TICKS >= lo) & (_DET_TICKS <= hi)]
    labels = [f"{100 * t:g}" for t in ticks]
    ax.set_xticks(norm.ppf(ticks), labels)
    ax.set_yticks(norm.ppf(ticks), labels)
    ax.plot(norm.ppf([lo, hi]), norm.ppf([lo, hi]), ":", color="gray", linewidth=0.8)
    ax.set(xlim=norm.ppf([lo, hi]), ylim=norm.ppf([lo, hi]), title=title,
           xlabel="False acceptance rate (%)", ylabel="False rejection rate (%)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    return ax


def plot_roc(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], *, ax=None, title: str = "ROC curve"):
    """ROC curves (true acceptance rate against false acceptance rate) with the AUC in the legend.

    Parameters
    ----------
    curves : mapping
        ``{label: (positive_scores, negative_scores)}``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new figure when not given).
    title : str
        The plot's title.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Notebook: 03_speaker_verification § EER, minDCF, DET and ROC for every system
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.5), layout="constrained")
    for label, (pos, neg) in curves.items():
        far, frr, _ = det_curve(pos, neg)
        yt = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
        auc = roc_auc_score(yt, np.r_[pos, neg])
        ax.plot(far, 1 - frr, label=f"{label} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], ":", color="gray", linewidth=0.8)
    ax.set(xlim=(0, 1), ylim=(0, 1.01), title=title, xlabel="False acceptance rate",
           ylabel="True acceptance rate (1 - FRR)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_score_distributions(positive_scores, negative_scores, *, threshold: float | None = None, ax=None,
                             title: str = "Score distributions", bins: int = 40):
    """Histograms of target and non-target scores, with the decision threshold as a line.

    Parameters
    ----------
    positive_scores, negative_scores : array-like
        Target and non-target trial scores.
    threshold : float, optional
        Drawn as a dashed vertical line.
    ax : matplotlib.axes.Axes, optional
        Where to draw (a new figure when not given).
    title : str
        The plot's title.
    bins : int
        Number of histogram bins shared by both distributions.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Notebook: 03_speaker_verification § Enrollment and cosine scoring
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3), layout="constrained")
    pos, neg = np.asarray(positive_scores), np.asarray(negative_scores)
    edges = np.histogram_bin_edges(np.r_[pos, neg], bins=bins)
    ax.hist(neg, bins=edges, density=True, alpha=0.6, label=f"non-target ({neg.size})")
    ax.hist(pos, bins=edges, density=True, alpha=0.6, label=f"target ({pos.size})")
    if threshold is not None:
        ax.axvline(threshold, color="k", linestyle="--", label=f"threshold {threshold:.3g}")
    ax.set(xlabel="Score", ylabel="Density", title=title)
    ax.legend(fontsize=8)
    return ax
