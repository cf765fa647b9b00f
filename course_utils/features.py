"""Speech features, safe on short clips, and an on-disk cache so a notebook's second run is fast.

The 120-dim speaker vector (20 MFCC + delta + delta-delta, mean and std of each) is built in
``notebooks/01_speaker_recognition.ipynb``; log-mel spectrograms feed the networks of chapters 2,
4 and 5. :func:`extract_cached` computes any per-file feature for a table of files once and
keeps it in ``data/cache/features`` as NPZ (no pickle).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache, partial
from pathlib import Path

import librosa
import numpy as np
from scipy.fft import dct

from .audio import check_audio, load_audio
from .cache import entry_path, files_digest, key_of, load_entry, save_entry, source_digest
from .parallel import map_files

__all__ = [
    "frame_params",
    "mfcc",
    "deltas",
    "speaker_features",
    "SPEAKER_FEATURE_NAMES",
    "log_mel",
    "frame_mfcc",
    "extract_cached",
]


def frame_params(sr: int, win_ms: float = 25.0, hop_ms: float = 10.0) -> tuple[int, int]:
    """Speech framing: ``(n_fft, hop_length)`` with ``n_fft`` the power of two covering ``win_ms``.

    Parameters
    ----------
    sr : int
        Sample rate.
    win_ms, hop_ms : float
        Window and hop in milliseconds.

    Returns
    -------
    tuple of int
        ``(n_fft, hop_length)`` in samples.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    n_fft = int(2 ** np.ceil(np.log2(win_ms * sr / 1000.0)))
    return n_fft, max(1, int(round(hop_ms * sr / 1000.0)))


def _pad_to(y: np.ndarray, n: int) -> np.ndarray:
    return y if y.size >= n else np.pad(y, (0, n - y.size))


@lru_cache(maxsize=32)
def _mel_basis(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)


def _mel_power(y: np.ndarray, sr: int, n_mels: int, win_ms: float, hop_ms: float,
               fmin: float, fmax: float | None) -> np.ndarray:
    """Mel power spectrogram; the filterbank is built once per setting (librosa rebuilds it per call)."""
    n_fft, hop = frame_params(sr, win_ms, hop_ms)
    y = _pad_to(y, n_fft)
    power = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)) ** 2
    return _mel_basis(sr, n_fft, n_mels, float(fmin), float(fmax or sr / 2)) @ power


def mfcc(y: np.ndarray, sr: int, n_mfcc: int = 20, n_mels: int = 40) -> np.ndarray:
    """MFCCs ``(n_mfcc, frames)`` with 25 ms windows and 10 ms hops.

    The same numbers as ``librosa.feature.mfcc`` with these settings (a unit test checks it), but
    faster: the mel filterbank is built once per setting instead of on every call. Clips shorter
    than one window are zero-padded to one window instead of failing.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    n_mfcc : int
        Cepstral coefficients kept.
    n_mels : int
        Mel bands before the DCT.

    Returns
    -------
    np.ndarray
        float32 ``(n_mfcc, frames)``.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    y = check_audio(y, sr, name="y")
    S = librosa.power_to_db(_mel_power(y, sr, n_mels, 25.0, 10.0, 20.0, None))
    return dct(S, axis=0, type=2, norm="ortho")[:n_mfcc].astype(np.float32)


def deltas(features: np.ndarray, order: int = 1, width: int = 9) -> np.ndarray:
    """``librosa.feature.delta`` that also works with fewer frames than ``width``.

    With at least ``width`` frames this is librosa's default (Savitzky-Golay, ``mode="interp"``);
    with fewer it pads by repeating the edge frames (``mode="nearest"``), so a 0.2 s FSDD clip
    gets deltas instead of an exception.

    Parameters
    ----------
    features : np.ndarray
        ``(..., frames)``.
    order : int
        1 for deltas, 2 for delta-deltas.
    width : int
        Frames in the regression window (odd).

    Returns
    -------
    np.ndarray
        Same shape as ``features``.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    if features.shape[-1] >= width:
        return librosa.feature.delta(features, width=width, order=order, mode="interp")
    return librosa.feature.delta(features, width=width, order=order, mode="nearest")


