"""Enrollment and scoring back-ends: cosine, LDA, two-covariance PLDA, and s-norm with a cohort.

A speaker's *voiceprint* is the average of L2-normalised embeddings of a few utterances
(:func:`enroll_models`); a back-end scores every voiceprint against every test embedding. The
one :func:`l2_normalize` of the course lives here.

Notebook: 03_speaker_verification § Back-ends: LDA, PLDA and s-norm
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.linalg import eigh

from .errors import EnrollmentError, VerificationError

__all__ = [
    "l2_normalize",
    "enroll_models",
    "cosine_scores",
    "CosineBackend",
    "LDABackend",
    "PLDABackend",
    "SNormBackend",
    "s_norm",
    "backend_from_dict",
]


def l2_normalize(X: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Rows of ``X`` scaled to unit Euclidean length (a 1-D vector is treated as one row).

    Parameters
    ----------
    X : np.ndarray
        ``(n, dim)`` embeddings, or one ``(dim,)`` embedding.
    eps : float
        Floor of the norm (an all-zero row stays zero instead of becoming NaN).

    Returns
    -------
    np.ndarray
        float64 array of ``X``'s shape.

    Notebook: 03_speaker_verification § Enrollment and cosine scoring
    """
    X = np.asarray(X, dtype=np.float64)
    return X / np.maximum(np.linalg.norm(X, axis=-1, keepdims=True), eps)


def enroll_models(embeddings: np.ndarray, speakers: Sequence) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Voiceprints: for each speaker the average of their L2-normalised embeddings.

    Parameters
    ----------
    embeddings : np.ndarray
        ``(n, dim)`` enrollment embeddings.
    speakers : sequence
        ``n`` speaker ids.

    Returns
    -------
    ids : list of str
        Speaker ids, sorted.
    models : np.ndarray
        ``(n_speakers, dim)`` voiceprints.
    counts : np.ndarray
        Number of utterances behind each voiceprint (the PLDA back-end uses it).

    Raises
    ------
    EnrollmentError
        No enrollment embeddings.

    Notebook: 03_speaker_verification § Enrollment and cosine scoring
    """
    E = np.asarray(embeddings, dtype=np.float64)
    spk = np.asarray([str(s) for s in speakers])
    if E.ndim != 2 or E.shape[0] != spk.size:
        raise ValueError(f"enroll_models: got {E.shape[0] if E.ndim else 0} embeddings for {spk.size} speaker labels")
    if spk.size == 0:
        raise EnrollmentError("enroll_models: no enrollment embeddings given")
    ids = sorted(set(spk))
    En = l2_normalize(E)
    models = np.stack([En[spk == s].mean(axis=0) for s in ids])
    counts = np.array([int((spk == s).sum()) for s in ids])
    return ids, models, counts


def cosine_scores(models: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Cosine similarity of every model (row) with every test embedding.

    Parameters
    ----------
    models : np.ndarray
        ``(n_models, dim)`` voiceprints (or one).
    X : np.ndarray
        ``(n_test, dim)`` test embeddings (or one).

    Returns
    -------
    np.ndarray
        ``(n_models, n_test)`` scores in [-1, 1].

    Notebook: 03_speaker_verification § Enrollment and cosine scoring
    """
    return l2_normalize(np.atleast_2d(models)) @ l2_normalize(np.atleast_2d(X)).T


class CosineBackend:
    """Cosine scoring of raw embeddings (no training): the baseline back-end.

    Notebook: 03_speaker_verification § Back-ends: LDA, PLDA and s-norm
    """

    kind = "cosine"

    def fit(self, X: np.ndarray | None = None, y: Sequence | None = None) -> "CosineBackend":
        """Nothing to learn; returns ``self`` so it can stand in for a trained back-end."""
        return self

    def score(self, models: np.ndarray, X: np.ndarray, n_enroll: np.ndarray | None = None) -> np.ndarray:
        """``(n_models, n_test)`` cosine scores."""
        return cosine_scores(models, X)

    def to_dict(self) -> dict:
        """JSON-able description (see :func:`backend_from_dict`)."""
        return {"kind": self.kind}


