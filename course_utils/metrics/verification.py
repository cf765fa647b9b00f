"""Speaker-verification metrics: EER, minDCF and the DET curve, from target/non-target scores.

Taught in ``notebooks/03_speaker_verification.ipynb`` (and used again in chapter 7).

Conventions follow SpeechBrain's ``EER(positive_scores, negative_scores) -> (eer, threshold)``:

* a trial is **accepted** when ``score > threshold`` and rejected when ``score <= threshold``;
* the false-rejection rate (FRR, miss rate) is the fraction of target ("positive") scores that
  are rejected, the false-acceptance rate (FAR, false-alarm rate) the fraction of non-target
  ("negative") scores that are accepted;
* candidate thresholds are every distinct score and the midpoints between neighbours.

The rates are counted with sorted arrays and :func:`numpy.searchsorted`, so a list of a million
trials costs a sort, not a (thresholds x trials) matrix. ``tests/test_metrics_verification.py``
checks them against :func:`sklearn.metrics.roc_curve` and a case worked out by hand.
"""
from __future__ import annotations

import numpy as np

__all__ = ["rates_at", "candidate_thresholds", "det_curve", "eer", "min_dcf"]


def _scores(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64).ravel()
    if a.size == 0:
        raise ValueError(f"{name}: no scores given (need at least one trial)")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: {int((~np.isfinite(a)).sum())} scores are NaN or infinite")
    return a


def rates_at(positive_scores, negative_scores, thresholds) -> tuple[np.ndarray, np.ndarray]:
    """False-acceptance and false-rejection rates at given thresholds.

    Parameters
    ----------
    positive_scores, negative_scores : array-like
        Scores of target trials (same speaker) and non-target trials (different speakers).
    thresholds : array-like
        Decision thresholds; a trial is accepted when ``score > threshold``.

    Returns
    -------
    far, frr : np.ndarray
        ``far[i]`` = fraction of negatives ``> thresholds[i]``;
        ``frr[i]`` = fraction of positives ``<= thresholds[i]``.

    Notebook: 03_speaker_verification § 4. Choosing a threshold: FAR against FRR
    """
    below_pos, below_neg, n_pos, n_neg = _counts_below(positive_scores, negative_scores, thresholds)
    frr = below_pos / n_pos
    far = 1.0 - below_neg / n_neg
    return far, frr


def _counts_below(positive_scores, negative_scores, thresholds) -> tuple[np.ndarray, np.ndarray, int, int]:
    """How many target and non-target scores are ``<= threshold`` (rejected), and the two totals."""
    pos = np.sort(_scores(positive_scores, "positive_scores"))
    neg = np.sort(_scores(negative_scores, "negative_scores"))
    thr = np.asarray(thresholds, dtype=np.float64)
    return np.searchsorted(pos, thr, side="right"), np.searchsorted(neg, thr, side="right"), pos.size, neg.size


def candidate_thresholds(positive_scores, negative_scores) -> np.ndarray:
    """Every distinct score plus the midpoints between neighbours, ascending (SpeechBrain's set).

    Parameters
    ----------
    positive_scores, negative_scores : array-like
        Target and non-target trial scores.

    Returns
    -------
    np.ndarray
        The candidate thresholds, ascending.

    Notebook: 03_speaker_verification § 4. Choosing a threshold: FAR against FRR ; 03_speaker_verification_solutions § Task 1: the equal error rate
    """
    s = np.unique(np.concatenate([_scores(positive_scores, "positive_scores"),
                                  _scores(negative_scores, "negative_scores")]))
    return np.sort(np.concatenate([s, (s[:-1] + s[1:]) / 2.0]))


