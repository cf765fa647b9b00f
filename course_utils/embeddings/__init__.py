"""Speaker embeddings: MFCC statistics, i-vectors, x-vectors (softmax / AAM), d-vectors, resemblyzer.

Taught in ``notebooks/02_speaker_embeddings.ipynb``; used by chapters 3 (verification), 7 and 8.
One call gives a ready embedder::

    from course_utils.embeddings import load_or_train
    emb = load_or_train("xvector_aam")        # trains once (progress bar), then loads from the cache
    X = emb.embed_paths(df.path)              # (n, emb.dim), cached on disk
    v = emb.embed(y, sr)                      # one signal -> 1-D float32

Every kind follows the :class:`Embedder` protocol (``name``, ``sr``, ``dim``, ``embed``,
``embed_paths``). The modules, one concept each:

* :mod:`~.base`: the :class:`Embedder` protocol, audio preparation, log-mel input, the embedding cache;
* :mod:`~.xvector`, :mod:`~.ivector`, :mod:`~.dvector`: the models (:mod:`~.seed_xvector`: the seed
  chapter's x-vector as written, to count it); :mod:`~.train`: their training
  steps (through :func:`course_utils.training.fit`); :mod:`~.embedders`: the six embedder kinds;
* :mod:`~.recipes`: configurations, training set and :func:`~.recipes.train_kind`;
* :mod:`~.shipped`: the shipped checkpoints (``course_utils/checkpoints/``) and their keys;
* :mod:`~.zoo`: :func:`load_or_train` and :func:`model_path`;
* :mod:`~.evaluate` and :mod:`~.fewshot`: quick held-out checks and few-shot enrollment.

This file only re-exports.
"""
from __future__ import annotations

from ..paths import CHECKPOINT_DIR
from .base import MIN_DURATION, SR, Embedder, prepare_audio, speech_log_mel
from .recipes import CONFIGS, KINDS, default_train_df, train_kind
from .shipped import code_digest, portable_key, shipped_checkpoint
from .zoo import build_embedder, load_or_train, model_path

__all__ = [
    "KINDS",
    "CONFIGS",
    "CHECKPOINT_DIR",
    "MIN_DURATION",
    "SR",
    "Embedder",
    "load_or_train",
    "model_path",
    "default_train_df",
    "train_kind",
    "build_embedder",
    "shipped_checkpoint",
    "portable_key",
    "code_digest",
    "prepare_audio",
    "speech_log_mel",
]
