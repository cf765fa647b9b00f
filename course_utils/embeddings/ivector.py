"""i-vectors the classic way, at small scale: GMM-UBM, Baum-Welch statistics, total variability.

Taught in ``notebooks/02_speaker_embeddings.ipynb``.

1. **UBM**: a diagonal-covariance GMM with ``C`` components fitted on frames of many speakers.
2. **Baum-Welch statistics** of an utterance ``X = (x_1..x_T)``: zeroth order
   ``N_c = sum_t gamma_t(c)`` and centred first order ``F_c = sum_t gamma_t(c) (x_t - m_c)``,
   with ``gamma_t(c)`` the UBM's posterior of component ``c`` for frame ``t``.
3. **Total-variability model**: the utterance's GMM mean supervector is ``M = m + T w`` with
   ``w ~ N(0, I)`` of dimension ``R`` (a few dozen). ``T`` (``C D x R``) is learned by EM.
4. **i-vector**: the posterior mean of ``w``,
   ``w = L^{-1} sum_c T_c' S_c^{-1} F_c`` with precision ``L = I + sum_c N_c T_c' S_c^{-1} T_c``.

Everything is computed in the UBM-whitened space (``S_c^{-1/2}`` applied to ``F_c`` and ``T_c``).
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from ..features import frame_mfcc
from ..progress import progress_bar
from .base import SR, prepare_audio

__all__ = ["IVectorExtractor", "mfcc_frames", "mfcc_frames_prepared"]


def mfcc_frames(y: np.ndarray, sr: int, n_mfcc: int = 20) -> np.ndarray:
    """Frames for the UBM: ``(frames, 2 n_mfcc)`` MFCC + delta of the trimmed speech, mean-normalised.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    n_mfcc : int
        Cepstral coefficients per frame.

    Notebook: 02_speaker_embeddings § 3. i-vectors, the classic way
    """
    return mfcc_frames_prepared(prepare_audio(y, sr), n_mfcc=n_mfcc)


def mfcc_frames_prepared(y: np.ndarray, n_mfcc: int = 20) -> np.ndarray:
    """:func:`mfcc_frames` of audio already passed through ``prepare_audio`` (16 kHz).

    Parameters
    ----------
    y : np.ndarray
        Audio already passed through ``prepare_audio`` (16 kHz).
    n_mfcc : int
        Cepstral coefficients per frame.

    Notebook: 02_speaker_embeddings § 3. i-vectors, the classic way
    """
    return frame_mfcc(y, SR, n_mfcc, n_deltas=1, normalize="mean")


class IVectorExtractor:
    """GMM-UBM + total-variability matrix trained by EM; ``transform`` gives i-vectors.

    Parameters
    ----------
    n_components : int
        UBM components ``C``.
    tv_dim : int
        i-vector dimension ``R``.
    n_iter : int
        EM iterations for ``T``.
    ubm_frames : int
        Frames drawn at random from the training set to fit the UBM.
    seed : int
        Seeds the frame sample, the UBM initialisation and ``T``'s initialisation.

    Notebook: 02_speaker_embeddings § 3. i-vectors, the classic way
    """

    def __init__(self, n_components: int = 64, tv_dim: int = 64, n_iter: int = 6,
                 ubm_frames: int = 40000, seed: int = 0):
        self.n_components, self.tv_dim, self.n_iter = n_components, tv_dim, n_iter
        self.ubm_frames, self.seed = ubm_frames, seed
        self.history: dict[str, list[float]] = {}

    # ------------------------------------------------------------------ UBM
    def fit_ubm(self, frames: Sequence[np.ndarray]) -> "IVectorExtractor":
        """Fit the diagonal GMM-UBM on a random sample of the pooled frames."""
        X = np.concatenate(frames, axis=0)
        rng = np.random.default_rng(self.seed)
        if len(X) > self.ubm_frames:
            X = X[rng.choice(len(X), self.ubm_frames, replace=False)]
        gmm = GaussianMixture(self.n_components, covariance_type="diag", max_iter=40, tol=1e-3,
                              reg_covar=1e-3, random_state=self.seed, init_params="kmeans")
        with warnings.catch_warnings():
            # on a small or synthetic corpus EM may stop at max_iter before tol: harmless here (the UBM only
            # provides the alignment for T), and recorded in the history instead of printed at the student
            warnings.simplefilter("ignore", ConvergenceWarning)
            gmm.fit(X)
        self.converged_ = bool(gmm.converged_)
        self.weights_ = gmm.weights_.astype(np.float64)
        self.means_ = gmm.means_.astype(np.float64)
        self.vars_ = gmm.covariances_.astype(np.float64)
        self.history["UBM log-likelihood per frame"] = [float(gmm.score(X))]
        return self

    def posteriors(self, X: np.ndarray) -> np.ndarray:
        """UBM component posteriors ``gamma`` ``(frames, C)`` of frames ``X`` ``(frames, D)``."""
        X = np.asarray(X, dtype=np.float64)
        prec = 1.0 / self.vars_
        ll = (-0.5 * (X**2 @ prec.T - 2 * X @ (self.means_ * prec).T + np.sum(self.means_**2 * prec, 1))
              - 0.5 * np.sum(np.log(2 * np.pi * self.vars_), 1) + np.log(self.weights_))
        ll -= ll.max(axis=1, keepdims=True)
        g = np.exp(ll)
        return g / g.sum(axis=1, keepdims=True)

    def stats(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Baum-Welch statistics: ``N`` ``(C,)`` and whitened centred ``F`` ``(C, D)``."""
        X = np.asarray(X, dtype=np.float64)
        g = self.posteriors(X)
        N = g.sum(axis=0)
        Fc = g.T @ X - N[:, None] * self.means_
        return N, Fc / np.sqrt(self.vars_)

    # ------------------------------------------------------------------ total variability
    def _posterior(self, N: np.ndarray, Fw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """i-vector posterior means ``(U, R)`` and covariances ``(U, R, R)`` for stacked stats."""
        R = self.tv_dim
        TT = np.einsum("cdr,cds->crs", self.T_, self.T_)
        L = np.eye(R)[None] + np.einsum("uc,crs->urs", N, TT)
        b = np.einsum("cdr,ucd->ur", self.T_, Fw)
        Linv = np.linalg.inv(L)
        w = np.einsum("urs,us->ur", Linv, b)
        return w, Linv

    def fit(self, frames: Sequence[np.ndarray], progress: bool = True) -> "IVectorExtractor":
        """Fit the UBM, collect every utterance's statistics and learn ``T`` by EM."""
        if len(frames) < 2:
            raise ValueError("IVectorExtractor.fit: need at least two utterances")
        self.fit_ubm(frames)
        st = [self.stats(X) for X in progress_bar(frames, desc="Baum-Welch stats", progress=progress)]
        N = np.stack([s[0] for s in st]); Fw = np.stack([s[1] for s in st])
        C, D = self.means_.shape
        rng = np.random.default_rng(self.seed)
        self.T_ = rng.normal(scale=0.1, size=(C, D, self.tv_dim))
        self.history["relative change of T"] = []
        for _ in progress_bar(range(self.n_iter), desc="T-matrix EM", progress=progress):
            w, Linv = self._posterior(N, Fw)
            A = np.einsum("uc,urs->crs", N, Linv + np.einsum("ur,us->urs", w, w))
            Cacc = np.einsum("ucd,ur->cdr", Fw, w)
            T_new = np.stack([np.linalg.solve(A[c], Cacc[c].T).T for c in range(C)])
            self.history["relative change of T"].append(float(np.linalg.norm(T_new - self.T_) / np.linalg.norm(self.T_)))
            self.T_ = T_new
        return self

    def transform(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """i-vectors ``(n, tv_dim)`` of a list of frame matrices."""
        st = [self.stats(X) for X in frames]
        w, _ = self._posterior(np.stack([s[0] for s in st]), np.stack([s[1] for s in st]))
        return w.astype(np.float32)

    # ------------------------------------------------------------------ persistence (NPZ, no pickle)
    def state(self) -> dict[str, np.ndarray]:
        """Arrays that define the trained extractor (for ``np.savez``)."""
        return dict(weights=self.weights_, means=self.means_, vars=self.vars_, T=self.T_)

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray]) -> "IVectorExtractor":
        """Rebuild an extractor from :meth:`state`."""
        C, D, R = state["T"].shape
        obj = cls(n_components=C, tv_dim=R)
        obj.weights_, obj.means_, obj.vars_, obj.T_ = (np.asarray(state[k], dtype=np.float64)
                                                       for k in ("weights", "means", "vars", "T"))
        return obj
