"""Transfer learning for few-shot enrollment: a frozen pretrained encoder + a linear SVM.

Taught in ``notebooks/02_speaker_embeddings.ipynb``.

The seed article enrolls new speakers by training only a small classifier (an SVM) on features
from a network pretrained on other speakers. Here the "pretrained network" is any
:class:`~course_utils.embeddings.Embedder` (our x-vector TDNN, a 1-D CNN, or resemblyzer),
kept frozen. Enrollment audio is cut into ``seg_seconds`` pieces of speech; with ``L`` seconds of
enrollment per speaker the SVM sees ``L / seg_seconds`` pieces per speaker. Accuracy is measured
on whole utterances of a *different sentence*, so the task is text-independent.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.svm import SVC

from ..audio import load_audio
from ..cache import entry_path, files_digest, key_of, load_entry, save_entry
from ..parallel import torch_threads
from ..progress import progress_bar
from .base import SR, Embedder, prepare_audio
from .evaluate import l2_normalize

__all__ = ["speech_segments", "segment_embeddings", "enrollment_curve"]


def speech_segments(y: np.ndarray, sr: int, seg_seconds: float = 1.0) -> list[np.ndarray]:
    """Consecutive ``seg_seconds`` pieces of the silence-trimmed speech of ``y`` (16 kHz).

    The remainder shorter than a piece is dropped; a clip shorter than one piece gives one
    (shorter) piece.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    seg_seconds : float
        Length of each piece.

    Notebook: 02_speaker_embeddings § Setup
    """
    y = prepare_audio(y, sr)
    n = int(round(seg_seconds * SR))
    if y.size < n:
        return [y]
    return [y[i:i + n] for i in range(0, y.size - n + 1, n)]


def segment_embeddings(embedder: Embedder, paths: Sequence[str], *, seg_seconds: float = 1.0,
                       progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of every ``seg_seconds`` piece of speech in ``paths``, cached as NPZ.

    Parameters
    ----------
    embedder : Embedder
        A trained (frozen) embedder.
    paths : sequence of str
        Audio files.
    seg_seconds : float
        Length of each piece.
    progress : bool
        Show a progress bar.

    Returns
    -------
    X : np.ndarray
        ``(n_pieces, dim)``.
    file_index : np.ndarray
        For each piece, the index of its file in ``paths``.

    Notebook: 02_speaker_embeddings § Setup
    """
    paths = [str(p) for p in paths]
    target = entry_path("embeddings", f"segments-{embedder.name}", key_of(embedder.key, seg_seconds, files_digest(paths)))
    got = load_entry(target, required=("X", "file_index"))
    if got is not None:
        return got["X"], got["file_index"]
    X, idx = [], []
    with torch_threads(1):
        for i, p in enumerate(progress_bar(paths, desc=f"segments {embedder.name}", progress=progress)):
            for seg in speech_segments(load_audio(p, sr=SR), SR, seg_seconds):
                X.append(embedder._embed(seg))
                idx.append(i)
    X = np.asarray(X, dtype=np.float32)
    idx = np.asarray(idx, dtype=np.int64)
    save_entry(target, X=X, file_index=idx)
    return X, idx


def enrollment_curve(
    X_enroll: np.ndarray,
    enroll_speakers: Sequence,
    X_test: np.ndarray,
    test_speakers: Sequence,
    *,
    seconds: Sequence[float] = (1, 2, 4, 8, 16),
    seg_seconds: float = 1.0,
    n_draws: int = 5,
    C: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Identification accuracy of a linear SVM enrolled with ``L`` seconds per speaker.

    For each ``L`` in ``seconds`` and each draw, ``round(L / seg_seconds)`` pieces per speaker
    are drawn at random from ``X_enroll`` (piece embeddings, L2-normalised), a linear SVM
    (``sklearn.svm.SVC(kernel="linear", C=C)``) is fitted on them, and every row of ``X_test`` is
    classified. Lengths that ask for more pieces than a speaker has are skipped.

    Parameters
    ----------
    X_enroll : np.ndarray
        Piece embeddings for enrollment.
    enroll_speakers : sequence
        Speaker of each piece.
    X_test : np.ndarray
        Test utterance embeddings.
    test_speakers : sequence
        Speaker of each test utterance.
    seconds : sequence of float
        Enrollment lengths per speaker.
    seg_seconds : float
        Length of one piece.
    n_draws : int
        Random draws averaged.
    C : float
        SVM regularisation.
    seed : int
        Random seed.

    Returns
    -------
    pandas.DataFrame
        Columns ``seconds``, ``draw``, ``accuracy``.

    Notebook: 02_speaker_embeddings § Setup
    """
    Xe, Xt = l2_normalize(X_enroll), l2_normalize(X_test)
    ye, yt = np.asarray(enroll_speakers), np.asarray(test_speakers)
    speakers = np.unique(ye)
    if len(speakers) < 2:
        raise ValueError("enrollment_curve: need at least two enrolled speakers")
    unknown = set(np.unique(yt)) - set(speakers)
    if unknown:
        raise ValueError(f"enrollment_curve: test speakers {sorted(unknown)} have no enrollment data")
    available = min(int(np.sum(ye == s)) for s in speakers)
    rng = np.random.default_rng(seed)
    rows = []
    for L in seconds:
        k = max(1, int(round(L / seg_seconds)))
        if k > available:
            continue
        for d in range(n_draws):
            pick = np.concatenate([rng.choice(np.flatnonzero(ye == s), k, replace=False) for s in speakers])
            clf = SVC(kernel="linear", C=C).fit(Xe[pick], ye[pick])
            rows.append(dict(seconds=float(L), draw=d, accuracy=float(np.mean(clf.predict(Xt) == yt))))
    return pd.DataFrame(rows, columns=["seconds", "draw", "accuracy"])