class _LinearBackend:
    """Shared part of LDA and PLDA: standardise, length-normalise, project on the directions that
    separate speakers (generalised eigenvectors of between- vs within-speaker scatter)."""

    kind = "linear"

    def __init__(self, n_components: int | None = None, *, reg: float = 1e-3):
        self.n_components = n_components
        self.reg = float(reg)
        self.fitted = False

    # unit length (so a voiceprint, an average of unit vectors, is on the same scale as one
    # utterance), standardise with the training set's statistics, unit length again
    # (Garcia-Romero's length normalisation)
    def _pre(self, X: np.ndarray) -> np.ndarray:
        Z = (l2_normalize(np.atleast_2d(np.asarray(X, dtype=np.float64))) - self.mean_) / self.scale_
        return l2_normalize(Z)

    def fit(self, X: np.ndarray, y: Sequence) -> "_LinearBackend":
        """Learn the projection from training-speaker embeddings ``X`` ``(n, dim)`` and labels ``y``.

        Raises
        ------
        ValueError
            Fewer than two speakers, or a label count that does not match ``X``.
        """
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray([str(v) for v in y])
        if X.ndim != 2 or X.shape[0] != y.size:
            raise ValueError(f"{type(self).__name__}.fit: X has {X.shape[0] if X.ndim else 0} rows, y has {y.size} labels")
        classes = sorted(set(y))
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__}.fit: needs at least two training speakers, got {len(classes)}")
        Xn = l2_normalize(X)
        self.mean_ = Xn.mean(axis=0)
        sd = Xn.std(axis=0)
        self.scale_ = sd + 0.05 * sd.mean() + 1e-12  # floor: dead (constant) dimensions must not explode
        Z = self._pre(X)
        mu = Z.mean(axis=0)
        d = Z.shape[1]
        Sw = np.zeros((d, d))
        Sb = np.zeros((d, d))
        for c in classes:
            Zc = Z[y == c]
            mc = Zc.mean(axis=0)
            Sw += (Zc - mc).T @ (Zc - mc)
            Sb += len(Zc) * np.outer(mc - mu, mc - mu)
        Sw /= len(Z)
        Sb /= len(Z)
        Sw += self.reg * np.trace(Sw) / d * np.eye(d)
        vals, vecs = eigh(Sb, Sw)  # vecs.T @ Sw @ vecs = I, vecs.T @ Sb @ vecs = diag(vals)
        order = np.argsort(vals)[::-1]
        k = min(self.n_components or len(classes) - 1, len(classes) - 1, d)
        self.center_ = mu
        self.V_ = vecs[:, order[:k]]
        self.psi_ = np.clip(vals[order[:k]], 0.0, None)
        self.fitted = True
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Project embeddings into the back-end's ``n_components``-dim speaker space."""
        if not self.fitted:
            raise VerificationError(f"{type(self).__name__}: call fit(X_train, speakers) before scoring")
        return (self._pre(X) - self.center_) @ self.V_

    def to_dict(self) -> dict:
        """JSON-able parameters (see :func:`backend_from_dict`)."""
        if not self.fitted:
            raise VerificationError(f"{type(self).__name__}: an unfitted back-end cannot be saved")
        return {"kind": self.kind, "n_components": self.n_components, "reg": self.reg,
                **{k: getattr(self, k).tolist() for k in ("mean_", "scale_", "center_", "V_", "psi_")}}

    @classmethod
    def _from_dict(cls, d: Mapping, dim: int | None = None) -> "_LinearBackend":
        obj = cls(d.get("n_components"), reg=float(d.get("reg", 1e-3)))
        for k in ("mean_", "scale_", "center_", "V_", "psi_"):
            a = np.asarray(d[k], dtype=np.float64)
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{cls.kind} back-end: {k} holds NaN or infinite values")
            setattr(obj, k, a)
        D = obj.mean_.shape[0] if obj.mean_.ndim == 1 else -1
        k = obj.psi_.shape[0] if obj.psi_.ndim == 1 else -1
        if (D < 1 or k < 1 or obj.scale_.shape != (D,) or obj.V_.shape != (D, k) or obj.center_.shape != (D,)
                or (dim is not None and D != dim)):
            raise ValueError(f"{cls.kind} back-end: inconsistent shapes mean_ {obj.mean_.shape}, scale_ "
                             f"{obj.scale_.shape}, V_ {obj.V_.shape}, center_ {obj.center_.shape}, psi_ "
                             f"{obj.psi_.shape} (embedding dimension {dim})")
        if not (np.all(obj.scale_ > 0) and np.all(obj.psi_ >= 0)):
            raise ValueError(f"{cls.kind} back-end: scale_ must be positive and psi_ non-negative")
        obj.fitted = True
        return obj


