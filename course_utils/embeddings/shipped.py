"""Shipped speaker-embedding checkpoints: which training run a checkpoint is, and whether it applies.

Taught in ``notebooks/02_speaker_embeddings.ipynb`` (§ 9). For the real RAVDESS training sets
(actors 1-16, and the development models on actors 1-12 used by chapter 3's back-end/fusion
choices), ``course_utils/checkpoints/`` holds the weights trained by
``scripts/train_embedding_checkpoints.py`` with exactly the code and configuration of
:mod:`course_utils.embeddings.recipes` (the script reproduces them bit for bit: ``--check``).
:func:`course_utils.embeddings.load_or_train` uses one only when kind, configuration, seed,
training files (by actor folder and file name) and the training code all match
(:func:`portable_key`), after verifying its SHA-256. The weights are derived from RAVDESS
(CC BY-NC-SA 4.0).

The training code enters the key through :func:`code_digest`: the source of the modules and
functions that training runs, parsed with :mod:`ast` and printed back without docstrings and
comments, so that documentation and formatting changes do not unkey the checkpoints while any
change to what the code does does.
"""
from __future__ import annotations

import ast
import hashlib
import inspect
import json
import textwrap
from functools import lru_cache
from pathlib import Path

from .. import corruptions, features, paths, training
from ..paths import CHECKPOINT_DIR, cache_dir
from . import base, dvector, ivector, recipes, train, xvector
from .recipes import CONFIGS, KINDS, default_train_df

__all__ = ["CHECKPOINT_DIR", "MANIFEST_NAME", "training_code", "code_digest", "portable_key", "is_synthetic",
           "shipped_checkpoint"]

#: The manifest of the shipped checkpoints, in :data:`CHECKPOINT_DIR`.
MANIFEST_NAME = "embeddings_manifest.json"


def training_code() -> list:
    """The modules and functions whose code determines the trained weights, in hashing order.

    Returns
    -------
    list
        Modules (hashed whole) and functions (hashed alone, so that unrelated changes to the rest
        of their module do not unkey the checkpoints).

    Notebook: 02_speaker_embeddings § 9. Saving and loading an encoder
    """
    return [
        xvector, ivector, dvector, train, recipes, training,
        base.prepare_audio, base.speech_log_mel, base.log_mel_prepared,
        features.frame_params, features._pad_to, features._mel_basis, features._mel_power, features.mfcc,
        features.deltas, features.log_mel, features.speaker_features, features.frame_mfcc,
        corruptions.spec_augment, paths.seed_everything,
    ]


class _StripDocs(ast.NodeTransformer):
    """Remove docstrings and ``__all__`` assignments (documentation, not behaviour)."""

    def _strip(self, node):
        self.generic_visit(node)
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        body = [n for n in body if not (isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign))
                                        and "__all__" in ast.unparse(n).split("=")[0])]
        node.body = body or [ast.Pass()]
        return node

    visit_Module = visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _strip


def _normalised_source(obj) -> str:
    tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
    return ast.unparse(_StripDocs().visit(tree))


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Digest of the training code (:func:`training_code`), blind to docstrings, comments and layout.

    Returns
    -------
    str
        12 hex digits of a SHA-256 over each object's name and normalised source.

    Notebook: 02_speaker_embeddings § 9. Saving and loading an encoder
    """
    h = hashlib.sha256()
    for obj in training_code():
        h.update(f"{getattr(obj, '__qualname__', obj.__name__)}\n".encode())
        h.update(_normalised_source(obj).encode())
    return h.hexdigest()[:12]


def portable_key(kind: str, train_df, seed: int = 0) -> str:
    """Machine-independent identity of a training run.

    Kind, configuration, seed, training code (:func:`code_digest`) and the training files named by
    ``<actor folder>/<file stem>`` (so a 48 kHz WAV and a 16 kHz FLAC copy of RAVDESS give the same
    key) with their speakers, in order.

    Parameters
    ----------
    kind : str
        An embedding kind.
    train_df : pandas.DataFrame
        Training files (columns ``path``, ``speaker``).
    seed : int
        Training seed.

    Returns
    -------
    str
        ``"<kind>-<16 hex digits>"``.

    Notebook: 02_speaker_embeddings § 9. Saving and loading an encoder
    """
    ids = [f"{Path(p).parent.name}/{Path(p).stem}" for p in train_df["path"]]
    payload = [kind, CONFIGS[kind], seed, ids, [str(s) for s in train_df["speaker"]], code_digest()]
    return f"{kind}-{hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()[:16]}"


def is_synthetic(train_df) -> bool:
    """Whether ``train_df`` is the synthetic stand-in corpus (never matched to a shipped checkpoint).

    Parameters
    ----------
    train_df : pandas.DataFrame
        Training files.

    Returns
    -------
    bool
        ``attrs["synthetic"]`` is set, or its first file lies in the synthetic cache folder.

    Notebook: 02_speaker_embeddings § 9. Saving and loading an encoder
    """
    if getattr(train_df, "attrs", {}).get("synthetic"):
        return True
    synth_root = str(cache_dir("synthetic").resolve())
    return any(str(Path(p).resolve()).startswith(synth_root) for p in list(train_df["path"])[:1])


def shipped_checkpoint(kind: str, train_df=None, *, seed: int = 0) -> dict | None:
    """The manifest entry of a shipped checkpoint trained on exactly ``train_df``, or ``None``.

    ``None`` for the synthetic corpus, other training files, another seed, or when the training code
    or configuration changed since the checkpoint was made (then ``load_or_train`` trains).

    Parameters
    ----------
    kind : str
        An embedding kind.
    train_df : pandas.DataFrame, optional
        Training files; default :func:`course_utils.embeddings.recipes.default_train_df`.
    seed : int
        Training seed.

    Returns
    -------
    dict or None
        The entry (``kind``, ``file``, ``key``, ``sha256``, ...) with ``path`` added.

    Notebook: 02_speaker_embeddings § 9. Saving and loading an encoder
    """
    folder = Path(CHECKPOINT_DIR)
    manifest = folder / MANIFEST_NAME
    if kind not in KINDS or kind == "resemblyzer" or not manifest.exists():
        return None
    if train_df is None:
        train_df = default_train_df()
    if len(train_df) == 0 or is_synthetic(train_df):
        return None
    key = portable_key(kind, train_df, seed)
    for entry in json.loads(manifest.read_text())["checkpoints"]:
        if entry["key"] == key:
            return dict(entry, path=str(folder / entry["file"]))
    return None
