"""The classic baselines: clip statistics (:func:`~course_utils.sound_events.data.mel_statistics`) with a
random forest (the ESC paper's baseline) and an RBF SVM, cross-validated over the official folds.

Notebook: 09_sound_classification § Baselines: clip statistics with a random forest and an SVM
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from .data import check_fold_split, fold_splits

__all__ = ["BASELINES", "make_baseline", "cross_validate"]

#: The two baselines, fixed settings (none chosen on a test fold).
BASELINES = ("random forest", "SVM")


def make_baseline(name: str, seed: int = 0):
    """A fresh, unfitted baseline classifier.

    Parameters
    ----------
    name : {"random forest", "SVM"}
        Random forest of 500 trees, or standardisation + RBF SVM (C = 10).
    seed : int
        Random state of the forest.

    Returns
    -------
    sklearn estimator
        With ``fit`` and ``predict``.

    Notebook: 09_sound_classification § Baselines: clip statistics with a random forest and an SVM
    """
    if name == "random forest":
        return RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=1)
    if name == "SVM":
        return make_pipeline(StandardScaler(), SVC(C=10.0, gamma="scale"))
    raise ValueError(f"make_baseline: name must be one of {BASELINES}, got {name!r}")


def cross_validate(df: pd.DataFrame, X: np.ndarray, predict_fold, *, splits=None) -> pd.DataFrame:
    """Run ``predict_fold(train_index, test_index)`` on each split and score it.

    Every split is checked with :func:`~course_utils.sound_events.data.check_fold_split` unless custom
    ``splits`` are given (the random split of the chapter breaks the protocol on purpose).

    Parameters
    ----------
    df : pd.DataFrame
        The clip table (``class_id``, ``fold``, ``source_id``).
    X : np.ndarray
        One row per clip (only its length is checked here).
    predict_fold : callable
        ``predict_fold(train_index, test_index)`` returns the predicted class of each test clip.
    splits : iterable of (name, train_index, test_index), optional
        Default: the official folds (:func:`~course_utils.sound_events.data.fold_splits`).

    Returns
    -------
    pd.DataFrame
        One row per split: ``split``, ``accuracy``, and ``index`` / ``predicted`` arrays.

    Notebook: 09_sound_classification § Baselines: clip statistics with a random forest and an SVM
    """
    if len(X) != len(df):
        raise ValueError(f"cross_validate: {len(X)} rows of X for {len(df)} clips")
    y = df["class_id"].to_numpy()
    official = splits is None
    rows = []
    for name, tr, te in (fold_splits(df) if official else splits):
        if official:
            check_fold_split(df, tr, te)
        pred = np.asarray(predict_fold(tr, te))
        rows.append(dict(split=name, accuracy=float(np.mean(pred == y[te])), index=te, predicted=pred))
    return pd.DataFrame(rows)
