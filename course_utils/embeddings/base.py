"""The :class:`Embedder` protocol shared by every speaker-embedding kind, with its disk cache.

Taught in ``notebooks/02_speaker_embeddings.ipynb``; used by chapters 3, 7 and 8 through
:func:`course_utils.embeddings.load_or_train`.

Every embedder takes mono audio ``y`` at any rate ``sr``, resamples it to its own rate
(16 kHz), trims leading and trailing silence, and returns one float32 vector. Unusable audio
(empty, silent, NaN, shorter than :data:`MIN_DURATION`) raises
:class:`course_utils.audio.AudioError` with the reason.
"""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from functools import partial

import librosa
import numpy as np

from ..audio import AudioError, check_audio, load_audio
from ..cache import entry_path, files_digest, key_of, load_entry, save_entry
from ..features import log_mel
from ..parallel import map_files, n_jobs_for, torch_threads

__all__ = [
    "MIN_DURATION",
    "SR",
    "Embedder",
    "prepare_audio",
    "speech_log_mel",
    "log_mel_prepared",
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

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    name : str
        Names the audio in error messages.
    target_sr : int
        Rate to resample to.
    top_db : float
        Silence threshold of the trimming (dB below the peak).

    Raises
    ------
    AudioError
        Empty, not mono, NaN/inf, silent, or shorter than :data:`MIN_DURATION` seconds.

    Notebook: 02_speaker_embeddings § Setup
    """
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

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    n_mels : int
        Mel bands.

    Notebook: 02_speaker_embeddings § 2. Training the CPU-sized x-vector
    """
    return log_mel_prepared(prepare_audio(y, sr), n_mels=n_mels)


def log_mel_prepared(y: np.ndarray, n_mels: int = 40) -> np.ndarray:
    """:func:`speech_log_mel` of audio already passed through :func:`prepare_audio` (16 kHz).

    Parameters
    ----------
    y : np.ndarray
        Audio already passed through :func:`prepare_audio` (16 kHz).
    n_mels : int
        Mel bands.

    Notebook: 02_speaker_embeddings § Setup
    """
    S = log_mel(y, SR, n_mels=n_mels)
    return ((S + 40.0) / 20.0).astype(np.float32)


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

    Notebook: 02_speaker_embeddings § Setup
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

        The cache key covers the files' content (:func:`course_utils.cache.files_digest`), the
        loading rate and the model's :attr:`key`, so new weights or changed files recompute. Lists of
        :data:`course_utils.parallel.PARALLEL_MIN_FILES` files or more are shared among worker
        processes, one per core (:func:`course_utils.parallel.map_files`, ``COURSE_N_JOBS``); the
        embeddings are the same either way.

        Parameters
        ----------
        paths : sequence of str or os.PathLike, or one path
            Audio files.
        sr : int, optional
            Rate the files are loaded at (default: :attr:`sr`).
        progress : bool
            Show a progress bar.

        Returns
        -------
        np.ndarray
            ``(len(paths), dim)`` float32.

        Raises
        ------
        AudioError
            A file is missing, unreadable or unusable; the message names it.
        """
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        paths = [str(p) for p in paths]
        load_sr = int(sr or self.sr)
        target = entry_path("embeddings", self.name, key_of(self.key, load_sr, files_digest(paths)))
        got = load_entry(target, required=("X",))
        if got is not None:
            return got["X"]
        # workers get the files in 4 batches each: every batch carries a pickled copy of the model (megabytes
        # for resemblyzer), so small batches would cost more than the embedding itself
        batch = max(8, math.ceil(len(paths) / (4 * n_jobs_for(len(paths)))))
        with torch_threads(1):  # in this process; each worker limits itself in _embed_file
            rows = map_files(partial(_embed_file, self, load_sr), paths, progress=progress,
                             desc=f"embed {self.name}", batch_size=batch)
        X = np.zeros((len(paths), self.dim), dtype=np.float32)
        for i, row in enumerate(rows):
            X[i] = row
        save_entry(target, X=X)
        return X

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} dim={self.dim} sr={self.sr}>"


def _embed_file(embedder: Embedder, load_sr: int, path: str) -> np.ndarray:
    """Embedding of one file with one math thread, in this process or a worker (see ``embed_paths``)."""
    with torch_threads(1):
        return embedder.embed(load_audio(path, sr=load_sr), load_sr, name=path)
