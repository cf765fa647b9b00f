"""Speech features, safe on short clips, and an on-disk cache so a notebook's second run is fast.

The 120-dim speaker vector (20 MFCC + delta + delta-delta, mean and std of each) is built in
``notebooks/01_speaker_recognition.ipynb``; log-mel spectrograms feed the networks of chapters 2,
4 and 5. :func:`extract_cached` computes any per-file feature for a table of files once and
keeps it in ``data/cache/features`` as NPZ (no pickle).
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from .audio import check_audio, load_audio
from .paths import cache_dir

__all__ = [
    "frame_params",
    "mfcc",
    "deltas",
    "speaker_features",
    "SPEAKER_FEATURE_NAMES",
    "log_mel",
    "extract_cached",
    "n_jobs_for",
]


def frame_params(sr: int, win_ms: float = 25.0, hop_ms: float = 10.0) -> tuple[int, int]:
    """Speech framing: ``(n_fft, hop_length)`` with n_fft the power of two covering ``win_ms``."""
    n_fft = int(2 ** np.ceil(np.log2(win_ms * sr / 1000.0)))
    return n_fft, max(1, int(round(hop_ms * sr / 1000.0)))


def _pad_to(y: np.ndarray, n: int) -> np.ndarray:
    return y if y.size >= n else np.pad(y, (0, n - y.size))


@lru_cache(maxsize=32)
def _mel_basis(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    import librosa

    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax)


def _mel_power(y: np.ndarray, sr: int, n_mels: int, win_ms: float, hop_ms: float,
               fmin: float, fmax: float | None) -> np.ndarray:
    """Mel power spectrogram; the filterbank is built once per setting (librosa rebuilds it per call)."""
    import librosa

    n_fft, hop = frame_params(sr, win_ms, hop_ms)
    y = _pad_to(y, n_fft)
    power = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)) ** 2
    return _mel_basis(sr, n_fft, n_mels, float(fmin), float(fmax or sr / 2)) @ power


def mfcc(y: np.ndarray, sr: int, n_mfcc: int = 20, n_mels: int = 40) -> np.ndarray:
    """MFCCs ``(n_mfcc, frames)`` with 25 ms windows and 10 ms hops.

    The same numbers as ``librosa.feature.mfcc`` with these settings (a unit test checks it), but
    faster: the mel filterbank is built once per setting instead of on every call. Clips shorter
    than one window are zero-padded to one window instead of failing.
    """
    import librosa
    from scipy.fft import dct

    y = check_audio(y, name="y")
    S = librosa.power_to_db(_mel_power(y, sr, n_mels, 25.0, 10.0, 20.0, None))
    return dct(S, axis=0, type=2, norm="ortho")[:n_mfcc].astype(np.float32)


def deltas(features: np.ndarray, order: int = 1, width: int = 9) -> np.ndarray:
    """``librosa.feature.delta`` that also works with fewer frames than ``width``.

    With at least ``width`` frames this is librosa's default (Savitzky-Golay, ``mode="interp"``);
    with fewer it pads by repeating the edge frames (``mode="nearest"``), so a 0.2 s FSDD clip
    gets deltas instead of an exception.
    """
    import librosa

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
    """
    m = mfcc(y, sr, n_mfcc=n_mfcc)
    stack = np.concatenate([m, deltas(m, 1), deltas(m, 2)], axis=0)
    return np.concatenate([stack.mean(axis=1), stack.std(axis=1)]).astype(np.float32)


def log_mel(
    y: np.ndarray,
    sr: int,
    n_mels: int = 64,
    win_ms: float = 25.0,
    hop_ms: float = 10.0,
    fmax: float | None = None,
) -> np.ndarray:
    """Log-mel spectrogram in dB (re the maximum, floor -80 dB), shape ``(n_mels, frames)``."""
    import librosa

    y = check_audio(y, name="y")
    S = _mel_power(y, sr, n_mels, win_ms, hop_ms, 0.0, fmax)
    return librosa.power_to_db(S, ref=np.max, top_db=80.0).astype(np.float32)


