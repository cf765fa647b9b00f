"""One network per cross-validation fold: the shipped checkpoints (real ESC-10) or short live training.

``scripts/train_ch09_cnn.py`` trains, for each test fold ``k``, a network on the three folds that are
neither ``k`` nor its validation fold ``k % 5 + 1`` (which picks the epoch by early stopping), and
writes ``course_utils/checkpoints/ch09_<kind>_fold<k>.pt`` plus ``ch09_manifest.json`` (SHA-256 of
every file, the recipe, and a digest of the ESC-10 files it was trained on). The notebook loads a
fold's checkpoint only if that digest matches the data it has; otherwise (other data, the synthetic
fallback) it trains a short version of each fold's network itself.

Notebook: 09_sound_classification § Cross-validating the network: one checkpoint per fold
"""
from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import torch

from ..cache import entry_path, files_digest, key_of
from ..checkpoint import CheckpointError, cached_model, load_into
from ..paths import CHECKPOINT_DIR
from .data import check_fold_split
from .networks import AudioTransformer, EscCNN, ResNetSmall
from .training import Recipe, predict_proba, train_network

__all__ = ["MANIFEST", "KINDS", "validation_fold", "make_network", "data_digest", "fold_indices", "fold_models",
           "predict_folds", "live_model", "live_steps"]

#: The manifest of the shipped per-fold checkpoints.
MANIFEST = CHECKPOINT_DIR / "ch09_manifest.json"
#: Network kinds and their recipes: the main CNN, the same CNN without augmentation.
KINDS = {"cnn": Recipe(epochs=40, patience=None),
         "cnn_plain": Recipe(epochs=40, alpha=None, spec=False, shift=False, patience=None)}
#: The short recipe the notebook trains per fold when no shipped checkpoint fits the data.
LIVE_STEPS = 40


def validation_fold(test_fold: int) -> int:
    """The fold that chooses the epoch for test fold ``test_fold``: the next one, cyclically (5 -> 1).

    Parameters
    ----------
    test_fold : int
        1-5.

    Returns
    -------
    int
        ``test_fold % 5 + 1``.

    Notebook: 09_sound_classification § Cross-validating the network: one checkpoint per fold
    """
    if test_fold not in range(1, 6):
        raise ValueError(f"validation_fold: test_fold must be 1-5, got {test_fold}")
    return test_fold % 5 + 1


def make_network(kind: str) -> torch.nn.Module:
    """A fresh network of a kind of :data:`KINDS` (``"cnn"``, ``"cnn_plain"``: :class:`EscCNN`).

    Parameters
    ----------
    kind : str
        The network kind; ``"resnet"`` and ``"ast"`` are also accepted.

    Returns
    -------
    torch.nn.Module
        Untrained.

    Notebook: 09_sound_classification § Cross-validating the network: one checkpoint per fold
    """
    if kind in ("cnn", "cnn_plain"):
        return EscCNN()
    if kind == "resnet":
        return ResNetSmall()
    if kind == "ast":
        return AudioTransformer()
    raise ValueError(f"make_network: unknown kind {kind!r}; expected one of {list(KINDS) + ['resnet', 'ast']}")


def data_digest(df: pd.DataFrame) -> str:
    """Content key of the clips (SHA-256 of their bytes) with their folds and labels.

    Parameters
    ----------
    df : pd.DataFrame
        The ESC-10 table.

    Returns
    -------
    str
        A short hex key.

    Notebook: 09_sound_classification § Cross-validating the network: one checkpoint per fold
    """
    return key_of(files_digest(df["path"]), list(df["fold"]), list(df["class_id"]))


