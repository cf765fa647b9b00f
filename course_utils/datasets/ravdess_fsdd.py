"""The tables of the course's speech corpora: RAVDESS (emotional speech) and FSDD (spoken digits).

Introduced in ``notebooks/01_speaker_recognition.ipynb``; every chapter loads its data here.
"""
from __future__ import annotations

import pandas as pd

from ..synth.speech import EMOTIONS
from .checks import FSDD_PATTERN, RAVDESS_PATTERN
from .locate import finish_table, locate

__all__ = ["load_ravdess", "load_fsdd"]


def load_ravdess(*, allow_synthetic: bool = False, download: bool = True) -> pd.DataFrame:
    """Table of the 1440 RAVDESS speech files with their labels.

    Columns: ``path``, ``actor`` (1-24), ``speaker`` ("Actor_01"...), ``gender``, ``emotion``
    (name), ``emotion_code``, ``intensity`` ("normal"/"strong"), ``statement`` (1/2),
    ``repetition`` (1/2). Accepts the official 48 kHz WAV and the mirror's 16 kHz FLAC.
    ``df.attrs["synthetic"]`` tells whether the fallback was used. A folder with a file whose
    name is impossible, or names another actor than its folder, raises (see
    :mod:`course_utils.datasets.checks`).

    Parameters
    ----------
    allow_synthetic : bool
        Fall back to the synthetic corpus (with a banner) when RAVDESS is not available.
    download : bool
        Download RAVDESS when no local copy exists.

    Returns
    -------
    pd.DataFrame
        One row per file, sorted by path; ``attrs`` hold ``dataset``, ``synthetic``, ``root``
        and ``origin``.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    src = locate("ravdess", download_missing=download, allow_synthetic=allow_synthetic)
    rows = []
    for p in src.root.glob("Actor_*/*"):
        m = RAVDESS_PATTERN.match(p.name)
        if not m:
            continue
        _, _, emo, inten, stmt, rep, actor = (int(g) for g in m.groups()[:7])
        rows.append(dict(
            path=str(p), actor=actor, speaker=f"Actor_{actor:02d}",
            gender="male" if actor % 2 else "female", emotion=EMOTIONS[emo - 1], emotion_code=emo,
            intensity="normal" if inten == 1 else "strong", statement=stmt, repetition=rep,
        ))
    return finish_table(rows, src)


def load_fsdd(*, allow_synthetic: bool = False, download: bool = True) -> pd.DataFrame:
    """Table of the Free Spoken Digit Dataset: ``path``, ``speaker``, ``digit``, ``take`` (8 kHz).

    Parameters
    ----------
    allow_synthetic : bool
        Fall back to synthetic digits (with a banner) when FSDD is not available.
    download : bool
        Download FSDD when no local copy exists.

    Returns
    -------
    pd.DataFrame
        One row per recording, sorted by path; ``attrs`` as in :func:`load_ravdess`.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    src = locate("fsdd", download_missing=download, allow_synthetic=allow_synthetic)
    rows = []
    for p in (src.root / "recordings").glob("*.wav"):
        m = FSDD_PATTERN.match(p.name)
        if m:
            rows.append(dict(path=str(p), speaker=m.group(2), digit=int(m.group(1)), take=int(m.group(3))))
    return finish_table(rows, src)
