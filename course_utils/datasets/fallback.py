"""The offline fallback: a synthetic stand-in for a dataset, written once, and the banner announcing it.

Introduced in ``notebooks/01_speaker_recognition.ipynb``.
"""
from __future__ import annotations

import sys
from pathlib import Path

from ..cache import atomic_write_text, file_lock
from ..paths import cache_dir
from ..synth.corpora import write_librispeech_like, write_speech_commands_like
from ..synth.events import write_esc10_like
from ..synth.speech import write_fsdd_like, write_ravdess_like
from .core import DatasetError, DataSource

__all__ = ["synthetic_root", "show_banner"]

_WRITERS = {
    "ravdess": write_ravdess_like,
    "fsdd": write_fsdd_like,
    "librispeech": write_librispeech_like,
    "esc10": write_esc10_like,
    "speech_commands": write_speech_commands_like,
}
_WHAT = {"esc10": "sound events"}


def synthetic_root(name: str) -> Path:
    """Write (once, under a lock) and return the synthetic stand-in for dataset ``name``.

    It lives in ``<cache>/synthetic/<name>``, laid out and named like the real dataset.

    Parameters
    ----------
    name : str
        ``"ravdess"``, ``"fsdd"``, ``"librispeech"``, ``"esc10"`` or ``"speech_commands"``.

    Returns
    -------
    Path
        The folder, complete.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    if name not in _WRITERS:
        raise DatasetError(f"no synthetic stand-in for {name!r}")
    root = cache_dir("synthetic", name)
    done = root / ".complete"
    if done.exists():
        return root
    with file_lock(root):  # another notebook may be writing it right now (lock: <root>.lock)
        if not done.exists():
            _WRITERS[name](root)
            atomic_write_text(done, "ok\n")
    return root


def show_banner(source: DataSource) -> None:
    """Say loudly, in the notebook and in the log, that a chapter runs on synthetic data.

    Prints a banner to stderr and, inside IPython, displays a yellow HTML box. Does nothing
    for real data.

    Parameters
    ----------
    source : DataSource
        Where the data came from (see :func:`course_utils.datasets.locate`).

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    if not source.synthetic:
        return
    what = _WHAT.get(source.name, "speech")
    text = (
        f"OFFLINE FALLBACK: no {source.name.upper()} recordings were found or downloaded, so this "
        f"notebook runs on SYNTHETIC {what} from course_utils.synth. Numbers below describe the "
        f"synthetic corpus, not the real dataset. Run `python -m course_utils.datasets fetch` "
        f"(or set COURSE_DATA_DIR) for the real data."
    )
    print("!" * 80 + "\n" + text + "\n" + "!" * 80, file=sys.stderr)
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display

        if get_ipython() is not None:
            display(HTML(
                '<div style="background:#fff3cd;border:2px solid #d39e00;padding:10px;'
                f'font-weight:bold;color:#533f03">&#9888; {text}</div>'
            ))
    except ImportError:  # pragma: no cover
        pass
