"""One call gives a ready speaker embedder: a shipped checkpoint, the cache, or training once.

Taught in ``notebooks/02_speaker_embeddings.ipynb``; used by chapters 3, 7 and 8::

    from course_utils.embeddings import load_or_train
    emb = load_or_train("xvector_aam")        # trains once (progress bar), then loads from the cache
    X = emb.embed_paths(df.path)              # (n, emb.dim), cached on disk

Trained weights are kept under ``cache_dir("models")`` as a checkpoint
(:func:`course_utils.checkpoint.save_checkpoint`: a ``state_dict`` plus a JSON sidecar with the
configuration and training curves), keyed by kind, configuration, seed, the training files' content
and the training code. Nothing is pickled.
"""
from __future__ import annotations

import warnings
from pathlib import Path

from ..cache import entry_path, file_lock, files_digest, key_of
from ..checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from ..parallel import torch_threads
from .base import Embedder
from .dvector import DVector
from .embedders import DVectorEmbedder, IVectorEmbedder, MFCCStatsEmbedder, ResemblyzerEmbedder, XVectorEmbedder
from .ivector import IVectorExtractor
from .recipes import CONFIGS, KINDS, check_train_df, default_train_df, train_kind
from .shipped import code_digest, shipped_checkpoint
from .xvector import XVector

__all__ = ["model_path", "build_embedder", "load_or_train"]

_NUMPY_KINDS = ("mfcc_stats", "ivector")


def _cache_path(kind: str, train_df, seed: int) -> Path:
    paths = [str(p) for p in train_df["path"]]
    key = key_of(kind, CONFIGS[kind], seed, files_digest(paths), [str(s) for s in train_df["speaker"]],
                 code_digest(), length=16)
    return entry_path("models", kind, key, suffix=".pt")


def model_path(kind: str, train_df=None, *, seed: int = 0) -> Path:
    """Where :func:`load_or_train` keeps (or would keep) the weights of this kind, data and seed.

    Parameters
    ----------
    kind : str
        An embedding kind (not ``"resemblyzer"``).
    train_df : pandas.DataFrame, optional
        Training files; default :func:`course_utils.embeddings.recipes.default_train_df`.
    seed : int
        Training seed.

    Returns
    -------
    pathlib.Path
        The shipped checkpoint when one applies, else the cache entry (a ``.pt`` with a ``.json`` sidecar).

    Notebook: 02_speaker_embeddings § 9. Saving and loading an encoder
    """
    if train_df is None:
        train_df = default_train_df()
    ck = shipped_checkpoint(kind, train_df, seed=seed)
    if ck is not None:
        return Path(ck["path"])
    return _cache_path(kind, train_df, seed)


def build_embedder(kind: str, state: dict, info: dict, key: str) -> Embedder:
    """The :class:`Embedder` of ``kind`` with trained weights ``state``.

    Parameters
    ----------
    kind : str
        An embedding kind (not ``"resemblyzer"``).
    state : dict
        NumPy arrays (``mfcc_stats``, ``ivector``) or a torch ``state_dict``.
    info : dict
        The training information (its ``config`` builds the network).
    key : str
        Identifies the weights in the embedder's cache entries.

    Returns
    -------
    Embedder
        Ready to ``embed``.

    Notebook: 02_speaker_embeddings § 9. Saving and loading an encoder
    """
    if kind == "mfcc_stats":
        return MFCCStatsEmbedder(state["mean"], state["std"], key=key)
    if kind == "ivector":
        return IVectorEmbedder(IVectorExtractor.from_state(state), state["center"], key=key)
    if kind in ("xvector_ce", "xvector_aam"):
        model = XVector(**info["config"])
        model.load_state_dict(state)
        return XVectorEmbedder(model, name=kind, key=key)
    model = DVector(**info["config"])
    model.load_state_dict(state)
    return DVectorEmbedder(model, key=key)


def _from_shipped(kind: str, ck: dict) -> Embedder | None:
    path = Path(ck["path"])
    try:
        state, meta = load_checkpoint(path, sha256=ck["sha256"], numpy=kind in _NUMPY_KINDS)
    except CheckpointError as exc:
        warnings.warn(f"load_or_train: shipped checkpoint fails its check ({exc}); training {kind!r} instead. "
                      "Re-create it with `python scripts/train_embedding_checkpoints.py`.", stacklevel=3)
        return None
    emb = build_embedder(kind, state, meta["info"], ck["key"])
    emb.info = dict(meta["info"], from_cache=True, path=str(path), sha256=ck["sha256"],
                    trained_where="shipped checkpoint, trained by scripts/train_embedding_checkpoints.py")
    emb.history = {k: list(v) for k, v in meta["history"].items()}
    return emb


def load_or_train(kind: str, train_df=None, *, seed: int = 0, progress: bool = True) -> Embedder:
    """A ready :class:`Embedder` of ``kind``: a shipped checkpoint, the cache, or trained once and cached.

    Parameters
    ----------
    kind : str
        One of :data:`course_utils.embeddings.recipes.KINDS`.
    train_df : pandas.DataFrame, optional
        Training files with columns ``path`` and ``speaker``; default ``default_train_df()``
        (RAVDESS actors 1-16, or the synthetic stand-in offline). Ignored for ``"resemblyzer"``.
    seed : int
        Seeds the training (same seed and data give the same weights and the same cache file).
    progress : bool
        Show progress bars while extracting features and training.

    Returns
    -------
    Embedder
        With ``history`` (training curves) and ``info`` (configuration, speakers, training CPU
        seconds, ``"from_cache"``, ``"trained_where"``: shipped checkpoint, trained in this run, or
        loaded from the cache) filled in.

    Notebook: 02_speaker_embeddings § 2. Training the CPU-sized x-vector
    """
    if kind not in KINDS:
        raise ValueError(f"load_or_train: unknown kind {kind!r}; choose one of {KINDS}")
    if kind == "resemblyzer":
        emb = ResemblyzerEmbedder()
        emb.info = dict(kind=kind, from_cache=True, config={})
        return emb
    if train_df is None:
        train_df = default_train_df()
    check_train_df(train_df)
    ck = shipped_checkpoint(kind, train_df, seed=seed)
    emb = _from_shipped(kind, ck) if ck is not None else None
    if emb is not None:
        return emb
    path = _cache_path(kind, train_df, seed)
    with file_lock(path):
        try:
            state, meta = load_checkpoint(path, numpy=kind in _NUMPY_KINDS)
            from_cache = "info" in meta and "history" in meta
        except CheckpointError:
            from_cache = False
        if not from_cache:
            with torch_threads(1):
                state, info, history = train_kind(kind, train_df, seed, progress)
            save_checkpoint(path, state, dict(info=info, history=history))
            state, meta = load_checkpoint(path, numpy=kind in _NUMPY_KINDS)
    emb = build_embedder(kind, state, meta["info"], path.stem)
    emb.info = dict(meta["info"], from_cache=from_cache, path=str(path),
                    trained_where="loaded from the cache" if from_cache else "trained in this run")
    emb.history = {k: list(v) for k, v in meta["history"].items()}
    return emb
