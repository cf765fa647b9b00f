"""Embedders for verification: a feature function as an embedder, and cached embeddings of files.

An *embedder* is anything with ``embed(y, sr) -> 1-D array`` (and ideally ``name``, ``sr``,
``dim``), e.g. :func:`course_utils.embeddings.load_or_train` or :class:`FunctionEmbedder`.
:func:`embed_files` embeds files, optionally after a corruption (noise, a replay channel), and
keeps the result in the course's disk cache (:mod:`course_utils.cache`, content-keyed);
:func:`embedding_table` builds the one table of embeddings per system that chapter 3 works on.

Notebook: 03_speaker_verification § Embeddings for every file, once
"""
from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import librosa
import numpy as np
import pandas as pd

from ..audio import check_audio, load_audio
from ..cache import cached_arrays, entry_path, files_digest, key_of
from ..features import extract_cached
from ..progress import progress_bar

__all__ = ["FunctionEmbedder", "embedder_name", "embed_files", "embedding_table"]


class FunctionEmbedder:
    """Wrap a feature function ``func(y, sr) -> 1-D array`` as an embedder.

    Audio at another rate is resampled to :attr:`sr` first. Example (chapter 1's MFCC
    statistics)::

        from course_utils.features import speaker_features
        mfcc = FunctionEmbedder("mfcc_stats", speaker_features)

    Parameters
    ----------
    name : str
        Stored with voiceprints and used in cache names.
    func : callable
        ``func(y, sr)`` returning a 1-D vector.
    sr : int
        Rate ``func`` expects.
    dim : int, optional
        Embedding size (found by the first call when not given).

    Notebook: 03_speaker_verification § Embeddings for every file, once
    """

    def __init__(self, name: str, func: Callable[[np.ndarray, int], np.ndarray], sr: int = 16000,
                 dim: int | None = None):
        self.name = str(name)
        self.func = func
        self.sr = int(sr)
        self.dim = dim
        self.key = f"function:{name}"

    def embed(self, y: np.ndarray, sr: int, *, name: str = "y") -> np.ndarray:
        """Embedding of one mono signal (resampled to :attr:`sr` when needed)."""
        y = check_audio(y, sr, name=name)
        if sr != self.sr:
            y = librosa.resample(y, orig_sr=sr, target_sr=self.sr, res_type="soxr_hq")
        out = np.asarray(self.func(y, self.sr), dtype=np.float32).reshape(-1)
        self.dim = self.dim or out.size
        return out

    def embed_paths(self, paths: Sequence[str | os.PathLike], sr: int | None = None, *,
                    progress: bool = True) -> np.ndarray:
        """Embeddings ``(n, dim)`` of files, cached by :func:`course_utils.features.extract_cached`."""
        X = extract_cached([str(p) for p in paths], self.func, sr=int(sr or self.sr), name=self.name,
                           progress=progress)
        X = np.asarray(X, dtype=np.float32)
        self.dim = self.dim or X.shape[1]
        return X

    def __repr__(self) -> str:
        return f"<FunctionEmbedder {self.name!r} sr={self.sr}>"


def embedder_name(embedder: Any) -> str:
    """``embedder.name`` or, failing that, its class name.

    Parameters
    ----------
    embedder : object
        Any embedder.

    Returns
    -------
    str
        The name stored with voiceprints and used in cache names.

    Notebook: 03_speaker_verification § Saving and loading a verifier
    """
    return str(getattr(embedder, "name", type(embedder).__name__))


