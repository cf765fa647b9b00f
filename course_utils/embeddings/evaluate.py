"""Quick held-out checks of speaker embeddings: pairwise EER and nearest-centroid identification.

Taught in ``notebooks/02_speaker_embeddings.ipynb`` (the thorough evaluation, with enrollment,
back-ends, minDCF and DET curves, is chapter 3's ``notebooks/03_speaker_verification.ipynb``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..metrics.verification import eer
from ..verification.scoring import l2_normalize  # the one implementation (chapter 3)

__all__ = ["l2_normalize", "pair_scores", "pairwise_eer", "identification_accuracy", "separation_ratio"]


def pair_scores(X: np.ndarray, labels: Sequence, mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cosine scores of all pairs of rows: (same-speaker scores, different-speaker scores).

    ``mask`` (``(n, n)`` bool, optional) keeps only some pairs, e.g. pairs in different emotions.

    Parameters
    ----------
    X : np.ndarray
        One row per example.
    labels : sequence
        One label (speaker) per row or example.
    mask : np.ndarray, optional
        ``(n, n)`` bool: keep only these pairs (e.g. pairs in different emotions).

    Notebook: 02_speaker_embeddings § Setup
    """
    X = l2_normalize(X)
    labels = np.asarray(labels)
    if len(labels) != len(X):
        raise ValueError(f"pair_scores: {len(X)} embeddings but {len(labels)} labels")
    S = X @ X.T
    iu = np.triu_indices(len(X), 1)
    keep = np.ones(len(iu[0]), bool) if mask is None else np.asarray(mask)[iu]
    same = (labels[:, None] == labels[None, :])[iu]
    s = S[iu]
    return s[same & keep], s[~same & keep]


def _eer(pos: np.ndarray, neg: np.ndarray) -> float:
    return float(eer(pos, neg)[0])


def pairwise_eer(X: np.ndarray, labels: Sequence, mask: np.ndarray | None = None) -> float:
    """Equal error rate of cosine scoring over all pairs of embeddings (each pair one trial).

    Uses :func:`course_utils.metrics.verification.eer`. A fraction in [0, 1]: 0.5 is chance.

    Parameters
    ----------
    X : np.ndarray
        One row per example.
    labels : sequence
        One label (speaker) per row or example.
    mask : np.ndarray, optional
        ``(n, n)`` bool: keep only these pairs (e.g. pairs in different emotions).

    Notebook: 02_speaker_embeddings § 5. Held-out evaluation: speakers no model has heard
    """
    pos, neg = pair_scores(X, labels, mask)
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError("pairwise_eer: need both same-speaker and different-speaker pairs")
    return _eer(pos, neg)


def identification_accuracy(X: np.ndarray, labels: Sequence, *, n_enroll: int = 5, n_draws: int = 5,
                            seed: int = 0) -> float:
    """Closed-set identification by the nearest speaker centroid (cosine), averaged over draws.

    In each draw, ``n_enroll`` random embeddings per speaker are averaged (after L2
    normalisation) into a voiceprint; every other embedding is assigned to the most similar
    voiceprint. Chance level is ``1 / n_speakers``.

    Parameters
    ----------
    X : np.ndarray
        One row per example.
    labels : sequence
        One label (speaker) per row or example.
    n_enroll : int
        Embeddings per speaker averaged into its voiceprint.
    n_draws : int
        Random draws averaged.
    seed : int
        Random seed.

    Notebook: 02_speaker_embeddings § 5. Held-out evaluation: speakers no model has heard
    """
    X = l2_normalize(X)
    labels = np.asarray(labels)
    speakers = np.unique(labels)
    counts = {s: int(np.sum(labels == s)) for s in speakers}
    if min(counts.values()) <= n_enroll:
        raise ValueError(f"identification_accuracy: every speaker needs more than n_enroll={n_enroll} embeddings")
    rng = np.random.default_rng(seed)
    accs = []
    for _ in range(n_draws):
        enroll = np.zeros(len(labels), bool)
        for s in speakers:
            enroll[rng.choice(np.flatnonzero(labels == s), n_enroll, replace=False)] = True
        C = l2_normalize(np.stack([X[enroll & (labels == s)].mean(0) for s in speakers]))
        pred = speakers[np.argmax(X[~enroll] @ C.T, axis=1)]
        accs.append(float(np.mean(pred == labels[~enroll])))
    return float(np.mean(accs))


def separation_ratio(X: np.ndarray, labels: Sequence) -> float:
    """Mean same-label cosine minus mean different-label cosine, over the pooled std of both.

    A simple "how much does this embedding know about ``labels``" number (0: nothing); compare
    the same embeddings against speaker labels and against emotion labels.

    Parameters
    ----------
    X : np.ndarray
        One row per example.
    labels : sequence
        One label (speaker) per row or example.

    Notebook: 02_speaker_embeddings § 6. What the embedding keeps and what it loses
    """
    pos, neg = pair_scores(X, labels)
    return float((pos.mean() - neg.mean()) / np.sqrt(0.5 * (pos.var() + neg.var())))
