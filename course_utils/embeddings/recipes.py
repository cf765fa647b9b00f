"""The training recipe of every speaker-embedding kind: configurations, training set, training.

Taught in ``notebooks/02_speaker_embeddings.ipynb``. :func:`train_kind` is the one function that
trains a kind; :func:`course_utils.embeddings.load_or_train` calls it in a notebook and
``scripts/train_embedding_checkpoints.py`` calls it to make the shipped checkpoints, so both give
the same weights. Its code (with the modules it trains with) is hashed into the checkpoints' keys
(:func:`course_utils.embeddings.shipped.code_digest`).
"""
from __future__ import annotations

import time

import numpy as np
from torch import nn

from ..datasets import load_ravdess
from ..features import extract_cached, speaker_features
from ..paths import seed_everything
from .base import SR, prepare_audio, speech_log_mel
from .dvector import DVector
from .ivector import IVectorExtractor, mfcc_frames
from .train import train_classifier, train_triplet
from .xvector import SMALL_CONFIG, AAMSoftmax, XVector

__all__ = ["KINDS", "CONFIGS", "default_train_df", "check_train_df", "training_features", "train_kind"]

#: Embedding kinds :func:`course_utils.embeddings.load_or_train` knows, simplest first.
KINDS = ("mfcc_stats", "ivector", "xvector_ce", "xvector_aam", "dvector", "resemblyzer")

#: Training configuration of each kind (part of the cache key: change it and the model retrains).
CONFIGS: dict[str, dict] = {
    "mfcc_stats": dict(),
    "ivector": dict(n_components=64, tv_dim=64, n_iter=6, ubm_frames=40000),
    "xvector_ce": dict(pooling="stats", loss="softmax", n_mels=40, epochs=6, n_frames=120, batch_size=32, lr=3e-3),
    "xvector_aam": dict(pooling="attentive", loss="aam", margin=0.2, scale=30.0, n_mels=40, epochs=6,
                        n_frames=120, batch_size=32, lr=3e-3),
    "dvector": dict(n_mels=40, hidden=128, layers=2, emb_dim=64, pooling="mean", epochs=5, speakers_per_batch=8,
                    utts_per_speaker=4, n_frames=160, margin=0.3, mining="all", lr=3e-3),
    "resemblyzer": dict(),
}


def default_train_df():
    """The course's embedding training set: RAVDESS actors 1-16 (actors 17-24 are never trained on).

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`course_utils.datasets.load_ravdess` (or its synthetic stand-in offline,
        with ``attrs["synthetic"]``) for actors 1-16.

    Notebook: 02_speaker_embeddings § 2. Training the CPU-sized x-vector
    """
    df = load_ravdess(allow_synthetic=True)
    out = df[df["actor"] <= 16].reset_index(drop=True)
    out.attrs.update(df.attrs)
    return out


def check_train_df(train_df) -> None:
    """Refuse a training table without ``path`` and ``speaker`` columns or with fewer than two speakers.

    Parameters
    ----------
    train_df : pandas.DataFrame
        The training files.

    Raises
    ------
    ValueError
        Says what is missing.

    Notebook: 02_speaker_embeddings § 2. Training the CPU-sized x-vector
    """
    missing = [c for c in ("path", "speaker") if c not in getattr(train_df, "columns", [])]
    if missing:
        raise ValueError(f"load_or_train: train_df needs columns 'path' and 'speaker'; missing {missing}")
    if train_df["speaker"].nunique() < 2:
        raise ValueError("load_or_train: train_df must hold at least two speakers")


def training_features(kind: str, train_df, progress: bool):
    """The cached per-file training input of ``kind``: MFCC frames (i-vector) or log-mel (networks).

    Parameters
    ----------
    kind : str
        ``"ivector"``, ``"xvector_ce"``, ``"xvector_aam"`` or ``"dvector"``.
    train_df : pandas.DataFrame
        Training files (column ``path``).
    progress : bool
        Show a progress bar while extracting.

    Returns
    -------
    list of np.ndarray
        One array per file: ``(frames, 40)`` for the i-vector, ``(n_mels, frames)`` for the networks.

    Notebook: 02_speaker_embeddings § 2. Training the CPU-sized x-vector
    """
    paths = list(train_df["path"])
    if kind == "ivector":
        return extract_cached(paths, mfcc_frames, sr=SR, name="ivector-frames", progress=progress)
    feats = extract_cached(paths, speech_log_mel, sr=SR, name="speech-logmel", progress=progress,
                           n_mels=CONFIGS[kind]["n_mels"])
    return list(feats) if isinstance(feats, np.ndarray) else feats