def det_curve(positive_scores, negative_scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The detection-error trade-off: FAR and FRR at every distinct score.

    Parameters
    ----------
    positive_scores, negative_scores : array-like
        Target and non-target trial scores.

    Returns
    -------
    far, frr, thresholds : np.ndarray
        One point per threshold, thresholds ascending, so FAR falls and FRR rises. The first
        threshold lies just below the lowest score (everything accepted: FAR 1, FRR 0).
        Plot ``norm.ppf(far)`` against ``norm.ppf(frr)`` for the DET plot
        (:func:`course_utils.verification.plot_det`).

    Notebook: 03_speaker_verification § 5. EER, minDCF, DET and ROC for every system ; 03_speaker_verification_solutions § Task 2: a DET curve
    """
    pos = _scores(positive_scores, "positive_scores")
    neg = _scores(negative_scores, "negative_scores")
    s = np.unique(np.concatenate([pos, neg]))
    thresholds = np.concatenate([[np.nextafter(s[0], -np.inf)], s])
    far, frr = rates_at(pos, neg, thresholds)
    return far, frr, thresholds


def eer(positive_scores, negative_scores) -> tuple[float, float]:
    """Equal error rate and its threshold (SpeechBrain's ``EER``).

    At each candidate threshold (:func:`candidate_thresholds`) FAR and FRR are counted; the
    threshold where ``|FAR - FRR|`` is smallest is chosen and the EER reported as
    ``(FAR + FRR) / 2`` there (with finitely many trials the two rates rarely meet exactly).

    Parameters
    ----------
    positive_scores, negative_scores : array-like
        Target and non-target trial scores (higher = more likely the same speaker).

    Returns
    -------
    eer : float
        Equal error rate as a fraction in [0, 1] (multiply by 100 for %).
    threshold : float
        Accept when ``score > threshold``.

    Notebook: 01_speaker_recognition § 7. A first verification demo ; 03_speaker_verification § 2. Enrollment and cosine scoring ; 03_speaker_verification_solutions § Task 1: the equal error rate
    """
    thr = candidate_thresholds(positive_scores, negative_scores)
    far, frr = rates_at(positive_scores, negative_scores, thr)
    # |FAR - FRR| compared exactly, in integers (n_pos * n_neg * |FAR - FRR|): equal gaps tie, and the
    # first (lowest) threshold wins as in SpeechBrain, whatever the rounding of the two fractions
    below_pos, below_neg, n_pos, n_neg = _counts_below(positive_scores, negative_scores, thr)
    gap = np.abs((n_neg - below_neg).astype(np.int64) * n_pos - below_pos.astype(np.int64) * n_neg)
    i = int(np.argmin(gap))
    return float((far[i] + frr[i]) / 2.0), float(thr[i])


def min_dcf(
    positive_scores,
    negative_scores,
    p_target: float = 0.01,
    c_miss: float = 1.0,
    c_fa: float = 1.0,
    *,
    normalize: bool = True,
) -> tuple[float, float]:
    """Minimum of the NIST detection cost function and its threshold.

    ``DCF(t) = c_miss * FRR(t) * p_target + c_fa * FAR(t) * (1 - p_target)``, minimised over the
    candidate thresholds: SpeechBrain's set (:func:`candidate_thresholds`) plus one just below the
    lowest score, where every trial is accepted. With ``normalize=True`` (the NIST SRE / VoxCeleb
    convention) it is divided by ``min(c_miss * p_target, c_fa * (1 - p_target))``, the cost of the
    better of "accept everything" and "reject everything"; both are candidates, so the normalised
    value lies in [0, 1] and 1.0 means the system is useless at this operating point.
    ``normalize=False`` gives SpeechBrain's ``minDCF`` value whenever its threshold set reaches the
    minimum, which it always does for ``p_target <= 0.5`` with equal costs (SpeechBrain omits the
    accept-everything threshold, so with a large ``p_target`` its value can exceed the trivial cost).

    Parameters
    ----------
    positive_scores, negative_scores : array-like
        Target and non-target trial scores.
    p_target : float
        Prior probability of a target trial, in (0, 1).
    c_miss, c_fa : float
        Costs of a false rejection and of a false acceptance (positive).
    normalize : bool
        Divide by the cost of the better trivial system (NIST convention).

    Returns
    -------
    min_dcf : float
        The minimum cost (normalised when ``normalize``).
    threshold : float
        Accept when ``score > threshold``.

    Notebook: 03_speaker_verification § 4. Choosing a threshold: FAR against FRR ; 03_speaker_verification § 5. EER, minDCF, DET and ROC for every system
    """
    if not 0.0 < p_target < 1.0:
        raise ValueError(f"min_dcf: p_target must be in (0, 1), got {p_target}")
    if c_miss <= 0 or c_fa <= 0:
        raise ValueError(f"min_dcf: costs must be positive, got c_miss={c_miss}, c_fa={c_fa}")
    thr = candidate_thresholds(positive_scores, negative_scores)
    thr = np.concatenate([thr, [np.nextafter(thr[0], -np.inf)]])  # last: accept everything (ties keep SpeechBrain's)
    far, frr = rates_at(positive_scores, negative_scores, thr)
    dcf = c_miss * frr * p_target + c_fa * far * (1.0 - p_target)
    i = int(np.argmin(dcf))
    value = float(dcf[i])
    if normalize:
        value /= min(c_miss * p_target, c_fa * (1.0 - p_target))
    return value, float(thr[i])
