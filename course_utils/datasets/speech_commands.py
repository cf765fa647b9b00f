"""Speech Commands v0.01 (a sample of ten clips per word): one-second spoken words.

Not yet taught: chapter work of issue #20 will use it (e.g. its digit words against FSDD).
"""
from __future__ import annotations

import pandas as pd

from .checks import SPEECH_COMMANDS_PATTERN, SPEECH_COMMANDS_WORDS
from .locate import finish_table, locate

__all__ = ["load_speech_commands", "SPEECH_COMMANDS_WORDS"]

_COLUMNS = ["path", "word", "speaker", "take", "split"]


def _split_lists(root) -> dict[str, str]:
    """``"word/file.wav"`` -> ``"validation"`` or ``"testing"``, from the official lists."""
    out = {}
    for split in ("validation", "testing"):
        for line in (root / f"{split}_list.txt").read_text().splitlines():
            if line.strip():
                out[line.strip()] = split
    return out


def load_speech_commands(*, allow_synthetic: bool = False, download: bool = True) -> pd.DataFrame:
    """Table of the Speech Commands sample: one-second 16 kHz clips of 30 words.

    Columns: ``path``, ``word`` (the folder), ``speaker`` (the part of the name before
    ``_nohash_``), ``take`` (the number after it), ``split`` (``"validation"`` or ``"testing"``
    where the official lists name the file, else ``"train"``). Ten clips per word are a demo and a
    cross-corpus test set, not a training set. The offline fallback has synthetic words
    (:mod:`course_utils.synth.speech` voices) and ``df.attrs["synthetic"]``.

    Parameters
    ----------
    allow_synthetic : bool
        Fall back to synthetic words (with a banner) when Speech Commands is not available.
    download : bool
        Download the sample when no local copy exists.

    Returns
    -------
    pd.DataFrame
        Sorted by path; ``attrs`` hold ``dataset``, ``synthetic``, ``root`` and ``origin``.

    Notebook: 10_keyword_spotting_and_asr § Explore the data
    """
    src = locate("speech_commands", download_missing=download, allow_synthetic=allow_synthetic)
    splits = _split_lists(src.root)
    rows = []
    for word in SPEECH_COMMANDS_WORDS:
        for p in (src.root / word).glob("*.wav"):
            m = SPEECH_COMMANDS_PATTERN.match(p.name)
            if m:
                rows.append(dict(path=str(p), word=word, speaker=m.group(1), take=int(m.group(2)),
                                 split=splits.get(f"{word}/{p.name}", "train")))
    return finish_table(rows, src, _COLUMNS)
