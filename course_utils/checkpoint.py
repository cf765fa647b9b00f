"""Model checkpoints: a torch ``state_dict`` (``.pt``) plus a JSON sidecar, SHA-256 checked, never unpickled.

The one place where the course saves and loads trained weights: the shipped checkpoints in
``course_utils/checkpoints/`` (chapters 2, 3, 5, 7, 8; made by ``scripts/``) and the models a notebook
trains and keeps in the cache (:func:`cached_model`).

What a checkpoint promises:

* the ``.pt`` file is read with ``torch.load(weights_only=True)`` (no code runs), after its SHA-256 is
  compared with the expected one when the caller has it (shipped files: their manifest);
* both files are written atomically (:func:`course_utils.cache.atomic_path`): a failed save leaves the
  old checkpoint intact;
* what is read is validated: every tensor finite, names and shapes as the model expects; a problem
  raises :class:`CheckpointError` naming the file and what is wrong.

Notebook: 02_speaker_embeddings § Training the CPU-sized x-vector
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .cache import CacheWarning, atomic_path, atomic_write_text, file_digest, file_lock
from .paths import CHECKPOINT_DIR

__all__ = [
    "CHECKPOINT_DIR",
    "CheckpointError",
    "save_checkpoint",
    "load_checkpoint",
    "load_into",
    "state_digest",
    "cached_model",
]


class CheckpointError(ValueError):
    """A checkpoint file is missing, altered, truncated or does not fit the model; the message says which.

    Notebook: 02_speaker_embeddings § Training the CPU-sized x-vector
    """


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


def save_checkpoint(path: str | os.PathLike, state: Mapping[str, Any], meta: Mapping[str, Any] | None = None) -> str:
    """Save a ``state_dict`` (tensors or NumPy arrays) and its JSON metadata atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.pt`` file; the sidecar is the same name with ``.json``.
    state : mapping of str to tensor or np.ndarray
        The weights (NumPy arrays are stored as tensors, so every checkpoint is a ``state_dict``).
    meta : mapping, optional
        JSON-able information: configuration, training history, provenance.

    Returns
    -------
    str
        The SHA-256 of the written ``.pt`` file (for a manifest).

    Notebook: 02_speaker_embeddings § Training the CPU-sized x-vector
    """
    import torch

    path = Path(path)
    tensors = {k: (torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) else v)
               for k, v in state.items()}
    with atomic_path(path) as tmp:
        torch.save(tensors, tmp)
    atomic_write_text(_sidecar(path), json.dumps(dict(meta or {}), indent=1, default=str))
    return file_digest(path)


def load_checkpoint(
    path: str | os.PathLike,
    *,
    sha256: str | None = None,
    numpy: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load a checkpoint written by :func:`save_checkpoint` (or shipped), checking it first.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.pt`` file.
    sha256 : str, optional
        Expected SHA-256 of the ``.pt`` file; a different file raises before anything is loaded.
    numpy : bool
        Return NumPy arrays instead of tensors.

    Returns
    -------
    state : dict
        The ``state_dict``.
    meta : dict
        The JSON sidecar (empty if there is none and no ``sha256`` was asked for).

    Raises
    ------
    CheckpointError
        Missing file, SHA-256 mismatch, unreadable or truncated file, non-finite weights, or a
        sidecar that is not a JSON object.

    Notebook: 02_speaker_embeddings § Training the CPU-sized x-vector
    """
    import torch

    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: checkpoint not found")
    if sha256 is not None:
        got = file_digest(path)
        if got != sha256:
            raise CheckpointError(f"{path}: SHA-256 {got[:16]}... does not match the expected {sha256[:16]}...; "
                                  "the file was altered or is another checkpoint (re-create it with its script in scripts/)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises RuntimeError, pickle.UnpicklingError, EOFError, ...
        raise CheckpointError(f"{path}: not a readable state_dict ({type(exc).__name__}: {exc})") from None
    if not isinstance(state, Mapping) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: expected a state_dict (names -> tensors), got {type(state).__name__}")
    bad = [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise CheckpointError(f"{path}: weights {bad[:5]} hold NaN or inf")
    meta: dict[str, Any] = {}
    side = _sidecar(path)
    if side.exists():
        try:
            meta = json.loads(side.read_text())
        except (ValueError, RecursionError) as exc:
            raise CheckpointError(f"{side}: sidecar is not valid JSON ({type(exc).__name__}: {exc})") from None
        if not isinstance(meta, dict):
            raise CheckpointError(f"{side}: sidecar must hold a JSON object, got {type(meta).__name__}")
    if numpy:
        state = {k: v.numpy() for k, v in state.items()}
    return dict(state), meta


def load_into(model, path: str | os.PathLike, *, sha256: str | None = None) -> dict[str, Any]:
    """Load a checkpoint into ``model`` (strictly: same names and shapes) and put it in eval mode.

    Parameters
    ----------
    model : torch.nn.Module
        A network built with the checkpoint's configuration.
    path : str or os.PathLike
        The ``.pt`` file.
    sha256 : str, optional
        Expected SHA-256 (see :func:`load_checkpoint`).

    Returns
    -------
    dict
        The sidecar metadata.

    Raises
    ------
    CheckpointError
        As :func:`load_checkpoint`, or when names or shapes do not fit ``model``.

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """
    state, meta = load_checkpoint(path, sha256=sha256)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise CheckpointError(f"{path}: does not fit {type(model).__name__}: {exc}") from None
    model.eval()
    return meta


def state_digest(state: Mapping[str, Any] | Any, length: int = 16) -> str:
    """Short SHA-256 of weights (names and bytes, in name order): changes whenever a weight does.

    Parameters
    ----------
    state : mapping or torch.nn.Module
        A ``state_dict`` or a model.
    length : int
        Hex digits kept.

    Returns
    -------
    str
        The digest (a cache key for results computed with these weights).

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    h = hashlib.sha256()
    for name, value in sorted(state.items()):
        h.update(name.encode())
        arr = value.detach().cpu().contiguous().numpy() if hasattr(value, "detach") else np.ascontiguousarray(value)
        h.update(arr.tobytes())
    return h.hexdigest()[:length]


def cached_model(path: str | os.PathLike, model, train: Callable[[], Mapping[str, Any]]) -> tuple[dict[str, Any], bool]:
    """Train ``model`` once and keep it at ``path``; later calls load it instead of training.

    ``train()`` trains ``model`` in place and returns JSON-able metadata (e.g. ``{"history": ...}``).
    A cached checkpoint that is unreadable or does not fit ``model`` is retrained and replaced. A lock
    keeps two notebooks from training the same model at once.

    Parameters
    ----------
    path : str or os.PathLike
        Where the checkpoint lives; its name must encode everything the weights depend on (use
        :func:`course_utils.cache.entry_path` with a content key).
    model : torch.nn.Module
        Built, untrained.
    train : callable
        Trains ``model`` and returns its metadata.

    Returns
    -------
    meta : dict
        The metadata ``train`` returned (now or when the checkpoint was made).
    from_cache : bool
        Whether the weights were loaded.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    path = Path(path)
    with file_lock(path):
        if path.exists():
            try:
                return load_into(model, path), True
            except CheckpointError as exc:
                warnings.warn(f"{exc}; retraining", CacheWarning, stacklevel=2)
        meta = dict(train())
        save_checkpoint(path, model.state_dict(), meta)
        model.eval()
        return meta, False