def _seed_of(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def _unchanged(y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
    return y


def _embed_corrupted(embedder: Any, paths: list[str], transform: Callable, transform_key: str, load_sr: int,
                     seed: int, progress: bool) -> np.ndarray:
    """Load, corrupt (a generator seeded by ``seed``, the key and the file name) and embed each file."""
    rows = []
    for p in progress_bar(paths, desc=f"{embedder_name(embedder)} {transform_key}", progress=progress):
        y = load_audio(p, sr=load_sr)
        rng = np.random.default_rng(_seed_of(seed, transform_key, Path(p).name))
        y = transform(y, load_sr, rng)
        rows.append(np.asarray(embedder.embed(y, load_sr), dtype=np.float32).reshape(-1))
    return np.stack(rows) if rows else np.zeros((0, int(getattr(embedder, "dim", 0) or 0)), np.float32)


def embed_files(
    embedder: Any,
    paths: Sequence[str | os.PathLike],
    *,
    transform: Callable[[np.ndarray, int, np.random.Generator], np.ndarray] | None = None,
    transform_key: str | None = None,
    sr: int | None = None,
    seed: int = 0,
    progress: bool = True,
) -> np.ndarray:
    """Embeddings ``(n, dim)`` of audio files, optionally after a corruption, cached on disk.

    Without ``transform`` this is ``embedder.embed_paths(paths)`` when the embedder has it
    (its own cache), else a loop over :func:`course_utils.audio.load_audio`. With a
    ``transform(y, sr, rng) -> y`` (noise, a replay channel, ...) each file is loaded, corrupted
    with a generator seeded from ``seed``, ``transform_key`` and the file name (same run, same
    corruption), and embedded; the result is a :mod:`course_utils.cache` entry keyed by the
    embedder's name and ``key``, ``transform_key``, the files' contents (SHA-256) and ``seed``.

    Parameters
    ----------
    embedder : object
        Anything with ``embed(y, sr)``.
    paths : sequence of str or os.PathLike
        Audio files.
    transform : callable, optional
        ``transform(y, sr, rng) -> y``, the corruption.
    transform_key : str
        Names the corruption and all its parameters (e.g. ``"babble-snr10-<noise digest>"``);
        required with ``transform``, because a function cannot be hashed reliably.
    sr : int, optional
        Rate to load at (default: the embedder's ``sr``, else 16 kHz).
    seed : int
        Seeds the corruptions.
    progress : bool
        Show a progress bar.

    Returns
    -------
    np.ndarray
        float32 ``(n, dim)``.

    Raises
    ------
    AudioError
        A file is missing or unusable (the message names it).

    Notebook: 03_speaker_verification § Noise at several SNRs, and a replay attack
    """
    paths = [str(p) for p in paths]
    load_sr = int(sr or getattr(embedder, "sr", 16000) or 16000)
    if transform is None and hasattr(embedder, "embed_paths"):
        return np.asarray(embedder.embed_paths(paths, load_sr, progress=progress), dtype=np.float32)
    if transform is not None and not transform_key:
        raise ValueError("embed_files: give transform_key (a name for the corruption and its parameters)")
    label = transform_key or "clean"
    key = key_of(embedder_name(embedder), str(getattr(embedder, "key", "")), transform_key, load_sr, seed,
                 files_digest(paths))
    fn = transform or _unchanged
    return cached_arrays(entry_path("verification", f"{embedder_name(embedder)}-{label}", key),
                         lambda: {"X": _embed_corrupted(embedder, paths, fn, label, load_sr, seed, progress)},
                         required=("X",))["X"]


def embedding_table(embedders: Mapping[str, Any], df: pd.DataFrame, masks: Sequence[pd.Series]) -> dict[str, np.ndarray]:
    """One embedding table per system: row ``i`` embeds ``df`` row ``i``, NaN where no mask asked for it.

    Each mask's files are embedded with ``embedder.embed_paths`` (its own cache), mask by mask in
    the order given.

    Parameters
    ----------
    embedders : mapping of str to object
        ``{kind: embedder}``; each needs ``embed_paths`` and ``dim``.
    df : pd.DataFrame
        The corpus, with a ``path`` column.
    masks : sequence of pd.Series
        Boolean row masks of ``df`` (e.g. the evaluation actors, the back-end training files).

    Returns
    -------
    dict of str to np.ndarray
        ``{kind: (len(df), dim) float32}``.

    Notebook: 03_speaker_verification § Embeddings for every file, once
    """
    X = {}
    for kind, emb in embedders.items():
        X[kind] = np.full((len(df), emb.dim), np.nan, dtype=np.float32)
        for mask in masks:
            X[kind][mask.to_numpy()] = emb.embed_paths(df.loc[mask, "path"])
    return X