def _fingerprint(func: Callable) -> str:
    """Name and source of ``func`` and of the whole module defining it (helpers it calls included)."""
    parts = [f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', repr(func))}"]
    for obj in (func, inspect.getmodule(func)):
        try:
            parts.append(inspect.getsource(obj))
        except (OSError, TypeError):
            parts.append(repr(obj))
    return "\n".join(parts)


#: Corpora smaller than this are extracted in-process (starting workers costs a few seconds).
PARALLEL_MIN_FILES = 200


def n_jobs_for(n_files: int, n_jobs: int | None = None) -> int:
    """How many processes :func:`extract_cached` uses for ``n_files`` files.

    ``n_jobs`` if given, else the environment variable ``COURSE_N_JOBS``, else every core (at
    most 8). Below :data:`PARALLEL_MIN_FILES` files: one. ``make test`` sets ``COURSE_N_JOBS=1``,
    because it already runs two notebooks at a time.
    """
    if n_jobs is None:
        env = os.environ.get("COURSE_N_JOBS", "").strip()
        if env:
            try:
                n_jobs = int(env)
            except ValueError:
                raise ValueError(f"COURSE_N_JOBS must be an integer, got {env!r}") from None
        else:
            n_jobs = min(os.cpu_count() or 1, 8)
    if n_files < PARALLEL_MIN_FILES:
        return 1
    return max(1, min(int(n_jobs), n_files))


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

    The cache key covers the files (path, size, modification time), ``sr``, ``params`` and the
    source code of ``func`` and of its module, so changing any of them recomputes. Results are kept as NPZ in
    ``data/cache/features`` (delete the folder to start over).

    ``n_jobs`` worker processes share the files (see :func:`n_jobs_for`); the results do not depend
    on it. Errors name the file, as :func:`course_utils.audio.load_audio` does.

    Returns
    -------
    np.ndarray or list of np.ndarray
        Stacked to ``(len(paths), ...)`` when every result has the same shape, else a list.
    """
    from .progress import progress_bar

    files = [Path(p) for p in paths]
    stamp = []
    for p in files:
        st = p.stat() if p.exists() else None
        stamp.append((str(p), st.st_size if st else -1, st.st_mtime_ns if st else -1))
    key = hashlib.sha256(
        json.dumps([_fingerprint(func), sr, sorted(params.items(), key=str), stamp], default=str).encode()
    ).hexdigest()[:20]
    label = name or getattr(func, "__name__", "features")
    target = cache_dir("features") / f"{label}-{key}.npz"
    if target.exists():
        with np.load(target, allow_pickle=False) as z:
            if "stacked" in z:
                return z["stacked"]
            flat, offsets, shapes = z["flat"], z["offsets"], z["shapes"]
            return [flat[offsets[i]:offsets[i + 1]].reshape(shapes[i]) for i in range(len(files))]
    from threadpoolctl import threadpool_limits

    # Per-file work is made of small matrix products: extra BLAS threads only spin and wait
    # (tens of times slower when two notebooks share two cores).
    jobs = n_jobs_for(len(files), n_jobs)
    with threadpool_limits(limits=1, user_api="blas"):
        if jobs > 1:
            from joblib import Parallel, delayed

            # loky workers: fresh processes, one math thread each; results come back in order
            run = Parallel(n_jobs=jobs, backend="loky", return_as="generator", batch_size=8)
            it = run(delayed(_one_file)(p, func, sr, params) for p in files)
        else:
            it = (_one_file(p, func, sr, params) for p in files)
        out = list(progress_bar(it, total=len(files), desc=label, progress=progress))
    tmp = target.with_name(target.stem + f".{os.getpid()}.tmp.npz")
    if out and all(o.shape == out[0].shape for o in out):
        result: np.ndarray | list[np.ndarray] = np.stack(out)
        np.savez(tmp, stacked=result)
    else:
        shapes = np.array([o.shape for o in out]) if out else np.zeros((0, 1), int)
        sizes = [o.size for o in out]
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        flat = np.concatenate([o.ravel() for o in out]) if out else np.zeros(0)
        np.savez(tmp, flat=flat, offsets=offsets, shapes=shapes)
        result = out
    os.replace(tmp, target)
    return result
