"""``python -m course_utils.datasets fetch`` (``make fetch``) and ``status``: every dataset, or ``--only`` one.

Introduced in ``notebooks/01_speaker_recognition.ipynb`` (how to get the real data).
"""
from __future__ import annotations

import argparse

from .core import NAMES, DatasetError
from .librosa_examples import load_librosa_examples
from .locate import locate

__all__ = ["main", "ALL"]

#: What ``fetch`` and ``status`` cover by default, in this order.
ALL = NAMES + ("librosa",)


def _one(name: str, fetch: bool) -> str:
    """Fetch or look up dataset ``name``; return a one-line status (raises DatasetError)."""
    if name == "librosa":
        df = load_librosa_examples(download=fetch)
        missing = df.attrs["missing"]
        return f"librosa: {len(df)} examples available" + (f", missing {missing}" if missing else "")
    src = locate(name, download_missing=fetch)
    return f"{name}: {src.root} ({src.origin})"


def main(argv: list[str] | None = None) -> int:
    """``python -m course_utils.datasets fetch|status [--only NAME] [NAME ...]``.

    ``fetch`` downloads (verified) whatever is not found locally; ``status`` only looks. Without
    names: every dataset (RAVDESS, FSDD, LibriSpeech, ESC-10, Speech Commands, librosa's examples).

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 when every dataset asked for is available, else 1.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    parser = argparse.ArgumentParser(prog="course-data", description="Download and check the course's datasets.")
    parser.add_argument("command", choices=["fetch", "status"])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"datasets (default: all of {', '.join(ALL)})")
    parser.add_argument("--only", choices=ALL, action="append", default=[], help="just this dataset (repeatable)")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in ALL]
    if unknown:
        parser.error(f"unknown dataset(s) {', '.join(unknown)}; choose from {', '.join(ALL)}")
    names = list(dict.fromkeys(args.only + args.names)) or list(ALL)
    status = 0
    for name in names:
        try:
            print(_one(name, args.command == "fetch"))
        except DatasetError as exc:
            print(f"{name}: {exc}")
            status = 1
    return status
