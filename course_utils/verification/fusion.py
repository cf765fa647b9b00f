"""Score-level fusion of several verification systems by logistic regression.

Notebook: 03_speaker_verification § Choices made on a development set, and score fusion
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from .errors import VerificationError

__all__ = ["ScoreFusion"]


class ScoreFusion:
    """Score-level fusion by logistic regression (standard NIST SRE practice).

    Each system's trial scores are standardised (mean/std of the development scores), then a
    logistic regression learns one weight per system and a bias from development trials with
    known labels (``fit``). ``fuse`` returns the fused score, a calibrated log-odds. The weights
    must be learned on trials of speakers that are neither in the test set nor, ideally, in the
    embedders' training set.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength of the logistic regression.

    Notebook: 03_speaker_verification § Choices made on a development set, and score fusion
    """

    def __init__(self, C: float = 1.0):
        self.C = float(C)

    def fit(self, scores: np.ndarray, target: Sequence[bool]) -> "ScoreFusion":
        """``scores``: ``(n_trials, n_systems)``; ``target``: True for same-speaker trials."""
        S = np.asarray(scores, dtype=np.float64)
        t = np.asarray(target, dtype=bool)
        if S.ndim != 2 or S.shape[0] != t.size:
            raise ValueError(f"ScoreFusion.fit: scores must be (n_trials, n_systems) with one row per label; "
                             f"got shape {S.shape} and {t.size} labels")
        if not np.all(np.isfinite(S)):
            raise ValueError("ScoreFusion.fit: scores contain NaN or inf")
        if t.all() or not t.any():
            raise ValueError("ScoreFusion.fit: need both target and non-target trials")
        self.mean_, self.std_ = S.mean(0), S.std(0) + 1e-12
        lr = LogisticRegression(C=self.C, class_weight="balanced").fit((S - self.mean_) / self.std_, t)
        self.weights_, self.bias_ = lr.coef_[0].copy(), float(lr.intercept_[0])
        return self

    def fuse(self, scores: np.ndarray) -> np.ndarray:
        """Fused score of each trial (``(n_trials, n_systems)`` in, ``(n_trials,)`` out)."""
        if not hasattr(self, "weights_"):
            raise VerificationError("ScoreFusion.fuse: call fit() on development trials first")
        S = np.asarray(scores, dtype=np.float64)
        if S.ndim != 2 or S.shape[1] != self.weights_.size:
            raise ValueError(f"ScoreFusion.fuse: expected (n_trials, {self.weights_.size}) scores, got {S.shape}")
        return ((S - self.mean_) / self.std_) @ self.weights_ + self.bias_
