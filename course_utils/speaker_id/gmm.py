"""The classic baseline of chapter 1: frame MFCCs modelled by a GMM-UBM with MAP-adapted speaker means.

Notebook: 01_speaker_recognition § 5. The classic baseline: GMM-UBM
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import logsumexp
from sklearn.mixture import GaussianMixture

from ..features import frame_mfcc

__all__ = ["frame_features", "GMMUBMIdentifier"]


def frame_features(y: np.ndarray, sr: int, n_mfcc: int = 20) -> np.ndarray:
    """Frame-level MFCC + delta, the input of a GMM-UBM.

    :func:`course_utils.features.frame_mfcc` with one delta order, the quietest 30% of the frames
    dropped and per-utterance mean removal of the static coefficients (cepstral mean normalisation).

    Parameters
    ----------
    y : np.ndarray
        Mono speech.
    sr : int
        Its sample rate.
    n_mfcc : int
        Cepstral coefficients per frame.

    Returns
    -------
    np.ndarray
        ``(frames, 2 * n_mfcc)`` float32.

    Notebook: 01_speaker_recognition § 5. The classic baseline: GMM-UBM
    """
    return frame_mfcc(y, sr, n_mfcc, n_deltas=1, drop_quiet_percent=30.0, normalize="static_mean")


class GMMUBMIdentifier:
    """Closed-set speaker identification with a universal background model (Reynolds et al., 2000).

    A diagonal GMM (the UBM) is fitted to frames of all training speakers; each speaker's model is
    the UBM with means MAP-adapted to that speaker's frames (relevance factor ``relevance``). An
    utterance is scored by its average per-frame log-likelihood ratio against the UBM.

    Parameters
    ----------
    n_components : int
        Gaussians in the UBM.
    relevance : float
        MAP relevance factor: how many frames a component needs before its mean moves halfway.
    max_frames : int
        Frames sampled (with ``seed``) to fit the UBM.
    seed : int
        Random seed.

    Notebook: 01_speaker_recognition § GMM-UBM: modelling the frames
    """

    def __init__(self, n_components: int = 64, relevance: float = 16.0, max_frames: int = 20000, seed: int = 0):
        self.n_components = n_components
        self.relevance = relevance
        self.max_frames = max_frames
        self.seed = seed

    def fit(self, frames: Sequence[np.ndarray], labels: Sequence) -> GMMUBMIdentifier:
        """Fit the UBM on all ``frames`` (one array per utterance) and adapt one model per label."""
        if len(frames) != len(labels) or not len(frames):
            raise ValueError("fit: need as many frame arrays as labels, and at least one")
        rng = np.random.default_rng(self.seed)
        all_frames = np.concatenate(frames)
        sample = all_frames[rng.permutation(len(all_frames))[: self.max_frames]]
        self.ubm_ = GaussianMixture(self.n_components, covariance_type="diag", max_iter=100,
                                    random_state=self.seed, reg_covar=1e-3).fit(sample)
        labels = np.asarray(labels)
        self.classes_ = np.array(sorted(set(labels.tolist())))
        means = []
        for c in self.classes_:
            X = np.concatenate([f for f, lab in zip(frames, labels) if lab == c])
            post = self.ubm_.predict_proba(X)  # (frames, components)
            n_k = post.sum(axis=0)
            ex = post.T @ X / np.maximum(n_k[:, None], 1e-10)
            alpha = (n_k / (n_k + self.relevance))[:, None]
            means.append(alpha * ex + (1 - alpha) * self.ubm_.means_)
        self.speaker_means_ = np.stack(means)
        return self

    def _component_loglik(self, X: np.ndarray, means: np.ndarray) -> np.ndarray:
        """log w_k + log N(x | mu_k, var_k) for every frame and component of every model.

        ``means`` is ``(models, components, dims)``; the covariances are the UBM's (shared), so the
        quadratic form expands into matrix products instead of a (frames x components x dims) array.
        """
        prec = 1.0 / self.ubm_.covariances_  # (K, D)
        const = np.log(self.ubm_.weights_) - 0.5 * np.sum(np.log(2 * np.pi * self.ubm_.covariances_), axis=1)
        xx = (X**2) @ prec.T  # (T, K)
        M, K, D = means.shape
        xm = (X @ (means * prec[None]).reshape(M * K, D).T).reshape(len(X), M, K).transpose(1, 0, 2)  # (M, T, K)
        mm = np.sum(means**2 * prec[None], axis=2)  # (M, K)
        return const[None, None] - 0.5 * (xx[None] - 2 * xm + mm[:, None, :])

    def decision_function(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """Average log-likelihood ratio of each utterance against each speaker, ``(n, speakers)``."""
        models = np.concatenate([self.ubm_.means_[None], self.speaker_means_])
        out = np.empty((len(frames), len(self.classes_)))
        for i, X in enumerate(frames):
            ll = logsumexp(self._component_loglik(X.astype(np.float64), models), axis=2)  # (1 + S, T)
            out[i] = (ll[1:] - ll[0]).mean(axis=1)
        return out

    def predict(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """The best-scoring speaker of each utterance."""
        return self.classes_[np.argmax(self.decision_function(frames), axis=1)]
