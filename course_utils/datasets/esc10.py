"""ESC-10: ten classes of environmental sounds in five official folds.

Not yet taught: chapter work of issue #19 will classify them.
"""
from __future__ import annotations

import pandas as pd

from .checks import ESC10_CLASSES, ESC10_PATTERN
from .locate import finish_table, locate

__all__ = ["load_esc10", "ESC10_CLASSES"]

_COLUMNS = ["path", "fold", "target", "class_id", "source_id", "take"]


def load_esc10(*, allow_synthetic: bool = False, download: bool = True) -> pd.DataFrame:
    """Table of the 400 ESC-10 clips (5 s, 44.1 kHz Ogg Vorbis) with their fold and class.

    Columns: ``path``, ``fold`` (1-5, the first digit of the file name), ``target`` (the class
    name, e.g. ``"Dog bark"``), ``class_id`` (0-9, in the order of :data:`ESC10_CLASSES`),
    ``source_id`` (the freesound id, the second part of the name: clips cut from one source
    recording share a fold), ``take`` (``"A"``, ``"B"``...). Cross-validate over the folds; never
    split a fold. The offline fallback has synthetic sound events of ten classes with known labels
    (:mod:`course_utils.synth.events`) in five folds, and ``df.attrs["synthetic"]``.

    Parameters
    ----------
    allow_synthetic : bool
        Fall back to synthetic sound events (with a banner) when ESC-10 is not available.
    download : bool
        Download ESC-10 when no local copy exists.

    Returns
    -------
    pd.DataFrame
        Sorted by path; ``attrs`` hold ``dataset``, ``synthetic``, ``root`` and ``origin``.

    Notebook: 09_sound_classification § Look and listen first
    """
    src = locate("esc10", download_missing=download, allow_synthetic=allow_synthetic)
    rows = []
    for class_id, target in enumerate(ESC10_CLASSES):
        for p in (src.root / f"{class_id + 1:03d} - {target}").glob("*.ogg"):
            m = ESC10_PATTERN.match(p.name)
            if m:
                rows.append(dict(path=str(p), fold=int(m.group(1)), target=target, class_id=class_id,
                                 source_id=m.group(2), take=m.group(3)))
    return finish_table(rows, src, _COLUMNS)