class LDABackend(_LinearBackend):
    """Cosine scoring after linear discriminant analysis trained on other speakers.

    ``fit`` finds the directions with the largest between-speaker / within-speaker variance
    ratio (at most ``n_speakers - 1`` of them); scores are cosines in that space, where channel
    and emotion directions that vary *within* a speaker have been projected away.

    Parameters
    ----------
    n_components : int, optional
        Directions kept (default and maximum: ``n_speakers - 1``).
    reg : float
        Ridge added to the within-speaker scatter, relative to its average variance.

    Notebook: 03_speaker_verification § Back-ends: LDA, PLDA and s-norm
    """

    kind = "lda"

    def score(self, models: np.ndarray, X: np.ndarray, n_enroll: np.ndarray | None = None) -> np.ndarray:
        """``(n_models, n_test)`` cosine scores in LDA space."""
        return cosine_scores(self.transform(models), self.transform(X))


class PLDABackend(_LinearBackend):
    """Two-covariance PLDA (Ioffe 2006) in the LDA space: scores are log-likelihood ratios.

    In the projected space the within-speaker covariance is the identity and the
    between-speaker covariance is ``diag(psi)``. For a voiceprint ``u_bar`` built from ``n``
    utterances and a test vector ``u``, per dimension,

    ``LLR = log N(u; n psi / (n psi + 1) u_bar, 1 + psi / (n psi + 1)) - log N(u; 0, 1 + psi)``,

    summed over dimensions: "same speaker" against "two different speakers".

    Parameters
    ----------
    n_components : int, optional
        Directions kept (default and maximum: ``n_speakers - 1``).
    reg : float
        Ridge added to the within-speaker scatter, relative to its average variance.

    Notebook: 03_speaker_verification § Back-ends: LDA, PLDA and s-norm
    """

    kind = "plda"

    def score(self, models: np.ndarray, X: np.ndarray, n_enroll: np.ndarray | None = None) -> np.ndarray:
        """``(n_models, n_test)`` PLDA log-likelihood ratios (``n_enroll`` defaults to 1 each)."""
        M = self.transform(models)
        U = self.transform(X)
        n = np.ones(len(M)) if n_enroll is None else np.asarray(n_enroll, dtype=np.float64).reshape(-1)
        if n.size != len(M):
            raise ValueError(f"PLDABackend.score: {len(M)} models but {n.size} enrollment counts")
        psi = self.psi_[None, :]
        gain = (n[:, None] * psi) / (n[:, None] * psi + 1.0)          # (m, k)
        var_same = 1.0 + psi / (n[:, None] * psi + 1.0)                 # (m, k)
        var_diff = 1.0 + psi                                            # (1, k)
        mean_same = gain * M                                            # (m, k)
        # sum_k [ -(u - mean_same)^2 / (2 var_same) - log(var_same)/2 + u^2 / (2 var_diff) + log(var_diff)/2 ]
        q_same = ((U[None, :, :] - mean_same[:, None, :]) ** 2 / var_same[:, None, :]).sum(-1)
        q_diff = (U**2 / var_diff).sum(-1)[None, :]
        logdet = 0.5 * (np.log(var_diff).sum() - np.log(var_same).sum(-1))[:, None]
        return -0.5 * q_same + 0.5 * q_diff + logdet


def s_norm(scores: np.ndarray, enroll_cohort: np.ndarray, test_cohort: np.ndarray,
           top_k: int | None = None) -> np.ndarray:
    """Symmetric score normalisation (s-norm), optionally adaptive (top-k cohort, "AS-norm").

    ``s' = ((s - mu_e) / sd_e + (s - mu_t) / sd_t) / 2`` where ``mu_e, sd_e`` are the mean and
    standard deviation of the enrollment model's scores against a cohort of impostor
    embeddings, and ``mu_t, sd_t`` the same for the test utterance.

    Parameters
    ----------
    scores : np.ndarray
        ``(n_models, n_test)`` raw scores.
    enroll_cohort : np.ndarray
        ``(n_models, n_cohort)`` scores of each model against the cohort.
    test_cohort : np.ndarray
        ``(n_test, n_cohort)`` scores of each test utterance against the cohort.
    top_k : int, optional
        Use only the ``top_k`` highest cohort scores of each side (the closest impostors).

    Returns
    -------
    np.ndarray
        ``(n_models, n_test)`` normalised scores.

    Notebook: 03_speaker_verification § Back-ends: LDA, PLDA and s-norm
    """
    S = np.asarray(scores, dtype=np.float64)
    E = np.asarray(enroll_cohort, dtype=np.float64)
    T = np.asarray(test_cohort, dtype=np.float64)
    if E.shape[0] != S.shape[0] or T.shape[0] != S.shape[1] or E.shape[1] != T.shape[1]:
        raise ValueError(f"s_norm: shapes do not fit: scores {S.shape}, enroll_cohort {E.shape}, test_cohort {T.shape}")
    if E.shape[1] < 2:
        raise ValueError("s_norm: the cohort needs at least two embeddings")
    if top_k is not None:
        k = int(min(max(top_k, 2), E.shape[1]))
        E = -np.sort(-E, axis=1)[:, :k]
        T = -np.sort(-T, axis=1)[:, :k]
    mu_e, sd_e = E.mean(1)[:, None], E.std(1)[:, None] + 1e-9
    mu_t, sd_t = T.mean(1)[None, :], T.std(1)[None, :] + 1e-9
    return 0.5 * ((S - mu_e) / sd_e + (S - mu_t) / sd_t)


