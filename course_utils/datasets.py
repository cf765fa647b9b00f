"""Dataset tables (file path + labels) for RAVDESS, FSDD and librosa's examples.

Introduced in ``notebooks/01_speaker_recognition.ipynb``; every chapter loads its data here.

Where a dataset is looked for, in order:

1. ``$COURSE_DATA_DIR/<name>`` (laid out like the course's data mirror: ``ravdess/Actor_XX/``,
   ``fsdd/recordings/``, ``librosa/``);
2. ``data/<name>/`` in the checkout;
3. a download from the official source (progress bar, checksum verified) into ``data/<name>/``,
   unless ``download=False`` or ``$COURSE_OFFLINE`` is set;
4. only when the caller passes ``allow_synthetic=True``: the synthetic fallback from
   :mod:`course_utils.synth`, written once to the cache, named and laid out like the real thing,
   and announced by a visible banner.

A folder that exists but is incomplete raises :class:`DatasetError` listing what is missing.
Run ``python -m course_utils.datasets fetch`` (or ``course-data fetch``) to download everything.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import librosa
import librosa.util.files
import pandas as pd
import pooch

from .cache import atomic_write_text, file_lock
from .paths import cache_dir, data_dir, repo_root, sha256_file
from .synth.speech import EMOTIONS, FSDD_SPEAKERS, write_fsdd_like, write_ravdess_like

__all__ = [
    "DatasetError",
    "DataSource",
    "locate",
    "load_ravdess",
    "load_fsdd",
    "librosa_example",
    "load_librosa_examples",
    "LIBROSA_SPEECH",
    "LIBROSA_MUSIC",
    "show_banner",
]

RAVDESS_PATTERN = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.(wav|flac)$")
FSDD_PATTERN = re.compile(r"^(\d)_([a-z]+)_(\d+)\.wav$")
#: librosa example keys by content.
LIBROSA_SPEECH = ("libri1", "libri2", "libri3")
LIBROSA_MUSIC = ("brahms", "choice", "fishin", "nutcracker", "pistachio", "sweetwaltz", "trumpet", "vibeace")


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
        The dataset (``"ravdess"`` or ``"fsdd"``).
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
        Dataset name -> its entry (``url``, ``archive``, ``known_hash`` or ``tree_sha256``, ...).

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    return json.loads((repo_root() / "data" / "registry.json").read_text())


def _offline() -> bool:
    return os.environ.get("COURSE_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


# --------------------------------------------------------------------------- validation
def _ravdess_problems(root: Path) -> list[str]:
    """What keeps ``root`` from being the complete RAVDESS speech set (empty list: nothing)."""
    problems: list[str] = []
    actors = {p.name: p for p in root.glob("Actor_*") if p.is_dir()}
    missing = [f"Actor_{a:02d}" for a in range(1, 25) if f"Actor_{a:02d}" not in actors]
    if missing:
        problems.append(f"missing actor folders: {', '.join(missing)}")
    for name, folder in sorted(actors.items()):
        files = [p for p in folder.iterdir() if RAVDESS_PATTERN.match(p.name)]
        if len(files) != 60:
            problems.append(f"{name}: {len(files)} of 60 speech files")
        empty = [p.name for p in files if p.stat().st_size == 0]
        if empty:
            problems.append(f"{name}: empty files {', '.join(empty[:3])}")
    return problems


def _fsdd_problems(root: Path) -> list[str]:
    rec = root / "recordings"
    if not rec.is_dir():
        return [f"no recordings/ folder in {root}"]
    counts: dict[str, int] = {}
    for p in rec.glob("*.wav"):
        m = FSDD_PATTERN.match(p.name)
        if m:
            counts[m.group(2)] = counts.get(m.group(2), 0) + 1
    if not counts:
        return [f"no files named like 0_george_0.wav in {rec}"]
    problems = [f"speaker {s}: no recordings" for s in FSDD_SPEAKERS if s not in counts]
    return problems


_PROBLEMS = {"ravdess": _ravdess_problems, "fsdd": _fsdd_problems}


def _validated(name: str, root: Path) -> Path:
    problems = _PROBLEMS[name](root)
    if problems:
        shown = "\n  - ".join(problems[:12])
        more = f"\n  ... and {len(problems) - 12} more" if len(problems) > 12 else ""
        raise DatasetError(
            f"The {name} folder {root} is incomplete or malformed:\n  - {shown}{more}\n"
            f"Delete it and run `python -m course_utils.datasets fetch {name}`, "
            f"or point COURSE_DATA_DIR at a complete copy."
        )
    return root


# --------------------------------------------------------------------------- download
def _tree_sha256(folder: Path, pattern: str) -> str:
    lines = []
    for p in sorted(folder.glob(pattern), key=lambda q: q.name):
        lines.append(f"{sha256_file(p)}  {p.name}")
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def download(name: str) -> Path:
    """Download ``name`` from its official source into ``data/<name>/`` and verify it.

    Uses pooch (progress bar, md5 of the archive where the source publishes one); FSDD, whose
    archive has no published checksum, is verified file by file against a tree hash.

    Parameters
    ----------
    name : str
        A key of :func:`registry` (``"ravdess"`` or ``"fsdd"``).

    Returns
    -------
    Path
        The validated folder ``data/<name>/``.

    Raises
    ------
    DatasetError
        The download failed, failed verification, or gave an incomplete folder.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    info = registry()[name]
    target = data_dir() / name
    downloads = data_dir() / "downloads"
    try:
        files = pooch.retrieve(
            info["url"],
            known_hash=info.get("known_hash"),
            fname=info["archive"],
            path=downloads,
            progressbar=True,
            processor=pooch.Unzip(extract_dir=f"{name}_extracted"),
        )
    except ValueError as exc:  # pooch: hash mismatch
        raise DatasetError(f"{name}: the download failed verification ({exc}); try again later") from None
    except Exception as exc:
        raise DatasetError(f"{name}: download from {info['url']} failed ({type(exc).__name__}: {exc})") from None
    extracted = downloads / f"{name}_extracted"
    if name == "ravdess":
        actor_dirs = sorted({Path(f).parent for f in files if Path(f).parent.name.startswith("Actor_")})
        target.mkdir(parents=True, exist_ok=True)
        for d in actor_dirs:
            shutil.move(str(d), str(target / d.name))
    elif name == "fsdd":
        rec = next((Path(f).parent for f in files if Path(f).parent.name == "recordings"), None)
        if rec is None:
            raise DatasetError(f"fsdd: the archive has no recordings/ folder ({extracted})")
        got = _tree_sha256(rec, "*.wav")
        if got != info["tree_sha256"]:
            raise DatasetError(f"fsdd: downloaded recordings do not match the registry (tree sha256 {got})")
        target.mkdir(parents=True, exist_ok=True)
        shutil.move(str(rec), str(target / "recordings"))
    shutil.rmtree(extracted, ignore_errors=True)
    return _validated(name, target)


