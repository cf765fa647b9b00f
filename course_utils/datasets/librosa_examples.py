"""librosa's example recordings (music, three LibriSpeech readers, a robin, a whale), found offline first.

Used from ``notebooks/05_speech_enhancement.ipynb`` (music noise) and
``notebooks/06_music_information_retrieval.ipynb``.
"""
from __future__ import annotations

import os
from pathlib import Path

import librosa
import librosa.util.files
import pandas as pd

from .core import DatasetError, data_root, offline

__all__ = ["librosa_example", "load_librosa_examples", "LIBROSA_SPEECH", "LIBROSA_MUSIC"]

#: librosa example keys by content.
LIBROSA_SPEECH = ("libri1", "libri2", "libri3")
LIBROSA_MUSIC = ("brahms", "choice", "fishin", "nutcracker", "pistachio", "sweetwaltz", "trumpet", "vibeace")


def _librosa_trackmap() -> dict:
    return librosa.util.files.__dict__["__TRACKMAP"]


def librosa_example(key: str, *, hq: bool = False, download: bool = True) -> Path:
    """Path of librosa example ``key`` ("brahms", "libri1", ...).

    Looks in ``$COURSE_DATA_DIR/librosa``, ``$LIBROSA_DATA_DIR`` and ``data/librosa`` first;
    otherwise ``librosa.ex`` downloads it (verified against librosa's registry).

    Parameters
    ----------
    key : str
        A librosa example key.
    hq : bool
        The high-quality (stereo, 44.1 kHz) version.
    download : bool
        Let librosa download a missing file (unless ``$COURSE_OFFLINE`` is set).

    Returns
    -------
    Path
        The local ``.ogg`` file.

    Raises
    ------
    DatasetError
        The file is not available offline, or the download failed.

    Notebook: 06_music_information_retrieval § 6. Separation: harmonic/percussive and foreground/background
    """
    trackmap = _librosa_trackmap()
    if key not in trackmap:
        raise ValueError(f"unknown librosa example {key!r}; choose from {sorted(trackmap)}")
    fname = trackmap[key]["path"] + (".hq.ogg" if hq else ".ogg")
    dirs = [os.environ.get("COURSE_DATA_DIR"), os.environ.get("LIBROSA_DATA_DIR")]
    for d in [Path(dirs[0]) / "librosa" if dirs[0] else None, Path(dirs[1]) if dirs[1] else None,
              data_root() / "librosa"]:
        if d is not None and (d / fname).is_file():
            return d / fname
    if not download or offline():
        raise DatasetError(f"librosa example {key!r} ({fname}) is not available offline")
    try:
        return Path(librosa.ex(key, hq=hq))
    except Exception as exc:
        raise DatasetError(f"librosa example {key!r}: download failed ({type(exc).__name__}: {exc})") from None


def load_librosa_examples(keys: tuple[str, ...] | list[str] | None = None, *, download: bool = True) -> pd.DataFrame:
    """Table of librosa examples (``key``, ``title``, ``path``); unavailable ones are left out.

    ``df.attrs["missing"]`` lists the keys that could not be found or downloaded.

    Parameters
    ----------
    keys : tuple or list of str, optional
        The examples wanted (default: all of librosa's).
    download : bool
        Let librosa download missing files.

    Returns
    -------
    pd.DataFrame
        Columns ``key``, ``title``, ``path``.

    Notebook: 05_speech_enhancement § 1. Noise that matters
    """
    trackmap = _librosa_trackmap()
    rows, missing = [], []
    for key in keys or sorted(trackmap):
        try:
            rows.append(dict(key=key, title=trackmap[key]["desc"], path=str(librosa_example(key, download=download))))
        except DatasetError:
            missing.append(key)
    df = pd.DataFrame(rows, columns=["key", "title", "path"])
    df.attrs.update(dataset="librosa", missing=missing, synthetic=False)
    return df