def fold_indices(df: pd.DataFrame, test_fold: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions of the training, validation and test clips of one fold (protocol checked).

    Parameters
    ----------
    df : pd.DataFrame
        The ESC-10 table.
    test_fold : int
        The held-out fold.

    Returns
    -------
    tuple of np.ndarray
        ``train``, ``validation``, ``test``.

    Notebook: 09_sound_classification § Cross-validating the network: one checkpoint per fold
    """
    folds = df["fold"].to_numpy()
    val = validation_fold(test_fold)
    tr, va, te = (np.flatnonzero((folds != test_fold) & (folds != val)), np.flatnonzero(folds == val),
                  np.flatnonzero(folds == test_fold))
    check_fold_split(df, tr, te)
    check_fold_split(df, va, te)
    return tr, va, te


def _shipped(kind: str, digest: str) -> dict | None:
    if not MANIFEST.exists():
        return None
    manifest = json.loads(MANIFEST.read_text())
    entry = manifest.get(kind)
    return entry if entry and entry.get("data") == digest else None


def fold_models(df: pd.DataFrame, X: np.ndarray, kind: str = "cnn", *, progress: bool = True) -> tuple[dict, str]:
    """One trained network per test fold, trained on the four other folds: shipped (SHA-256 checked)
    when they were trained on this very data, else trained here for :data:`LIVE_STEPS` steps per fold
    (kept in the cache).

    Parameters
    ----------
    df : pd.DataFrame
        The ESC-10 table (or its synthetic fallback).
    X : np.ndarray
        Normalised log-mels, one per row of ``df``.
    kind : str
        A key of :data:`KINDS`.
    progress : bool
        Progress bars while training.

    Returns
    -------
    models : dict of int to torch.nn.Module
        Test fold -> network (eval mode).
    origin : str
        ``"shipped"`` or ``"trained here"``.

    Notebook: 09_sound_classification § Cross-validating the network: one checkpoint per fold
    """
    if kind not in KINDS:
        raise ValueError(f"fold_models: kind must be one of {list(KINDS)}, got {kind!r}")
    digest = data_digest(df)
    entry = _shipped(kind, digest)
    y = df["class_id"].to_numpy()
    models = {}
    for fold in sorted(set(df["fold"])):
        model = make_network(kind)
        if entry is not None:
            name = f"ch09_{kind}_fold{fold}.pt"
            if name not in entry["files"]:
                raise CheckpointError(f"{MANIFEST} lists no {name}")
            load_into(model, CHECKPOINT_DIR / name, sha256=entry["files"][name])
        else:
            tr, va, _ = fold_indices(df, fold)
            tr = np.sort(np.concatenate([tr, va]))  # as the shipped ones: every fold but the test fold
            recipe = KINDS[kind]
            path = entry_path("models", f"ch09_{kind}_fold{fold}", key_of(digest, repr(recipe), LIVE_STEPS), ".pt")
            cached_model(path, model, lambda m=model, tr=tr: {"history": train_network(
                m, X[tr], y[tr], recipe, seed=fold, max_steps=LIVE_STEPS, progress=progress, desc=f"fold {fold}")})
        models[fold] = model.eval()
    return models, "shipped" if entry is not None else "trained here"


def predict_folds(df: pd.DataFrame, X: np.ndarray, models: dict) -> pd.DataFrame:
    """Each clip scored by the network of its own (held-out) fold.

    Parameters
    ----------
    df : pd.DataFrame
        The ESC-10 table.
    X : np.ndarray
        Normalised log-mels.
    models : dict of int to torch.nn.Module
        From :func:`fold_models`.

    Returns
    -------
    pd.DataFrame
        One row per fold: ``split``, ``accuracy``, ``index``, ``predicted`` (as
        :func:`~course_utils.sound_events.baselines.cross_validate`).

    Notebook: 09_sound_classification § Cross-validating the network: one checkpoint per fold
    """
    y = df["class_id"].to_numpy()
    rows = []
    for fold, model in sorted(models.items()):
        te = np.flatnonzero(df["fold"].to_numpy() == fold)
        pred = predict_proba(model, X[te]).argmax(1)
        rows.append(dict(split=fold, accuracy=float(np.mean(pred == y[te])), index=te, predicted=pred))
    return pd.DataFrame(rows)


def live_steps(df: pd.DataFrame) -> dict[str, int]:
    """Steps of the notebook's live runs: 150 (small CNN) and 600 (AST, about the same CPU time) on
    ESC-10; 40 and 160 on the synthetic fallback, so that the offline run stays short.

    Parameters
    ----------
    df : pd.DataFrame
        The clip table (``attrs["synthetic"]``).

    Returns
    -------
    dict of str to int
        ``{"cnn": ..., "ast": ...}``.

    Notebook: 09_sound_classification § A log-mel CNN with attention pooling
    """
    return {"cnn": 40, "ast": 160} if df.attrs.get("synthetic", False) else {"cnn": 150, "ast": 600}


def live_model(name: str, model: torch.nn.Module, X: np.ndarray, y: np.ndarray, recipe: Recipe, *, max_steps: int,
               seed: int = 0, key: str = "", progress: bool = True) -> tuple[dict, bool]:
    """Train ``model`` for ``max_steps`` steps (the notebook's short live runs), kept in the cache.

    Parameters
    ----------
    name : str
        Readable part of the cache entry.
    model : torch.nn.Module
        Built, untrained.
    X, y : np.ndarray
        Normalised log-mels and labels.
    recipe : Recipe
        Training recipe.
    max_steps : int
        Steps to train.
    seed : int
        Seed.
    key : str
        Anything else the weights depend on (e.g. :func:`data_digest` and the split).
    progress : bool
        Progress bar.

    Returns
    -------
    meta : dict
        ``history`` and ``cpu_seconds`` (the CPU time training took when it ran).
    from_cache : bool
        Whether the weights came from the cache.

    Notebook: 09_sound_classification § A log-mel CNN with attention pooling
    """
    path = entry_path("models", f"ch09_{name}", key_of(key, repr(recipe), max_steps, seed, repr(model)), ".pt")

    def train():
        start = time.process_time()
        history = train_network(model, X, y, recipe, seed=seed, max_steps=max_steps, progress=progress, desc=name)
        return {"history": history, "cpu_seconds": time.process_time() - start}

    return cached_model(path, model, train)