# --------------------------------------------------------------------------- synthetic
def _synthetic(name: str) -> Path:
    """Write (once, under a lock) and return the synthetic stand-in for ``name``."""
    root = cache_dir("synthetic", name)
    done = root / ".complete"
    if done.exists():
        return root
    with file_lock(root):  # another notebook may be writing it right now (lock: <root>.lock)
        if not done.exists():
            if name == "ravdess":
                write_ravdess_like(root)
            elif name == "fsdd":
                write_fsdd_like(root)
            else:
                raise DatasetError(f"no synthetic stand-in for {name!r}")
            atomic_write_text(done, "ok\n")
    return root


def show_banner(source: DataSource) -> None:
    """Say loudly, in the notebook and in the log, that a chapter runs on synthetic data.

    Prints a banner to stderr and, inside IPython, displays a yellow HTML box. Does nothing
    for real data.

    Parameters
    ----------
    source : DataSource
        Where the data came from (see :func:`locate`).

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    if not source.synthetic:
        return
    text = (
        f"OFFLINE FALLBACK: no {source.name.upper()} recordings were found or downloaded, so this "
        f"notebook runs on SYNTHETIC speech from course_utils.synth. Numbers below describe the "
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


def locate(name: str, *, download_missing: bool = True, allow_synthetic: bool = False) -> DataSource:
    """Find dataset ``name`` ("ravdess" or "fsdd") following the module's lookup order.

    Parameters
    ----------
    name : str
        ``"ravdess"`` or ``"fsdd"``.
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
        The dataset is incomplete, or absent with no fallback allowed.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    if name not in _PROBLEMS:
        raise ValueError(f"unknown dataset {name!r}; choose from {sorted(_PROBLEMS)}")
    env = os.environ.get("COURSE_DATA_DIR")
    if env and (Path(env) / name).is_dir():
        return DataSource(name, _validated(name, Path(env) / name), False, "COURSE_DATA_DIR")
    local = data_dir() / name
    if local.is_dir() and any(local.iterdir()):
        return DataSource(name, _validated(name, local), False, "data/")
    reason = "COURSE_OFFLINE is set" if _offline() else "download disabled"
    if download_missing and not _offline():
        try:
            return DataSource(name, download(name), False, "download")
        except DatasetError as exc:
            reason = str(exc)
    if not allow_synthetic:
        raise DatasetError(
            f"{name}: not found in $COURSE_DATA_DIR/{name} or {local}, and not downloaded ({reason}). "
            f"Run `python -m course_utils.datasets fetch {name}` or set COURSE_DATA_DIR."
        )
    return DataSource(name, _synthetic(name), True, "synthetic")


