"""Where the course keeps data and caches, and how it fixes random seeds.

Used by every notebook (``notebooks/01_speaker_recognition.ipynb`` first).
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np

__all__ = [
    "CHECKPOINT_DIR",
    "repo_root",
    "data_dir",
    "cache_dir",
    "configure_librosa_data",
    "seed_everything",
]

_PACKAGE_DIR = Path(__file__).resolve().parent

#: Shipped model weights (``state_dict`` + JSON) and their manifests, see ``data/README.md``.
CHECKPOINT_DIR = _PACKAGE_DIR / "checkpoints"


def repo_root() -> Path:
    """Return the course checkout that holds this package (editable install), or the CWD.

    Returns
    -------
    Path
        The folder with ``pyproject.toml`` and ``notebooks/``, else the current directory.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    root = _PACKAGE_DIR.parent
    if (root / "pyproject.toml").exists() and (root / "notebooks").is_dir():
        return root
    return Path.cwd()


def data_dir() -> Path:
    """Return ``data/`` of the checkout, where downloads land (created on demand).

    Returns
    -------
    Path
        ``repo_root() / "data"``.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    path = repo_root() / "data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir(*parts: str) -> Path:
    """Return a cache folder, ``$COURSE_CACHE_DIR`` or ``data/cache``, joined with ``parts``.

    The folder is created on demand. Everything in it can be deleted; it is rebuilt.

    Parameters
    ----------
    *parts : str
        Sub-folder names below the cache root.

    Returns
    -------
    Path
        The (existing) folder.

    Notebook: 04_emotion_recognition § 9. A reusable estimator: `EmotionRecognizer`
    """
    base = os.environ.get("COURSE_CACHE_DIR")
    path = Path(base) if base else data_dir() / "cache"
    path = path.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def configure_librosa_data() -> None:
    """Point ``LIBROSA_DATA_DIR`` at a local copy of librosa's examples when there is one.

    Checked: ``$COURSE_DATA_DIR/librosa``, then ``data/librosa``. An explicit
    ``LIBROSA_DATA_DIR`` wins. Runs on ``import course_utils``, before librosa reads the variable.

    Notebook: 06_music_information_retrieval § Chapter 6: Music information retrieval, with ground truth and real recordings
    """
    if os.environ.get("LIBROSA_DATA_DIR"):
        return
    env = os.environ.get("COURSE_DATA_DIR")
    for cand in ([Path(env) / "librosa"] if env else []) + [repo_root() / "data" / "librosa"]:
        if cand.is_dir():
            os.environ["LIBROSA_DATA_DIR"] = str(cand)
            return


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python, NumPy and (if installed) PyTorch; return a fresh ``np.random.Generator``.

    PyTorch is also told to use deterministic algorithms, so a run gives the same numbers.

    Parameters
    ----------
    seed : int
        The seed for every generator.

    Returns
    -------
    np.random.Generator
        ``np.random.default_rng(seed)``.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    random.seed(seed)
    np.random.seed(seed)
    # torch is imported here, not at the top: this module is imported by ``import course_utils``
    # and so by every feature-extraction worker process, which must not pay torch's import time.
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a course requirement
        pass
    else:
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
    return np.random.default_rng(seed)


# Runs on the first import of the package, before librosa reads the variable.
configure_librosa_data()
