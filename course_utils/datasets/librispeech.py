"""LibriSpeech read speech (a 251-reader sample of train-clean-100) and its fixed test split.

Not yet taught: chapter work of issue #17 will use it for speaker models trained on more voices.
"""
from __future__ import annotations

import pandas as pd
import soundfile as sf

from .checks import LIBRISPEECH_PATTERN, LIBRISPEECH_TEST_READERS, speakers_txt
from .locate import finish_table, locate

__all__ = ["load_librispeech", "librispeech_split", "LIBRISPEECH_TEST_READERS"]

_COLUMNS = ["path", "reader", "sex", "duration", "chapter", "utterance"]


def load_librispeech(*, allow_synthetic: bool = False, download: bool = True) -> pd.DataFrame:
    """Table of the LibriSpeech sample: one row per utterance.

    Columns: ``path``, ``reader`` (int), ``sex`` (``"F"``/``"M"`` from ``SPEAKERS.TXT``),
    ``duration`` (seconds), ``chapter`` and ``utterance`` (int). The real sample has one utterance
    (10-16 s) from each of 251 train-clean-100 readers; the offline fallback has synthetic readers
    (the voices of :mod:`course_utils.synth.speech`) with a sex label, and ``df.attrs["synthetic"]``.

    Parameters
    ----------
    allow_synthetic : bool
        Fall back to synthetic readers (with a banner) when LibriSpeech is not available.
    download : bool
        Download the sample when no local copy exists.

    Returns
    -------
    pd.DataFrame
        Sorted by path; ``attrs`` hold ``dataset``, ``synthetic``, ``root`` and ``origin``.

    Notebook: 10_keyword_spotting_and_asr § Segmentation: music vs speech, female vs male
    """
    src = locate("librispeech", download_missing=download, allow_synthetic=allow_synthetic)
    sexes = speakers_txt(src.root)
    rows = []
    for p in (src.root / "train-clean-100").rglob("*.flac"):
        m = LIBRISPEECH_PATTERN.match(p.name)
        if m:
            reader, chapter, utt = (int(g) for g in m.groups())
            rows.append(dict(path=str(p), reader=reader, sex=sexes[reader], duration=sf.info(str(p)).duration,
                             chapter=chapter, utterance=utt))
    return finish_table(rows, src, _COLUMNS)


def librispeech_split(df: pd.DataFrame) -> tuple[list[int], list[int]]:
    """The fixed reader split of a :func:`load_librispeech` table: (train-or-dev readers, test readers).

    On the real data the test readers are :data:`LIBRISPEECH_TEST_READERS` (51 readers, 25 F and
    26 M: every fifth reader by sorted id within each sex, chosen without looking at any audio).
    Never train on them or use them to choose anything. On the synthetic fallback the same rule is
    applied to its own readers.

    Parameters
    ----------
    df : pd.DataFrame
        The table of :func:`load_librispeech` (columns ``reader`` and ``sex``).

    Returns
    -------
    tuple of (list of int, list of int)
        Sorted reader ids for training or development, and for testing; disjoint.

    Notebook: 10_keyword_spotting_and_asr § Segmentation: music vs speech, female vs male
    """
    readers = df.groupby("reader")["sex"].first()
    if df.attrs.get("synthetic"):
        test = {r for sex in ("F", "M") for r in sorted(readers.index[readers == sex])[::5]}
    else:
        test = set(LIBRISPEECH_TEST_READERS)
    present = sorted(int(r) for r in readers.index)
    return [r for r in present if r not in test], [r for r in present if r in test]
