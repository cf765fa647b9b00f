"""The :class:`Embedder` protocol shared by every speaker-embedding kind, with its disk cache.

Taught in ``notebooks/02_speaker_embeddings.ipynb``; used by chapters 3, 7 and 8 through
:func:`course_utils.embeddings.load_or_train`.

Every embedder takes mono audio ``y`` at any rate ``sr``, resamples it to its own rate
(16 kHz), trims leading and trailing silence, and returns one float32 vector. Unusable audio
(empty, silent, NaN, shorter than :data:`MIN_DURATION`) raises
:class:`course_utils.audio.AudioError` with the reason.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..audio import AudioError, check_audio, load_audio
from ..paths import cache_dir

__all__ = [
    "MIN_DURATION",
    "SR",
    "Embedder",
    "prepare_audio",
    "speech_log_mel",
    "log_mel_prepared",
    "file_stamp",
    "torch_threads",
]

#: Shortest audio (seconds, before silence trimming) any embedder accepts.
MIN_DURATION = 0.1
#: Sample rate every course embedder works at.
SR = 16000


def prepare_audio(y: np.ndarray, sr: int, *, name: str = "y", target_sr: int = SR,
                  top_db: float = 30.0) -> np.ndarray:
    """Validate ``y``, resample it to ``target_sr`` and trim leading/trailing silence.

    Silence trimming uses ``librosa.effects.trim(top_db=top_db)``; when less than
    :data:`MIN_DURATION` would remain, the untrimmed signal is kept.

    Raises
    ------
    AudioError
        Empty, not mono, NaN/inf, silent, or shorter than :data:`MIN_DURATION` seconds.
    """
    import librosa

    y = check_audio(y, sr, name=name, min_duration=MIN_DURATION)
    if sr != target_sr:
        y = librosa.resample(y, orig_sr=sr, target_sr=target_sr, res_type="soxr_hq").astype(np.float32)
    trimmed, _ = librosa.effects.trim(y, top_db=top_db)
    if trimmed.size >= MIN_DURATION * target_sr:
        y = trimmed
    return np.ascontiguousarray(y, dtype=np.float32)


def speech_log_mel(y: np.ndarray, sr: int, n_mels: int = 40) -> np.ndarray:
    """Network input: log-mel ``(n_mels, frames)`` of the trimmed speech, scaled to about [-2, 2].

    :func:`course_utils.features.log_mel` (25 ms / 10 ms, dB re the utterance's maximum, 80 dB
    floor), shifted by 40 dB and divided by 20. No per-band mean is removed: the long-term
    spectrum is itself a speaker cue (it is also a channel cue, which chapter 3's replay attack
    exploits).
    """
    return log_mel_prepared(prepare_audio(y, sr), n_mels=n_mels)


def log_mel_prepared(y: np.ndarray, n_mels: int = 40) -> np.ndarray:
    """:func:`speech_log_mel` of audio already passed through :func:`prepare_audio` (16 kHz)."""
    from ..features import log_mel

    S = log_mel(y, SR, n_mels=n_mels)
    return ((S + 40.0) / 20.0).astype(np.float32)


def file_stamp(paths: Iterable[str | os.PathLike]) -> list[tuple[str, int, int]]:
    """(path, size, mtime_ns) of each file, -1 when missing: what cache keys are built from."""
    out = []
    for p in paths:
        p = Path(p)
        st = p.stat() if p.exists() else None
        out.append((str(p), st.st_size if st else -1, st.st_mtime_ns if st else -1))
    return out


_ACTIVE_LIMITS: list[int] = []


@contextlib.contextmanager
def torch_threads(n: int = 1):
    """Run torch and the BLAS/OpenMP pools with ``n`` threads inside the block (restored afterwards).

    These models and per-file features are small: with several threads on a busy 2-core machine
    the threads mostly spin-wait for each other, which can cost ten times the CPU of one thread.
    """
    import torch
    from threadpoolctl import threadpool_limits

    if _ACTIVE_LIMITS and _ACTIVE_LIMITS[-1] == n and torch.get_num_threads() == n:
        yield  # already limited by an enclosing block (threadpoolctl costs a few ms per call)
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    _ACTIVE_LIMITS.append(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        _ACTIVE_LIMITS.pop()
        torch.set_num_threads(old)


class Embedder:
    """A speaker-embedding extractor: ``embed(y, sr)`` for one signal, ``embed_paths`` for files.

    Subclasses set :attr:`name`, :attr:`dim`, :attr:`key` (identifies the trained weights, used in
    cache names) and implement :meth:`_embed` on prepared 16 kHz audio.

    Attributes
    ----------
    name : str
        The kind ("xvector_ce", ...).
    sr : int
        Rate the model works at (audio at other rates is resampled).
    dim : int
        Embedding size.
    history : dict
        Training curves (empty for kinds without training), for ``plot_curves``.
    """

    name: str = "embedder"
    sr: int = SR
    dim: int = 0
    key: str = ""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.info: dict = {}

    # -- to implement -------------------------------------------------------------------------
    def _embed(self, y: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- public API -----------------------------------------------------------------------------
    def embed(self, y: np.ndarray, sr: int, *, name: str = "y") -> np.ndarray:
        """Embedding of one mono signal as a 1-D float32 array of length :attr:`dim`.

        Raises
        ------
        AudioError
            Empty, silent, NaN/inf or shorter than ``MIN_DURATION`` (0.1 s) audio.
        """
        if not isinstance(sr, (int, np.integer)) or sr <= 0:
            raise ValueError(f"{self.name}.embed: sr must be a positive integer, got {sr!r}")
        y = prepare_audio(np.asarray(y), int(sr), name=name)
        out = np.asarray(self._embed(y), dtype=np.float32).reshape(-1)
        if not np.all(np.isfinite(out)):
            raise AudioError(f"{name}: {self.name} produced a non-finite embedding")
        return out

    def embed_paths(self, paths: Sequence[str | os.PathLike] | str | os.PathLike,
                    sr: int | None = None, *, progress: bool = True) -> np.ndarray:
        """Embeddings ``(n, dim)`` of audio files, cached as NPZ in ``cache_dir("embeddings")``.

        The cache key covers the files (path, size, mtime), the loading rate and the model's
        :attr:`key`, so new weights or changed files recompute. ``sr`` is the rate files are loaded
        at (default: :attr:`sr`). Lists of :data:`course_utils.features.PARALLEL_MIN_FILES` files or
        more are shared among worker processes, one per core (``COURSE_N_JOBS``, see
        :func:`course_utils.features.n_jobs_for`); the embeddings are the same either way.

        Raises
        ------
        AudioError
            A file is missing, unreadable or unusable; the message names it.
        """
        from ..parallel import n_jobs_for
        from ..progress import progress_bar

        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = [str(p) for p in paths]
        load_sr = int(sr or self.sr)
        digest = hashlib.sha256(json.dumps([self.key, load_sr, file_stamp(paths)]).encode()).hexdigest()[:20]
        target = cache_dir("embeddings") / f"{self.name}-{digest}.npz"
        if target.exists():
            with np.load(target, allow_pickle=False) as z:
                return z["X"]
        X = np.zeros((len(paths), self.dim), dtype=np.float32)
        bar = progress_bar(total=len(paths), desc=f"embed {self.name}", progress=progress)
        jobs = n_jobs_for(len(paths))
        if jobs > 1:  # large lists: worker processes share the files (same numbers as one process)
            from joblib import Parallel, delayed

            chunks = np.array_split(np.arange(len(paths)), 4 * jobs)
            run = Parallel(n_jobs=jobs, backend="loky", return_as="generator")
            for idx, E in zip(chunks, run(delayed(_embed_files)(self, [paths[i] for i in c], load_sr) for c in chunks)):
                X[idx] = E
                bar.update(len(idx))
        else:
            with torch_threads(1):
                for i, p in enumerate(paths):
                    X[i] = _embed_files(self, [p], load_sr)[0]
                    bar.update(1)
        bar.close()
        tmp = target.with_name(target.stem + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, X=X)
        os.replace(tmp, target)
        return X

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} dim={self.dim} sr={self.sr}>"


def _embed_files(embedder: Embedder, paths: Sequence[str], load_sr: int) -> np.ndarray:
    """Embeddings of ``paths`` with one math thread, in this process or a worker (see ``embed_paths``)."""
    with torch_threads(1):
        return np.stack([embedder.embed(load_audio(p, sr=load_sr), load_sr, name=p) for p in paths])
