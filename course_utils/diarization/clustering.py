"""Clustering window embeddings: cosine affinity, eigen-gap, spectral and agglomerative clustering.

Taught in ``notebooks/08_speaker_diarization.ipynb`` (section 5).
"""
from __future__ import annotations

import numpy as np
from sklearn.cluster import AgglomerativeClustering, KMeans

__all__ = ["cosine_affinity", "normalized_laplacian", "estimate_n_speakers", "spectral_cluster", "agglomerative_cluster"]


def cosine_affinity(X: np.ndarray) -> np.ndarray:
    """Cosine similarity matrix of the rows of ``X``.

    Parameters
    ----------
    X : np.ndarray
        ``(n, d)`` embeddings.

    Returns
    -------
    np.ndarray
        ``(n, n)`` similarities.

    Notebook: 08_speaker_diarization § Clustering the windows
    """
    X = np.asarray(X, float)
    Xn = X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)
    return Xn @ Xn.T


def _refined_affinity(X: np.ndarray, p: float) -> np.ndarray:
    A = cosine_affinity(X)
    A = np.maximum(A, 0.0)
    n = len(A)
    if 0 < p < 1 and n > 2:  # keep each row's top p fraction of neighbours, then symmetrise
        k = max(2, int(np.ceil(p * n)))
        thr = -np.sort(-A, axis=1)[:, k - 1:k]
        A = np.where(A >= thr, A, 0.0)
        A = 0.5 * (A + A.T)
    return A


def normalized_laplacian(affinity: np.ndarray) -> np.ndarray:
    """The normalised graph Laplacian ``L = I - D^{-1/2} A D^{-1/2}`` of an affinity matrix.

    Parameters
    ----------
    affinity : np.ndarray
        ``(n, n)`` symmetric non-negative affinity ``A``; ``D`` holds its row sums.

    Returns
    -------
    np.ndarray
        ``(n, n)`` Laplacian.

    Notebook: 08_speaker_diarization § Clustering the windows
    """
    A = np.asarray(affinity, float)
    d = A.sum(1)
    dinv = 1.0 / np.sqrt(np.maximum(d, 1e-12))
    return np.eye(len(A)) - dinv[:, None] * A * dinv[None, :]


def estimate_n_speakers(affinity: np.ndarray, max_speakers: int = 8, *, min_speakers: int = 1) -> tuple[int, np.ndarray]:
    """Number of speakers by the eigen-gap of the normalised graph Laplacian.

    With ``L = I - D^{-1/2} A D^{-1/2}`` and eigenvalues ``λ_1 <= λ_2 <= ...``, a graph with ``k``
    well-separated groups has ``k`` eigenvalues near 0 and then a jump: ``k = argmax_k
    (λ_{k+1} - λ_k)`` for ``min_speakers <= k <= max_speakers``.

    Parameters
    ----------
    affinity : np.ndarray
        ``(n, n)`` symmetric non-negative affinity.
    max_speakers, min_speakers : int
        Range of the estimate.

    Returns
    -------
    (k, eigenvalues)
        The estimate and all eigenvalues of ``L`` in ascending order.

    Notebook: 08_speaker_diarization § Clustering the windows
    """
    lam = np.linalg.eigvalsh(normalized_laplacian(affinity))
    m = min(max_speakers, len(lam) - 1)
    if m < 1:
        return 1, lam
    gaps = np.diff(lam[: m + 1])
    lo = max(1, min(min_speakers, m)) - 1
    return int(np.argmax(gaps[lo:])) + lo + 1, lam


def _check_embeddings(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, float)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be a non-empty (n_windows, dim) array, got shape {X.shape}")
    return X


def spectral_cluster(
    X: np.ndarray,
    n_speakers: int | None = None,
    *,
    max_speakers: int = 8,
    min_speakers: int = 1,
    p: float = 0.5,
    center: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, dict]:
    """Spectral clustering of embeddings on a pruned cosine affinity.

    With ``center`` the recording's mean embedding is subtracted first (what all windows share,
    e.g. channel and sentence, then no longer counts as similarity). Keeps each window's top ``p``
    fraction of neighbours (p-pruning), estimates the number of speakers by the eigen-gap when
    ``n_speakers`` is None, embeds the windows with the first ``k`` eigenvectors of the normalised
    Laplacian (rows normalised) and runs k-means.

    Parameters
    ----------
    X : np.ndarray
        ``(n_windows, dim)`` embeddings.
    n_speakers : int, optional
        Known number of speakers (default: the eigen-gap estimate).
    max_speakers, min_speakers : int
        Range of the eigen-gap estimate.
    p : float
        Fraction of neighbours each window keeps.
    center : bool
        Subtract the mean embedding first.
    seed : int
        Seed of k-means.

    Returns
    -------
    (labels, info)
        ``info`` holds ``n_speakers``, ``n_speakers_eigengap``, ``eigenvalues`` and ``affinity``.

    Notebook: 08_speaker_diarization § Clustering the windows
    """
    X = _check_embeddings(X)
    if len(X) == 1:
        return np.zeros(1, int), {"n_speakers": 1, "n_speakers_eigengap": 1, "eigenvalues": np.zeros(1), "affinity": np.ones((1, 1))}
    if center:
        X = X - X.mean(0)
    A = _refined_affinity(X, p)
    k_est, lam = estimate_n_speakers(A, max_speakers, min_speakers=min_speakers)
    k = int(n_speakers) if n_speakers is not None else k_est
    k = max(1, min(k, len(X)))
    _, V = np.linalg.eigh(normalized_laplacian(A))
    U = V[:, :k]
    U = U / (np.linalg.norm(U, axis=1, keepdims=True) + 1e-12)
    labels = KMeans(k, n_init=10, random_state=seed).fit_predict(U) if k > 1 else np.zeros(len(X), int)
    return labels, {"n_speakers": k, "n_speakers_eigengap": k_est, "eigenvalues": lam, "affinity": A}


def agglomerative_cluster(
    X: np.ndarray,
    n_speakers: int | None = None,
    *,
    threshold: float = 1.0,
    linkage: str = "average",
    center: bool = True,
) -> np.ndarray:
    """Agglomerative (bottom-up) clustering with cosine distance.

    Merges the two closest clusters until ``n_speakers`` remain, or, when ``n_speakers`` is None,
    until the closest pair is farther apart than ``threshold`` (cosine distance, 1 = orthogonal).

    Parameters
    ----------
    X : np.ndarray
        ``(n_windows, dim)`` embeddings.
    n_speakers : int, optional
        Known number of speakers (default: stop at ``threshold``).
    threshold : float
        Cosine distance at which merging stops.
    linkage : str
        Linkage of ``sklearn.cluster.AgglomerativeClustering``.
    center : bool
        Subtract the recording's mean embedding first (see :func:`spectral_cluster`).

    Returns
    -------
    np.ndarray
        One integer label per window.

    Notebook: 08_speaker_diarization § Clustering the windows
    """
    X = _check_embeddings(X)
    if len(X) == 1:
        return np.zeros(1, int)
    if center:
        X = X - X.mean(0)
    model = AgglomerativeClustering(
        n_clusters=n_speakers, distance_threshold=None if n_speakers else threshold,
        metric="cosine", linkage=linkage,
    )
    return model.fit_predict(X)