# --------------------------------------------------------------------------- tables
def _finish(df: pd.DataFrame, source: DataSource) -> pd.DataFrame:
    df = df.sort_values("path", kind="stable").reset_index(drop=True)
    df.attrs.update(dataset=source.name, synthetic=source.synthetic, root=str(source.root), origin=source.origin)
    show_banner(source)
    return df


def load_ravdess(*, allow_synthetic: bool = False, download: bool = True) -> pd.DataFrame:
    """Table of the 1440 RAVDESS speech files with their labels.

    Columns: ``path``, ``actor`` (1-24), ``speaker`` ("Actor_01"...), ``gender``, ``emotion``
    (name), ``emotion_code``, ``intensity`` ("normal"/"strong"), ``statement`` (1/2),
    ``repetition`` (1/2). Accepts the official 48 kHz WAV and the mirror's 16 kHz FLAC.
    ``df.attrs["synthetic"]`` tells whether the fallback was used.

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
    return _finish(pd.DataFrame(rows), src)


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
    return _finish(pd.DataFrame(rows), src)


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
              data_dir() / "librosa"]:
        if d is not None and (d / fname).is_file():
            return d / fname
    if not download or _offline():
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


# --------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    """``python -m course_utils.datasets fetch [names]`` / ``status``.

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
    parser = argparse.ArgumentParser(prog="course-data", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["fetch", "status"])
    parser.add_argument("names", nargs="*", default=["ravdess", "fsdd", "librosa"])
    args = parser.parse_args(argv)
    status = 0
    for name in args.names:
        try:
            if name == "librosa":
                df = load_librosa_examples(download=args.command == "fetch")
                print(f"librosa: {len(df)} examples available" + (f", missing {df.attrs['missing']}" if df.attrs["missing"] else ""))
            else:
                src = locate(name, download_missing=args.command == "fetch")
                print(f"{name}: {src.root} ({src.origin})")
        except DatasetError as exc:
            print(f"{name}: {exc}")
            status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
