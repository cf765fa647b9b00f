"""Honest evaluation of emotion recognition: per-speaker normalisation, UAR, actor-grouped folds.

Taught in ``notebooks/04_emotion_recognition.ipynb`` (sections 4 and 5): :func:`grouped_cv`
(actor-grouped folds, the headline figure) against :func:`random_cv` (the inflated,
speaker-dependent split many papers report).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold
from threadpoolctl import threadpool_limits

__all__ = ["speaker_normalize", "unweighted_average_recall", "actor_folds", "grouped_cv", "random_cv"]


def speaker_normalize(X: np.ndarray, speakers: Sequence, *, eps: float = 1e-6) -> np.ndarray:
    """Z-score every speaker's features with that speaker's own mean and std.

    Uses only the features of each speaker's utterances, never their labels, so it is legal for
    test speakers too: a deployed system would collect a few utterances of the new speaker
    first. It removes what makes a voice a voice (a female speaker's F0 is high in every
    emotion) and keeps how each utterance departs from that speaker's habit.

    Parameters
    ----------
    X : np.ndarray
        Features, one row per utterance.
    speakers : sequence
        The speaker of each row.
    eps : float
        Standard deviations at or below this are replaced by 1 (constant features stay finite).

    Returns
    -------
    np.ndarray
        float64 array of the shape of ``X``.

    Raises
    ------
    ValueError
        ``X`` is not 2-D or ``speakers`` does not have one entry per row.

    Notebook: 04_emotion_recognition § 5. Better features, and per-speaker normalisation
    """
    X = np.asarray(X, dtype=np.float64)
    speakers = np.asarray(speakers)
    if X.ndim != 2 or len(speakers) != len(X):
        raise ValueError(f"speaker_normalize: X must be 2-D with one speaker per row, got X{X.shape}, "
                         f"{len(speakers)} speakers")
    out = np.empty_like(X)
    for s in np.unique(speakers):
        sel = speakers == s
        mu, sd = X[sel].mean(axis=0), X[sel].std(axis=0)
        out[sel] = (X[sel] - mu) / np.where(sd > eps, sd, 1.0)
    return out


def unweighted_average_recall(y_true: Sequence, y_pred: Sequence) -> float:
    """Mean of the per-class recalls (UAR, = balanced accuracy).

    Every emotion counts equally, however many examples it has (RAVDESS has half as many
    neutral files).

    Parameters
    ----------
    y_true, y_pred : sequence
        True and predicted labels.

    Returns
    -------
    float
        The UAR, between 0 and 1.

    Notebook: 04_emotion_recognition § 6. What the errors look like
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"unweighted_average_recall: need two non-empty label lists of one length, "
                         f"got {y_true.shape} and {y_pred.shape}")
    # the mean over the classes that occur in y_true (sklearn's balanced accuracy, without its warning when a
    # fold's predictions include a class that fold does not contain)
    return float(np.mean([np.mean(y_pred[y_true == c] == c) for c in np.unique(y_true)]))


def actor_folds(actors: Sequence[int], n_folds: int = 6) -> np.ndarray:
    """Fold id of each row for leave-actors-out cross-validation.

    Actors 1, 2 -> fold 0, 3, 4 -> fold 1, ... cycling, so each of the 6 folds holds 4 actors,
    2 male (odd) and 2 female (even).

    Parameters
    ----------
    actors : sequence of int
        RAVDESS actor number (1-24) of each row.
    n_folds : int
        Number of folds.

    Returns
    -------
    np.ndarray
        Integer fold id of each row.

    Notebook: 04_emotion_recognition § 4. Evaluation done right: speakers never cross the split
    """
    actors = np.asarray(actors, dtype=int)
    return ((actors - 1) // 2) % n_folds


def _cv(estimator, X: np.ndarray, y: Sequence, splits, fit_params: dict | None = None) -> dict:
    """Fit a clone of ``estimator`` per split (one BLAS thread: small problems only spin with more)."""
    y = np.asarray(y)
    y_pred = np.empty(len(y), dtype=y.dtype)
    accs, uars, models = [], [], []
    with threadpool_limits(1):
        for train, test in splits:
            model = clone(estimator).fit(X[train], y[train], **(fit_params or {}))
            y_pred[test] = model.predict(X[test])
            accs.append(accuracy_score(y[test], y_pred[test]))
            uars.append(unweighted_average_recall(y[test], y_pred[test]))
            models.append(model)
    accs, uars = np.array(accs), np.array(uars)
    return dict(fold_accuracy=accs, fold_uar=uars, accuracy=float(accs.mean()), accuracy_std=float(accs.std()),
                uar=float(uars.mean()), uar_std=float(uars.std()), y_pred=y_pred, models=models)


def grouped_cv(estimator, X: np.ndarray, y: Sequence, groups: Sequence, *, folds: Sequence | None = None) -> dict:
    """Speaker-independent cross-validation: no speaker is ever in both train and test.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Cloned and fitted once per fold.
    X : np.ndarray
        Features, one row per utterance.
    y : sequence
        Labels.
    groups : sequence
        Speaker of each row (e.g. RAVDESS actor).
    folds : sequence, optional
        Fold id of each row (default :func:`actor_folds` of ``groups``, 6 folds of 4 actors);
        ``LeaveOneGroupOut`` over these ids.

    Returns
    -------
    dict
        ``fold_accuracy``, ``fold_uar`` (arrays, one value per fold), their means ``accuracy``,
        ``uar`` and standard deviations ``accuracy_std``, ``uar_std``, the out-of-fold
        predictions ``y_pred`` and the fitted ``models``.

    Notebook: 04_emotion_recognition § 4. Evaluation done right: speakers never cross the split
    """
    X = np.asarray(X)
    folds = actor_folds(groups) if folds is None else np.asarray(folds)
    return _cv(estimator, X, y, LeaveOneGroupOut().split(X, y, folds))


def random_cv(estimator, X: np.ndarray, y: Sequence, *, n_splits: int = 6, seed: int = 0) -> dict:
    """Stratified random K-fold (same speakers in train and test).

    The inflated, speaker-dependent figure many SER papers report.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Cloned and fitted once per fold.
    X : np.ndarray
        Features, one row per utterance.
    y : sequence
        Labels.
    n_splits : int
        Number of folds.
    seed : int
        Seed of the shuffle.

    Returns
    -------
    dict
        Same keys as :func:`grouped_cv`.

    Notebook: 04_emotion_recognition § 4. Evaluation done right: speakers never cross the split
    """
    X = np.asarray(X)
    return _cv(estimator, X, y, StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(X, y))
