"""Speaker embeddings: MFCC statistics, i-vectors, x-vectors (softmax / AAM), d-vectors, resemblyzer.

Taught in ``notebooks/02_speaker_embeddings.ipynb``; used by chapters 3 (verification),
7 and 8. One call gives a ready embedder::

    from course_utils.embeddings import load_or_train
    emb = load_or_train("xvector_aam")        # trains once (progress bar), then loads from the cache
    X = emb.embed_paths(df.path)              # (n, emb.dim), cached on disk
    v = emb.embed(y, sr)                      # one signal -> 1-D float32

Every kind follows the :class:`Embedder` protocol (``name``, ``sr``, ``dim``, ``embed``,
``embed_paths``). Trained weights are kept under ``cache_dir("models")`` as a torch
``state_dict`` (``.pt``) or NPZ plus a JSON sidecar (configuration and training curves), keyed by
kind, training files, seed and the code that trains them. Nothing is pickled.

**Shipped checkpoints.** For the real RAVDESS training sets (actors 1-16, and the development
models on actors 1-12 used by chapter 3's back-end/fusion choices), ``course_utils/checkpoints/``
holds the weights trained by ``scripts/train_embedding_checkpoints.py`` with exactly the code and
configuration below (the script reproduces them bit for bit: ``--check``). :func:`load_or_train`
uses one only when kind, configuration, seed, training files (by actor folder and file name) and the
training code all match, after verifying its SHA-256; otherwise (synthetic corpus, other files,
changed code) it trains as before. The weights are derived from RAVDESS (CC BY-NC-SA 4.0).
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import time
from pathlib import Path

import numpy as np

from ..paths import CHECKPOINT_DIR, sha256_file
from .base import MIN_DURATION, SR, Embedder, file_stamp, prepare_audio, speech_log_mel, torch_threads

__all__ = [
    "KINDS",
    "CHECKPOINT_DIR",
    "shipped_checkpoint",
    "CONFIGS",
    "MIN_DURATION",
    "Embedder",
    "load_or_train",
    "default_train_df",
    "model_path",
    "prepare_audio",
    "speech_log_mel",
]

#: Embedding kinds :func:`load_or_train` knows, simplest first.
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


def portable_key(kind: str, train_df, seed: int = 0) -> str:
    """Machine-independent identity of a training run: kind, configuration, seed, training code and
    the training files named by ``<actor folder>/<file stem>`` (so a 48 kHz WAV and a 16 kHz FLAC copy
    of RAVDESS give the same key) with their speakers, in order."""
    ids = [f"{Path(p).parent.name}/{Path(p).stem}" for p in train_df["path"]]
    payload = [kind, CONFIGS[kind], seed, ids, [str(s) for s in train_df["speaker"]], _code_digest()]
    return f"{kind}-{hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()[:16]}"


def _is_synthetic(train_df) -> bool:
    if getattr(train_df, "attrs", {}).get("synthetic"):
        return True
    from ..paths import cache_dir

    synth_root = str(cache_dir("synthetic").resolve())
    return any(str(Path(p).resolve()).startswith(synth_root) for p in list(train_df["path"])[:1])


def shipped_checkpoint(kind: str, train_df=None, *, seed: int = 0) -> dict | None:
    """The manifest entry of a shipped checkpoint trained on exactly ``train_df``, or ``None``.

    ``None`` for the synthetic corpus, other training files, another seed, or when the training code
    or configuration changed since the checkpoint was made (then :func:`load_or_train` trains).
    """
    manifest = CHECKPOINT_DIR / "embeddings_manifest.json"
    if kind not in KINDS or kind == "resemblyzer" or not manifest.exists():
        return None
    if train_df is None:
        train_df = default_train_df()
    if len(train_df) == 0 or _is_synthetic(train_df):
        return None
    key = portable_key(kind, train_df, seed)
    for entry in json.loads(manifest.read_text())["checkpoints"]:
        if entry["key"] == key:
            return dict(entry, path=str(CHECKPOINT_DIR / entry["file"]))
    return None


def default_train_df():
    """The course's embedding training set: RAVDESS actors 1-16 (actors 17-24 are never trained on)."""
    from ..datasets import load_ravdess

    df = load_ravdess(allow_synthetic=True)
    out = df[df["actor"] <= 16].reset_index(drop=True)
    out.attrs.update(df.attrs)
    return out


def _code_digest() -> str:
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("base.py", "xvector.py", "ivector.py", "dvector.py", "train.py", "embedders.py"):
        h.update((here / name).read_bytes())
    h.update(inspect.getsource(_train).encode())
    return h.hexdigest()[:12]