def _mfcc_stats_trimmed(y: np.ndarray, sr: int) -> np.ndarray:
    return speaker_features(prepare_audio(y, sr), SR)


def _train_xvector(cfg: dict, feats, labels, n_speakers: int, seed: int, progress: bool) -> tuple[dict, dict, dict]:
    model = XVector(n_in=cfg["n_mels"], pooling=cfg["pooling"], **SMALL_CONFIG)
    if cfg["loss"] == "aam":
        head = AAMSoftmax(model.config["emb_dim"], n_speakers, margin=cfg["margin"], scale=cfg["scale"])
    else:
        head = nn.Linear(model.config["seg_dim"], n_speakers)
    history = train_classifier(model, head, feats, labels, epochs=cfg["epochs"], n_frames=cfg["n_frames"],
                               batch_size=cfg["batch_size"], lr=cfg["lr"], seed=seed, progress=progress)
    return model.state_dict(), dict(config=model.config), history


def _train_dvector(cfg: dict, feats, labels, seed: int, progress: bool) -> tuple[dict, dict, dict]:
    model = DVector(n_in=cfg["n_mels"], hidden=cfg["hidden"], layers=cfg["layers"], emb_dim=cfg["emb_dim"],
                    pooling=cfg["pooling"])
    history = train_triplet(model, feats, labels, epochs=cfg["epochs"], speakers_per_batch=cfg["speakers_per_batch"],
                            utts_per_speaker=cfg["utts_per_speaker"], n_frames=cfg["n_frames"],
                            margin=cfg["margin"], mining=cfg["mining"], lr=cfg["lr"], seed=seed, progress=progress)
    return model.state_dict(), dict(config=model.config), history


def train_kind(kind: str, train_df, seed: int, progress: bool) -> tuple[dict, dict, dict]:
    """Train one embedding kind with its :data:`CONFIGS` entry on ``train_df``.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS` except ``"resemblyzer"`` (pretrained).
    train_df : pandas.DataFrame
        Training files with columns ``path`` and ``speaker``.
    seed : int
        Seeds everything (same seed and data give the same weights).
    progress : bool
        Show progress bars.

    Returns
    -------
    state : dict
        NumPy arrays (``mfcc_stats``, ``ivector``) or a torch ``state_dict`` (networks).
    info : dict
        JSON-able configuration, speakers, number of files and training CPU seconds.
    history : dict
        Training curves, one list per quantity.

    Notebook: 02_speaker_embeddings § 2. Training the CPU-sized x-vector
    """
    cfg = CONFIGS[kind]
    seed_everything(seed)
    speakers = sorted(set(map(str, train_df["speaker"])))
    labels = np.array([speakers.index(str(s)) for s in train_df["speaker"]])
    t0 = time.process_time()
    if kind == "mfcc_stats":
        X = extract_cached(list(train_df["path"]), _mfcc_stats_trimmed, sr=SR, name="mfcc-stats-trimmed",
                           progress=progress)
        state = dict(mean=X.mean(0).astype(np.float32), std=(X.std(0) + 1e-6).astype(np.float32))
        info = dict(config=dict(n_mfcc=20))
        history = {}
    elif kind == "ivector":
        frames = training_features(kind, train_df, progress)
        ext = IVectorExtractor(seed=seed, **cfg).fit(frames, progress=progress)
        W = ext.transform(frames)
        state = dict(ext.state(), center=W.mean(0))
        info = dict(config=cfg)
        history = ext.history
    elif kind in ("xvector_ce", "xvector_aam"):
        state, info, history = _train_xvector(cfg, training_features(kind, train_df, progress), labels,
                                              len(speakers), seed, progress)
    elif kind == "dvector":
        state, info, history = _train_dvector(cfg, training_features(kind, train_df, progress), labels, seed, progress)
    else:
        raise ValueError(f"train_kind: cannot train {kind!r}; choose one of {KINDS[:-1]}")
    info.update(kind=kind, seed=seed, speakers=speakers, n_train_files=int(len(train_df)),
                train_cpu_seconds=round(time.process_time() - t0, 1))
    return state, info, history