#: Names of the 120 dimensions of :func:`speaker_features`, in order.
SPEAKER_FEATURE_NAMES = [
    f"{stat}_{kind}{i}" for stat in ("mean", "std") for kind in ("mfcc", "d_mfcc", "dd_mfcc") for i in range(20)
]


def speaker_features(y: np.ndarray, sr: int, n_mfcc: int = 20) -> np.ndarray:
    """The seed chapter's speaker vector: mean and std of MFCC, delta and delta-delta.

    Parameters
    ----------
    y : np.ndarray
        Mono speech.
    sr : int
        Its sample rate.
    n_mfcc : int
        Number of cepstral coefficients (20 gives the 120 dimensions of chapter 1).

    Returns
    -------
    np.ndarray
        ``6 * n_mfcc`` values: means of [MFCC, delta, delta-delta], then their standard deviations
        (see :data:`SPEAKER_FEATURE_NAMES`).

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    m = mfcc(y, sr, n_mfcc=n_mfcc)
    stack = np.concatenate([m, deltas(m, 1), deltas(m, 2)], axis=0)
    return np.concatenate([stack.mean(axis=1), stack.std(axis=1)]).astype(np.float32)


#: Normalisations :func:`frame_mfcc` knows.
FRAME_NORMALIZATIONS = ("none", "mean", "static_mean", "meanvar")


def frame_mfcc(
    y: np.ndarray,
    sr: int,
    n_mfcc: int = 20,
    *,
    n_deltas: int = 0,
    drop_quiet_percent: float = 0.0,
    normalize: str = "none",
) -> np.ndarray:
    """Frame-level MFCCs ``(frames, n_mfcc * (1 + n_deltas))``: the input of GMMs, i-vectors and diarization.

    Each row is one 10 ms frame of :func:`mfcc`, followed by its deltas (:func:`deltas`) up to order
    ``n_deltas``. The normalisations remove what a channel adds to every frame: ``"mean"`` subtracts
    each column's mean over the recording (cepstral mean normalisation), ``"static_mean"`` does it for
    the MFCC columns only (deltas already have zero mean), ``"meanvar"`` also divides by the standard
    deviation (CMVN, computed in float64).

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    n_mfcc : int
        Cepstral coefficients per frame.
    n_deltas : int
        0 (MFCC only), 1 (+ delta) or 2 (+ delta-delta).
    drop_quiet_percent : float
        Drop frames whose first coefficient (log energy) is at or below this percentile, before
        normalising; recordings with fewer than 10 frames keep every frame.
    normalize : {"none", "mean", "static_mean", "meanvar"}
        See above.

    Returns
    -------
    np.ndarray
        float32 frames (float64 with ``"meanvar"``).

    Notebook: 01_speaker_recognition § The classic baseline: GMM-UBM ; 08_speaker_diarization § Speaker change detection: distance between adjacent windows
    """
    if normalize not in FRAME_NORMALIZATIONS:
        raise ValueError(f"frame_mfcc: normalize must be one of {FRAME_NORMALIZATIONS}, got {normalize!r}")
    if n_deltas not in (0, 1, 2):
        raise ValueError(f"frame_mfcc: n_deltas must be 0, 1 or 2, got {n_deltas!r}")
    m = mfcc(y, sr, n_mfcc=n_mfcc)
    F = np.concatenate([m] + [deltas(m, order) for order in range(1, n_deltas + 1)], axis=0).T
    if drop_quiet_percent > 0 and m.shape[1] >= 10:
        F = F[m[0] > np.percentile(m[0], drop_quiet_percent)]
    if normalize == "mean":
        F = F - F.mean(axis=0)
    elif normalize == "static_mean":
        F[:, :n_mfcc] -= F[:, :n_mfcc].mean(axis=0)
    elif normalize == "meanvar":
        F = F.astype(np.float64)
        return (F - F.mean(0)) / (F.std(0) + 1e-8)
    return F.astype(np.float32)


def log_mel(
    y: np.ndarray,
    sr: int,
    n_mels: int = 64,
    win_ms: float = 25.0,
    hop_ms: float = 10.0,
    fmax: float | None = None,
) -> np.ndarray:
    """Log-mel spectrogram in dB (re the maximum, floor -80 dB), shape ``(n_mels, frames)``.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    n_mels : int
        Mel bands.
    win_ms, hop_ms : float
        Window and hop in milliseconds.
    fmax : float, optional
        Highest frequency of the filterbank (default ``sr / 2``).

    Returns
    -------
    np.ndarray
        float32 ``(n_mels, frames)``.

    Notebook: 02_speaker_embeddings § Training the CPU-sized x-vector
    """
    y = check_audio(y, sr, name="y")
    S = _mel_power(y, sr, n_mels, win_ms, hop_ms, 0.0, fmax)
    return librosa.power_to_db(S, ref=np.max, top_db=80.0).astype(np.float32)


def _one_file(path: Path, func: Callable[..., np.ndarray], sr: int, params: dict) -> np.ndarray:
    return np.asarray(func(load_audio(path, sr=sr), sr, **params))


def extract_cached(
    paths: Sequence[str | os.PathLike],
    func: Callable[..., np.ndarray],
    *,
    sr: int = 16000,
    name: str | None = None,
    progress: bool = True,
    n_jobs: int | None = None,
    **params,
) -> np.ndarray | list[np.ndarray]:
    """Apply ``func(y, sr, **params)`` to every file in ``paths``; cache the results on disk.

    The cache key covers the files' content (SHA-256 of their bytes), ``sr``, ``params`` and the
    source code of ``func`` and of its module, so changing any of them recomputes
    (:mod:`course_utils.cache`). Results are kept as NPZ in ``data/cache/features``; an entry that is
    unreadable or does not fit is recomputed with a warning.

    What the key does **not** cover: values ``func`` reads at run time from outside its arguments
    and its module's source, such as a global variable reassigned after import (a notebook cell
    that changes ``N_MELS`` read by a feature function) or a file it opens. The source of
    ``func``'s module is hashed, so *editing* a module-level constant recomputes; *reassigning* it
    while the program runs does not, and the cached result of the old value is returned. Pass such
    values as ``**params`` (they are part of the key) instead of reading globals.

    ``n_jobs`` worker processes share the files (:func:`course_utils.parallel.map_files`); the results
    do not depend on it. Errors name the file, as :func:`course_utils.audio.load_audio` does.

    Parameters
    ----------
    paths : sequence of str or os.PathLike
        Audio files.
    func : callable
        ``func(y, sr, **params)`` returns an array for one signal.
    sr : int
        Rate the files are loaded at.
    name : str, optional
        Readable part of the cache file name (default ``func.__name__``).
    progress : bool
        Show a progress bar.
    n_jobs : int, optional
        Worker processes (:func:`course_utils.parallel.n_jobs_for`).
    **params
        Passed to ``func``; part of the key.

    Returns
    -------
    np.ndarray or list of np.ndarray
        Stacked to ``(len(paths), ...)`` when every result has the same shape, else a list.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    files = [Path(p) for p in paths]
    key = key_of(source_digest(func), sr, sorted(params.items(), key=str), files_digest(files))
    label = name or getattr(func, "__name__", "features")
    target = entry_path("features", label, key)

    def _valid(z) -> str | None:
        n = len(z["stacked"]) if "stacked" in z else len(z["offsets"]) - 1
        return None if n == len(files) else f"for {n} files, not {len(files)}"

    cached = load_entry(target, validate=_valid)
    if cached is not None:
        if "stacked" in cached:
            return cached["stacked"]
        flat, offsets, shapes = cached["flat"], cached["offsets"], cached["shapes"]
        return [flat[offsets[i]:offsets[i + 1]].reshape(shapes[i]) for i in range(len(files))]
    out = map_files(partial(_one_file, func=func, sr=sr, params=params), files, n_jobs=n_jobs,
                    progress=progress, desc=label)
    if out and all(o.shape == out[0].shape for o in out):
        result: np.ndarray | list[np.ndarray] = np.stack(out)
        save_entry(target, stacked=result)
        return result
    shapes = np.array([o.shape for o in out]) if out else np.zeros((0, 1), int)
    offsets = np.concatenate([[0], np.cumsum([o.size for o in out])]).astype(np.int64)
    flat = np.concatenate([o.ravel() for o in out]) if out else np.zeros(0)
    save_entry(target, flat=flat, offsets=offsets, shapes=shapes)
    return out
