"""What every dataset module shares: the error, where a dataset was found, the registry and manifests.

Introduced in ``notebooks/01_speaker_recognition.ipynb``; see :mod:`course_utils.datasets`.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .. import paths

__all__ = ["DatasetError", "DataSource", "registry", "manifest", "NAMES"]

#: The corpora :func:`course_utils.datasets.locate` knows (librosa's examples are looked up per file).
NAMES = ("ravdess", "fsdd", "librispeech", "esc10", "speech_commands")
_MANIFESTS = Path(__file__).resolve().parent / "manifests"


class DatasetError(RuntimeError):
    """A dataset is missing, incomplete or failed verification; the message says what to do.

    Notebook: 06_music_information_retrieval § 6. Separation: harmonic/percussive and foreground/background
    """


@dataclass(frozen=True)
class DataSource:
    """Where a dataset was found: its folder, and whether it is the synthetic stand-in.

    Parameters
    ----------
    name : str
        The dataset (``"ravdess"``, ``"fsdd"``, ``"librispeech"``, ``"esc10"`` or ``"speech_commands"``).
    root : Path
        Its folder.
    synthetic : bool
        True for the synthetic stand-in of :mod:`course_utils.synth`.
    origin : str
        ``"COURSE_DATA_DIR"``, ``"data/"``, ``"download"`` or ``"synthetic"``.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """

    name: str
    root: Path
    synthetic: bool
    origin: str  # "COURSE_DATA_DIR", "data/", "download" or "synthetic"


def registry() -> dict:
    """The download registry ``data/registry.json`` (URLs, checksums, licenses, citations).

    Returns
    -------
    dict
        Dataset name -> its entry (``url`` and ``known_hash`` of an archive, or ``base_url`` and
        ``manifest`` of a file-by-file download; ``license``, ``citation``, ...).

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    return json.loads((paths.repo_root() / "data" / "registry.json").read_text())


def manifest(name: str) -> dict[str, str]:
    """The SHA-256 of every file of dataset ``name``, as shipped in ``course_utils/datasets/manifests``.

    Parameters
    ----------
    name : str
        A dataset downloaded file by file (``"fsdd"``, ``"esc10"``, ``"speech_commands"``,
        ``"librispeech"``).

    Returns
    -------
    dict
        Path relative to the dataset folder (``"recordings/0_george_0.wav"``) -> 64 hex digits.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    path = _MANIFESTS / f"{name}.txt"
    if not path.is_file():
        raise DatasetError(f"{name}: no per-file manifest ({path}); it is downloaded as an archive")
    out = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            digest, rel = line.split("  ", 1)
            out[rel] = digest
    return out


def offline() -> bool:
    """True when ``$COURSE_OFFLINE`` asks not to try any download."""
    return os.environ.get("COURSE_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def data_root() -> Path:
    """``data/`` of the checkout, where downloads land (:func:`course_utils.paths.data_dir`)."""
    return paths.data_dir()
