"""Find a dataset: ``$COURSE_DATA_DIR``, ``data/``, a download, or (if allowed) the synthetic stand-in.

Introduced in ``notebooks/01_speaker_recognition.ipynb``.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .checks import validated
from .core import NAMES, DatasetError, DataSource, data_root, offline
from .fallback import show_banner, synthetic_root
from .fetching import download

__all__ = ["locate", "finish_table"]


def locate(name: str, *, download_missing: bool = True, allow_synthetic: bool = False) -> DataSource:
    """Find dataset ``name`` following the package's lookup order.

    Parameters
    ----------
    name : str
        ``"ravdess"``, ``"fsdd"``, ``"librispeech"``, ``"esc10"`` or ``"speech_commands"``.
    download_missing : bool
        Download the dataset when no local copy exists (unless ``$COURSE_OFFLINE`` is set).
    allow_synthetic : bool
        Fall back to the synthetic stand-in instead of raising.

    Returns
    -------
    DataSource
        The folder found, and where it came from.

    Raises
    ------
    DatasetError
        The dataset is incomplete or malformed, or absent with no fallback allowed.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    if name not in NAMES:
        raise ValueError(f"unknown dataset {name!r}; choose from {sorted(NAMES)}")
    env = os.environ.get("COURSE_DATA_DIR")
    if env and (Path(env) / name).is_dir():
        return DataSource(name, validated(name, Path(env) / name), False, "COURSE_DATA_DIR")
    local = data_root() / name
    if local.is_dir() and any(local.iterdir()):
        return DataSource(name, validated(name, local), False, "data/")
    reason = "COURSE_OFFLINE is set" if offline() else "download disabled"
    if download_missing and not offline():
        try:
            return DataSource(name, download(name), False, "download")
        except DatasetError as exc:
            reason = str(exc)
    if not allow_synthetic:
        raise DatasetError(
            f"{name}: not found in $COURSE_DATA_DIR/{name} or {local}, and not downloaded ({reason}). "
            f"Run `python -m course_utils.datasets fetch --only {name}` or set COURSE_DATA_DIR."
        )
    return DataSource(name, synthetic_root(name), True, "synthetic")


def finish_table(rows: list[dict], source: DataSource, columns: list[str] | None = None) -> pd.DataFrame:
    """The table of a loader: rows sorted by path, ``attrs`` saying where they came from, the banner.

    Parameters
    ----------
    rows : list of dict
        One dict per file.
    source : DataSource
        Where the files were found.
    columns : list of str, optional
        Column order (also the columns of an empty table).

    Returns
    -------
    pd.DataFrame
        Sorted by ``path``; ``attrs`` hold ``dataset``, ``synthetic``, ``root`` and ``origin``.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    df = pd.DataFrame(rows, columns=columns)
    df = df.sort_values("path", kind="stable").reset_index(drop=True)
    df.attrs.update(dataset=source.name, synthetic=source.synthetic, root=str(source.root), origin=source.origin)
    show_banner(source)
    return df