class SNormBackend:
    """Any back-end followed by s-norm against a cohort of impostor embeddings.

    Parameters
    ----------
    base : object
        :class:`CosineBackend`, :class:`LDABackend` or :class:`PLDABackend` (fitted).
    cohort : np.ndarray
        ``(n_cohort, dim)`` embeddings of speakers who are neither enrolled nor tested
        (training speakers).
    top_k : int, optional
        Adaptive s-norm with the ``top_k`` closest cohort members.

    Notebook: 03_speaker_verification § Back-ends: LDA, PLDA and s-norm
    """

    kind = "snorm"

    def __init__(self, base: Any, cohort: np.ndarray, top_k: int | None = None):
        self.base = base
        self.cohort = np.asarray(cohort, dtype=np.float64)
        if self.cohort.ndim != 2 or len(self.cohort) < 2:
            raise ValueError(f"SNormBackend: cohort must be (n >= 2, dim) embeddings, got shape {self.cohort.shape}")
        self.top_k = top_k

    def fit(self, X: np.ndarray, y: Sequence) -> "SNormBackend":
        """Fit the base back-end (the cohort stays as given)."""
        self.base.fit(X, y)
        return self

    def score(self, models: np.ndarray, X: np.ndarray, n_enroll: np.ndarray | None = None) -> np.ndarray:
        """``(n_models, n_test)`` s-normalised scores."""
        S = self.base.score(models, X, n_enroll)
        E = self.base.score(models, self.cohort, n_enroll)            # (m, c)
        T = self.base.score(self.cohort, X, None).T                   # (t, c)
        return s_norm(S, E, T, self.top_k)

    def to_dict(self) -> dict:
        """JSON-able parameters, the base back-end's included."""
        return {"kind": self.kind, "base": self.base.to_dict(), "cohort": self.cohort.tolist(), "top_k": self.top_k}


def backend_from_dict(d: Mapping | None, *, dim: int | None = None) -> Any:
    """Rebuild a back-end from its ``to_dict()`` description, checking every parameter.

    Parameters
    ----------
    d : mapping or None
        What a back-end's ``to_dict`` returned; ``None`` gives a :class:`CosineBackend`.
    dim : int, optional
        The embedding dimension the back-end must accept.

    Returns
    -------
    object
        The back-end, fitted as it was saved.

    Raises
    ------
    ValueError
        An unknown ``kind``, NaN/infinite parameters, or shapes that do not fit together (or ``dim``).

    Notebook: 03_speaker_verification § Saving and loading a verifier
    """
    if d is None:
        return CosineBackend()
    if not isinstance(d, Mapping):
        raise ValueError(f"a back-end description must be a mapping, got {type(d).__name__}")
    kind = d.get("kind")
    if kind == "cosine":
        return CosineBackend()
    if kind == "lda":
        return LDABackend._from_dict(d, dim)
    if kind == "plda":
        return PLDABackend._from_dict(d, dim)
    if kind == "snorm":
        cohort = np.asarray(d["cohort"], dtype=np.float64)
        top_k = d.get("top_k")
        if not np.all(np.isfinite(cohort)) or (dim is not None and cohort.ndim == 2 and cohort.shape[1] != dim):
            raise ValueError(f"snorm back-end: the cohort (shape {cohort.shape}) must be finite {dim}-dim embeddings")
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
            raise ValueError(f"snorm back-end: top_k must be a positive integer or None, got {top_k!r}")
        return SNormBackend(backend_from_dict(d["base"], dim=dim), cohort, top_k)
    raise ValueError(f"unknown back-end kind {kind!r}")
