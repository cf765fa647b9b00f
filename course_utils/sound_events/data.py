"""ESC-10 as the chapter uses it: clips at 16 kHz, log-mel inputs, clip statistics, and fold splits.

Clips cut from one freesound recording share a fold (the first digit of the file name), so the
official protocol is 5-fold cross-validation over the given folds; a random split puts takes of one
source on both sides and measures the source, not the class (:func:`random_split`).

Notebook: 09_sound_classification § Look and listen first
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy.fft import dct
from sklearn.model_selection import StratifiedKFold

from ..audio import fix_length
from ..features import extract_cached, log_mel

__all__ = ["SR", "N_MELS", "WIN_MS", "HOP_MS", "CLIP_SECONDS", "clip_log_mel", "mel_statistics",
           "esc_inputs", "fold_splits", "check_fold_split", "random_folds", "shared_sources"]

#: Sample rate the chapter loads every clip at (Hz).
SR = 16000
#: Mel bands, window and hop of the network input (1024-sample window, 512-sample hop at 16 kHz).
N_MELS, WIN_MS, HOP_MS = 64, 64.0, 32.0
#: Length of an ESC-10 clip (s).
CLIP_SECONDS = 5.0


def clip_log_mel(y: np.ndarray, sr: int = SR) -> np.ndarray:
    """The network input of one clip: log-mel ``(N_MELS, frames)`` in dB re the clip's peak, floor -80 dB.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.

    Returns
    -------
    np.ndarray
        float32 ``(64, frames)``; 157 frames for a 5-s clip at 16 kHz.

    Notebook: 09_sound_classification § Look and listen first
    """
    return log_mel(y, sr, n_mels=N_MELS, win_ms=WIN_MS, hop_ms=HOP_MS)


def _esc_clip(y: np.ndarray, sr: int) -> np.ndarray:
    """A clip cut or zero-padded to exactly 5 s (a few ESC-10 files are a few samples off)."""
    return fix_length(y, int(round(CLIP_SECONDS * sr)))


def _esc_log_mel(y: np.ndarray, sr: int) -> np.ndarray:
    return clip_log_mel(_esc_clip(y, sr), sr)


def mel_statistics(mels: np.ndarray, n_mfcc: int = 20) -> np.ndarray:
    """The baselines' clip vectors, from log-mels: mean and std over time of 20 MFCCs (the orthonormal
    DCT-II of the log-mel bands), of their first differences, and of the 64 log-mel bands.

    Parameters
    ----------
    mels : np.ndarray
        ``(n_mels, frames)`` or ``(clips, n_mels, frames)`` log-mels in dB.
    n_mfcc : int
        Cepstral coefficients kept.

    Returns
    -------
    np.ndarray
        float32 ``(4 * n_mfcc + 2 * n_mels,)`` per clip (208 with the defaults), stacked for a batch.

    Notebook: 09_sound_classification § Baselines: clip statistics with a random forest and an SVM
    """
    L = np.asarray(mels, np.float64)
    if L.ndim == 2:
        return mel_statistics(L[None], n_mfcc)[0]
    if L.ndim != 3 or L.shape[2] < 2:
        raise ValueError(f"mel_statistics: expected (clips, n_mels, frames >= 2), got shape {L.shape}")
    m = dct(L, type=2, norm="ortho", axis=1)[:, :n_mfcc]
    d = np.diff(m, axis=2)
    parts = [m.mean(2), m.std(2), d.mean(2), d.std(2), L.mean(2), L.std(2)]
    return np.concatenate(parts, axis=1).astype(np.float32)


def esc_inputs(df: pd.DataFrame, *, progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Log-mel inputs (:func:`clip_log_mel`, cached by content) and statistics vectors
    (:func:`mel_statistics`) of every clip of ``df``, each cut or padded to 5 s.

    Parameters
    ----------
    df : pd.DataFrame
        From :func:`course_utils.datasets.load_esc10` (column ``path``).
    progress : bool
        Show progress bars.

    Returns
    -------
    mels : np.ndarray
        float32 ``(clips, 64, frames)``.
    stats : np.ndarray
        float32 ``(clips, 208)``.

    Notebook: 09_sound_classification § Look and listen first
    """
    paths = list(df["path"])
    if not paths:
        raise ValueError("esc_inputs: the table has no clips")
    mels = np.asarray(extract_cached(paths, _esc_log_mel, sr=SR, name="esc10_logmel", progress=progress))
    return mels, mel_statistics(mels)


def fold_splits(df: pd.DataFrame) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """The official protocol: for each fold, ``(fold, train_index, test_index)`` (positions in ``df``).

    Parameters
    ----------
    df : pd.DataFrame
        With a ``fold`` column.

    Yields
    ------
    tuple of (int, np.ndarray, np.ndarray)
        The held-out fold and the row positions of the training and test clips.

    Notebook: 09_sound_classification § The official protocol: 5-fold cross-validation
    """
    folds = df["fold"].to_numpy()
    for fold in sorted(set(folds)):
        yield int(fold), np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)


def check_fold_split(df: pd.DataFrame, train_index, test_index) -> None:
    """Raise ``ValueError`` if a split breaks the protocol: overlap, or one fold or source on both sides.

    Parameters
    ----------
    df : pd.DataFrame
        With ``fold`` and ``source_id`` columns.
    train_index, test_index : array-like of int
        Row positions of the two sides.

    Notebook: 09_sound_classification § The official protocol: 5-fold cross-validation
    """
    tr, te = np.asarray(train_index, int), np.asarray(test_index, int)
    if np.intersect1d(tr, te).size:
        raise ValueError("split: some clips are on both sides")
    for column in ("fold", "source_id"):
        shared = set(df[column].iloc[tr]) & set(df[column].iloc[te])
        if shared:
            raise ValueError(f"split: {column} {sorted(shared)[:3]} on both sides (clips of one source share a fold)")


def random_folds(df: pd.DataFrame, n_splits: int = 5, seed: int = 0) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Stratified random folds that ignore the official ones: the *wrong* protocol, to measure its leak.

    Takes of one source recording land on both sides of a split, so a classifier can recognise the
    recording rather than the class.

    Parameters
    ----------
    df : pd.DataFrame
        With a ``class_id`` column.
    n_splits : int
        Number of folds.
    seed : int
        Seed of the shuffle.

    Yields
    ------
    tuple of (int, np.ndarray, np.ndarray)
        Split number (1-based) and the row positions of the training and test clips.

    Notebook: 09_sound_classification § Why folds matter: a random split leaks
    """
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for i, (tr, te) in enumerate(splitter.split(np.zeros(len(df)), df["class_id"]), start=1):
        yield i, tr, te


def shared_sources(df: pd.DataFrame, train_index, test_index) -> int:
    """How many test clips have a take of their source recording on the training side.

    Parameters
    ----------
    df : pd.DataFrame
        With a ``source_id`` column.
    train_index, test_index : array-like of int
        Row positions of the two sides.

    Returns
    -------
    int
        Test clips whose source also appears in training (0 for the official folds).

    Notebook: 09_sound_classification § Why folds matter: a random split leaks
    """
    train_sources = set(df["source_id"].iloc[np.asarray(train_index, int)])
    return int(df["source_id"].iloc[np.asarray(test_index, int)].isin(train_sources).sum())