def _model_key(kind: str, train_df, seed: int) -> str:
    if kind == "resemblyzer":
        return "resemblyzer-pretrained"
    paths = [str(p) for p in train_df["path"]]
    payload = [kind, CONFIGS[kind], seed, file_stamp(paths), [str(s) for s in train_df["speaker"]], _code_digest()]
    return f"{kind}-{hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()[:16]}"


def model_path(kind: str, train_df=None, *, seed: int = 0) -> Path:
    """Where :func:`load_or_train` keeps (or would keep) the weights of this kind/data/seed."""
    from ..paths import cache_dir

    if train_df is None:
        train_df = default_train_df()
    ck = shipped_checkpoint(kind, train_df, seed=seed)
    if ck is not None:
        return Path(ck["path"])
    return _cache_path(kind, train_df, seed)


def _cache_path(kind: str, train_df, seed: int) -> Path:
    from ..paths import cache_dir

    ext = ".pt" if kind in ("xvector_ce", "xvector_aam", "dvector") else ".npz"
    return cache_dir("models") / f"{_model_key(kind, train_df, seed)}{ext}"


@contextlib.contextmanager
def _lock(path: Path):
    import fcntl

    with open(path.with_suffix(path.suffix + ".lock"), "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # another notebook may be training the same model
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check_train_df(train_df) -> None:
    missing = [c for c in ("path", "speaker") if c not in getattr(train_df, "columns", [])]
    if missing:
        raise ValueError(f"load_or_train: train_df needs columns 'path' and 'speaker'; missing {missing}")
    if train_df["speaker"].nunique() < 2:
        raise ValueError("load_or_train: train_df must hold at least two speakers")


def _features(kind: str, train_df, progress: bool):
    from ..features import extract_cached
    from .ivector import mfcc_frames

    paths = list(train_df["path"])
    if kind == "ivector":
        return extract_cached(paths, mfcc_frames, sr=SR, name="ivector-frames", progress=progress)
    feats = extract_cached(paths, speech_log_mel, sr=SR, name="speech-logmel", progress=progress,
                           n_mels=CONFIGS[kind]["n_mels"])
    return list(feats) if isinstance(feats, np.ndarray) else feats


def _train(kind: str, train_df, seed: int, progress: bool) -> tuple[dict, dict, dict]:
    """Train ``kind``; return (arrays or state_dict, JSON-able info, history)."""
    import torch
    from torch import nn

    from ..paths import seed_everything
    from .dvector import DVector
    from .ivector import IVectorExtractor
    from .train import train_classifier, train_triplet
    from .xvector import AAMSoftmax, XVector, SMALL_CONFIG

    cfg = CONFIGS[kind]
    seed_everything(seed)
    speakers = sorted(set(map(str, train_df["speaker"])))
    labels = np.array([speakers.index(str(s)) for s in train_df["speaker"]])
    t0 = time.process_time()
    if kind == "mfcc_stats":
        from ..features import extract_cached, speaker_features

        def mfcc_stats_trimmed(y, sr):
            return speaker_features(prepare_audio(y, sr), SR)

        X = extract_cached(list(train_df["path"]), mfcc_stats_trimmed, sr=SR, name="mfcc-stats-trimmed", progress=progress)
        state = dict(mean=X.mean(0).astype(np.float32), std=(X.std(0) + 1e-6).astype(np.float32))
        info = dict(config=dict(n_mfcc=20))
        history = {}
    elif kind == "ivector":
        frames = _features(kind, train_df, progress)
        ext = IVectorExtractor(seed=seed, **cfg).fit(frames, progress=progress)
        W = ext.transform(frames)
        state = dict(ext.state(), center=W.mean(0))
        info = dict(config=cfg)
        history = ext.history
    elif kind in ("xvector_ce", "xvector_aam"):
        feats = _features(kind, train_df, progress)
        model = XVector(n_in=cfg["n_mels"], pooling=cfg["pooling"], **SMALL_CONFIG)
        if cfg["loss"] == "aam":
            head = AAMSoftmax(model.config["emb_dim"], len(speakers), margin=cfg["margin"], scale=cfg["scale"])
        else:
            head = nn.Linear(model.config["seg_dim"], len(speakers))
        history = train_classifier(model, head, feats, labels, epochs=cfg["epochs"], n_frames=cfg["n_frames"],
                                   batch_size=cfg["batch_size"], lr=cfg["lr"], seed=seed, progress=progress)
        state = model.state_dict()
        info = dict(config=model.config)
    elif kind == "dvector":
        feats = _features(kind, train_df, progress)
        model = DVector(n_in=cfg["n_mels"], hidden=cfg["hidden"], layers=cfg["layers"], emb_dim=cfg["emb_dim"],
                        pooling=cfg["pooling"])
        history = train_triplet(model, feats, labels, epochs=cfg["epochs"], speakers_per_batch=cfg["speakers_per_batch"],
                                utts_per_speaker=cfg["utts_per_speaker"], n_frames=cfg["n_frames"],
                                margin=cfg["margin"], mining=cfg["mining"], lr=cfg["lr"], seed=seed, progress=progress)
        state = model.state_dict()
        info = dict(config=model.config)
    else:  # pragma: no cover - guarded by load_or_train
        raise ValueError(kind)
    info.update(kind=kind, seed=seed, speakers=speakers, n_train_files=int(len(train_df)),
                train_cpu_seconds=round(time.process_time() - t0, 1))
    return state, info, history


def _build(kind: str, state, info: dict, key: str) -> Embedder:
    from .dvector import DVector
    from .embedders import DVectorEmbedder, IVectorEmbedder, MFCCStatsEmbedder, XVectorEmbedder
    from .ivector import IVectorExtractor
    from .xvector import XVector

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


def load_or_train(kind: str, train_df=None, *, seed: int = 0, progress: bool = True) -> Embedder:
    """A ready :class:`Embedder` of ``kind``: loaded from the cache, or trained once and cached.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    train_df : pandas.DataFrame, optional
        Training files with columns ``path`` and ``speaker``; default :func:`default_train_df`
        (RAVDESS actors 1-16, or the synthetic stand-in offline). Ignored for ``"resemblyzer"``.
    seed : int
        Seeds the training (same seed and data give the same weights and the same cache file).
    progress : bool
        Show ``tqdm`` progress bars while extracting features and training.

    Returns
    -------
    Embedder
        With ``history`` (training curves) and ``info`` (configuration, speakers, training CPU
        seconds, ``"from_cache"``, ``"trained_where"``: shipped checkpoint, trained in this run, or
        loaded from the cache) filled in.
    """
    if kind not in KINDS:
        raise ValueError(f"load_or_train: unknown kind {kind!r}; choose one of {KINDS}")
    if kind == "resemblyzer":
        from .embedders import ResemblyzerEmbedder

        emb = ResemblyzerEmbedder()
        emb.info = dict(kind=kind, from_cache=True, config={})
        return emb
    if train_df is None:
        train_df = default_train_df()
    _check_train_df(train_df)
    ck = shipped_checkpoint(kind, train_df, seed=seed)
    if ck is not None:
        path = Path(ck["path"])
        digest = sha256_file(path) if path.exists() else "missing"
        if digest == ck["sha256"]:
            import torch

            state = torch.load(path, map_location="cpu", weights_only=True)
            if kind in ("mfcc_stats", "ivector"):
                state = {k: v.numpy() for k, v in state.items()}
            meta = json.loads(path.with_suffix(".json").read_text())
            emb = _build(kind, state, meta["info"], ck["key"])
            emb.info = dict(meta["info"], from_cache=True, path=str(path), sha256=digest,
                            trained_where="shipped checkpoint, trained by scripts/train_embedding_checkpoints.py")
            emb.history = {k: list(v) for k, v in meta["history"].items()}
            return emb
        import warnings

        warnings.warn(f"load_or_train: shipped checkpoint {path} fails its SHA-256 check ({digest[:12]} != "
                      f"{ck['sha256'][:12]}); training {kind!r} instead. Re-create it with "
                      "`python scripts/train_embedding_checkpoints.py`.", stacklevel=2)
    path = _cache_path(kind, train_df, seed)
    key = path.stem
    sidecar = path.with_suffix(".json")
    with _lock(path):
        from_cache = path.exists() and sidecar.exists()
        if not from_cache:
            with torch_threads(1):
                state, info, history = _train(kind, train_df, seed, progress)
            tmp = path.with_name(path.stem + f".{os.getpid()}.tmp{path.suffix}")
            if path.suffix == ".pt":
                import torch

                torch.save(state, tmp)
            else:
                np.savez(tmp, **state)
            os.replace(tmp, path)
            sidecar.write_text(json.dumps(dict(info=info, history=history), indent=1))
        meta = json.loads(sidecar.read_text())
        if path.suffix == ".pt":
            import torch

            state = torch.load(path, map_location="cpu", weights_only=True)
        else:
            with np.load(path, allow_pickle=False) as z:
                state = {k: z[k] for k in z.files}
    emb = _build(kind, state, meta["info"], key)
    emb.info = dict(meta["info"], from_cache=from_cache, path=str(path),
                    trained_where="loaded from the cache" if from_cache else "trained in this run")
    emb.history = {k: list(v) for k, v in meta["history"].items()}
    return emb
