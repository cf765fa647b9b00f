"""Is a dataset folder what it claims to be? One check per corpus, each naming the files at fault.

Every problem found is an error: :func:`validated` raises :class:`~course_utils.datasets.DatasetError`
listing them (the first twelve, and how many more), so a table is never built from a folder whose
labels could be wrong. Checked, per corpus:

* RAVDESS: 24 ``Actor_XX`` folders of 60 speech files each; every code of a name is possible
  (modality 03, vocal channel 01, emotion 01-08, intensity 01-02 and never 02 for neutral,
  statement and repetition 01-02, actor 01-24); the actor in the name is the folder's actor (a file
  named for actor 02 inside ``Actor_01`` is reported and not counted as actor 01's); no take twice
  (e.g. as ``.wav`` and ``.flac``, or in two folders); no empty file.
* FSDD: ``recordings/`` holds every speaker, and no speaker has fewer recordings than the others.
* ESC-10: the ten class folders ``NNN - Name`` with the right name for each index, 40 clips each,
  named ``F-ID-T.ogg`` with fold F in 1-5, and clips of one source recording in one fold.
* Speech Commands: one folder per word of the 30, each with clips named ``<speaker>_nohash_<n>.wav``,
  and the official ``validation_list.txt`` / ``testing_list.txt``.
* LibriSpeech: ``train-clean-100/`` files named ``reader-chapter-utterance.flac``, every reader in
  ``SPEAKERS.TXT`` with sex F or M, and every reader of the fixed test split present.

Introduced in ``notebooks/01_speaker_recognition.ipynb``.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from ..synth.events import EVENT_CLASSES
from ..synth.speech import FSDD_SPEAKERS
from .core import DatasetError

__all__ = [
    "RAVDESS_PATTERN",
    "FSDD_PATTERN",
    "ESC10_CLASSES",
    "SPEECH_COMMANDS_WORDS",
    "LIBRISPEECH_TEST_READERS",
    "ravdess_name_problems",
    "speakers_txt",
    "validated",
]

RAVDESS_PATTERN = re.compile(r"^(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)-(\d\d)\.(wav|flac)$")
FSDD_PATTERN = re.compile(r"^(\d)_([a-z]+)_(\d+)\.wav$")
ESC10_FOLDER = re.compile(r"^(\d{3}) - (.+)$")
ESC10_PATTERN = re.compile(r"^(\d+)-(\d+)-([A-Z]+)\.ogg$")
SPEECH_COMMANDS_PATTERN = re.compile(r"^([0-9a-f]{8})_nohash_(\d+)\.wav$")
LIBRISPEECH_PATTERN = re.compile(r"^(\d+)-(\d+)-(\d+)\.flac$")

#: The ten ESC-10 classes, in the order of their folder index (``001 - Dog bark`` ... ``010 - Fire crackling``).
ESC10_CLASSES = EVENT_CLASSES
#: The 30 words of Speech Commands v0.01: 20 core commands, then the 10 auxiliary words.
SPEECH_COMMANDS_WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go",
                         "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                         "bed", "bird", "cat", "dog", "happy", "house", "marvin", "sheila", "tree", "wow")
#: The LibriSpeech readers kept for testing: of the 251 train-clean-100 readers, sorted by id within
#: each sex (``SPEAKERS.TXT``), every fifth starting with the first: 25 of 125 F and 26 of 126 M.
#: Chosen without looking at any audio; never used for training or for choosing anything.
LIBRISPEECH_TEST_READERS = (
    19, 26, 87, 163, 198, 250, 254, 328, 405, 460, 669, 909, 1088, 1235, 1263, 1578, 1624, 1963,
    2136, 2182, 2514, 2764, 2952, 3112, 3374, 3699, 3879, 4014, 4088, 4297, 4441, 4680, 4898, 5390,
    5393, 5750, 5778, 6078, 6209, 6476, 6563, 7067, 7113, 7312, 7517, 7859, 8063, 8226, 8312, 8629,
    8838,
)
_MAX_SHOWN = 12


def ravdess_name_problems(name: str, folder_actor: int | None = None) -> list[str]:
    """What is impossible about a RAVDESS file name (empty list: nothing).

    Parameters
    ----------
    name : str
        A file name that matches ``MM-VC-EE-II-SS-RR-AA.wav`` (or ``.flac``).
    folder_actor : int, optional
        The actor of the ``Actor_XX`` folder holding the file; a different actor in the name is a problem.

    Returns
    -------
    list of str
        One message per impossible code, each naming the file.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    m = RAVDESS_PATTERN.match(name)
    if not m:
        return [f"{name}: not named MM-VC-EE-II-SS-RR-AA"]
    mod, chan, emo, inten, stmt, rep, actor = (int(g) for g in m.groups()[:7])
    checks = [
        (mod == 3 and chan == 1, f"modality {mod:02d} / vocal channel {chan:02d} is not audio-only speech (03-01)"),
        (1 <= emo <= 8, f"emotion {emo:02d} does not exist (01-08)"),
        (inten in (1, 2), f"intensity {inten:02d} does not exist (01-02)"),
        (not (emo == 1 and inten == 2), "intensity 02 (strong) for neutral does not exist"),
        (stmt in (1, 2) and rep in (1, 2), f"statement {stmt:02d} / repetition {rep:02d} does not exist (01-02)"),
        (1 <= actor <= 24, f"actor {actor:02d} does not exist (01-24)"),
        (folder_actor is None or actor == folder_actor or not 1 <= actor <= 24,
         f"the name says actor {actor:02d} but the file is in Actor_{folder_actor or 0:02d}"),
    ]
    return [f"{name}: {msg}" for ok, msg in checks if not ok]


def _ravdess_problems(root: Path) -> list[str]:
    problems: list[str] = []
    actors = {p.name: p for p in root.glob("Actor_*") if p.is_dir()}
    missing = [f"Actor_{a:02d}" for a in range(1, 25) if f"Actor_{a:02d}" not in actors]
    if missing:
        problems.append(f"missing actor folders: {', '.join(missing)}")
    takes: dict[str, list[str]] = defaultdict(list)
    for folder_name, folder in sorted(actors.items()):
        folder_actor = int(folder_name[6:]) if folder_name[6:].isdigit() else None
        good = []
        for p in sorted(folder.iterdir()):
            if not RAVDESS_PATTERN.match(p.name):
                continue
            bad = ravdess_name_problems(p.name, folder_actor)
            problems += [f"{folder_name}/{msg}" for msg in bad]
            takes[p.name.rsplit(".", 1)[0]].append(f"{folder_name}/{p.name}")
            if not bad:
                good.append(p)
        if len(good) != 60:
            problems.append(f"{folder_name}: {len(good)} of 60 speech files")
        empty = [p.name for p in good if p.stat().st_size == 0]
        if empty:
            problems.append(f"{folder_name}: empty files {', '.join(empty[:3])}")
    problems += [f"duplicate take {take}: {', '.join(where)}" for take, where in sorted(takes.items()) if len(where) > 1]
    return problems


def _fsdd_problems(root: Path) -> list[str]:
    rec = root / "recordings"
    if not rec.is_dir():
        return [f"no recordings/ folder in {root}"]
    counts = Counter(m.group(2) for m in map(FSDD_PATTERN.match, (p.name for p in rec.glob("*.wav"))) if m)
    if not counts:
        return [f"no files named like 0_george_0.wav in {rec}"]
    problems = [f"speaker {s}: no recordings" for s in FSDD_SPEAKERS if s not in counts]
    most = max(counts.values())
    problems += [f"speaker {s}: incomplete, {n} of {most} recordings (the other speakers have {most})"
                 for s, n in sorted(counts.items()) if n < most]
    return problems


def _esc10_problems(root: Path) -> list[str]:
    problems: list[str] = []
    expected = {f"{i:03d} - {c}" for i, c in enumerate(ESC10_CLASSES, start=1)}
    folders = sorted(p for p in root.iterdir() if p.is_dir() and ESC10_FOLDER.match(p.name))
    missing = sorted(expected - {p.name for p in folders})
    if missing:
        problems.append(f"missing class folders: {', '.join(missing)}")
    folds_of_source: dict[str, set[int]] = defaultdict(set)
    for folder in folders:
        index = int(ESC10_FOLDER.match(folder.name).group(1))
        if folder.name not in expected:
            right = f"{ESC10_CLASSES[index - 1]!r}" if 1 <= index <= 10 else "no ESC-10 class"
            problems.append(f"folder {folder.name!r}: index {index:03d} is {right}")
            continue
        clips = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix == ".ogg")
        for name in clips:
            m = ESC10_PATTERN.match(name)
            if not m:
                problems.append(f"{folder.name}/{name}: not named fold-sourceid-take.ogg")
            elif not 1 <= int(m.group(1)) <= 5:
                problems.append(f"{folder.name}/{name}: fold {m.group(1)} does not exist (1-5)")
            else:
                folds_of_source[m.group(2)].add(int(m.group(1)))
        if len(clips) != 40:
            problems.append(f"{folder.name}: {len(clips)} of 40 clips")
    problems += [f"source {s}: clips in folds {sorted(f)} (clips of one source share a fold)"
                 for s, f in sorted(folds_of_source.items()) if len(f) > 1]
    return problems


def _speech_commands_problems(root: Path) -> list[str]:
    folders = {p.name: p for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    problems = [f"folder {name!r} is not a Speech Commands word" for name in sorted(folders)
                if name not in SPEECH_COMMANDS_WORDS]
    missing = [w for w in SPEECH_COMMANDS_WORDS if w not in folders]
    if missing:
        problems.append(f"missing word folders: {', '.join(missing)}")
    for word in (w for w in SPEECH_COMMANDS_WORDS if w in folders):
        clips = [p.name for p in folders[word].iterdir() if p.suffix == ".wav"]
        problems += [f"{word}/{n}: not named <speaker>_nohash_<n>.wav" for n in sorted(clips)
                     if not SPEECH_COMMANDS_PATTERN.match(n)]
        if not clips:
            problems.append(f"{word}: no clips")
    problems += [f"missing {n} (the official split list)" for n in ("validation_list.txt", "testing_list.txt")
                 if not (root / n).is_file()]
    return problems


def speakers_txt(root: Path) -> dict[int, str]:
    """Reader id -> sex (``"F"``/``"M"``) from LibriSpeech's ``SPEAKERS.TXT``.

    Parameters
    ----------
    root : Path
        The LibriSpeech folder: ``SPEAKERS.TXT`` is looked for in it and in ``train-clean-100/``.

    Returns
    -------
    dict
        Every reader the file lists (empty when there is no such file).

    Notebook: 10_keyword_spotting_and_asr § Segmentation: music vs speech, female vs male
    """
    for path in (root / "SPEAKERS.TXT", root / "train-clean-100" / "SPEAKERS.TXT"):
        if path.is_file():
            out = {}
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                fields = [f.strip() for f in line.split("|")]
                if not line.startswith(";") and len(fields) >= 2 and fields[0].isdigit():
                    out[int(fields[0])] = fields[1]
            return out
    return {}


def _librispeech_problems(root: Path) -> list[str]:
    folder = root / "train-clean-100"
    if not folder.is_dir():
        return [f"no train-clean-100/ folder in {root}"]
    sexes = speakers_txt(root)
    if not sexes:
        return [f"no SPEAKERS.TXT in {root} or {folder}"]
    problems, readers = [], set()
    for p in sorted(folder.rglob("*.flac")):
        m = LIBRISPEECH_PATTERN.match(p.name)
        if not m:
            problems.append(f"{p.relative_to(root)}: not named reader-chapter-utterance.flac")
        elif sexes.get(int(m.group(1))) not in ("F", "M"):
            problems.append(f"{p.relative_to(root)}: reader {m.group(1)} has no sex F/M in SPEAKERS.TXT")
        else:
            readers.add(int(m.group(1)))
    missing = [str(r) for r in LIBRISPEECH_TEST_READERS if r not in readers]
    if missing:
        problems.append(f"missing test readers (the fixed split needs them): {', '.join(missing)}")
    return problems


_PROBLEMS = {
    "ravdess": _ravdess_problems,
    "fsdd": _fsdd_problems,
    "esc10": _esc10_problems,
    "speech_commands": _speech_commands_problems,
    "librispeech": _librispeech_problems,
}


def validated(name: str, root: Path) -> Path:
    """Return ``root`` if it holds a complete, well-formed copy of dataset ``name``; else raise.

    Parameters
    ----------
    name : str
        A dataset of :data:`course_utils.datasets.core.NAMES`.
    root : Path
        Its folder.

    Returns
    -------
    Path
        ``root``.

    Raises
    ------
    DatasetError
        Listing every problem found (the first twelve), each naming the file or folder at fault.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    problems = _PROBLEMS[name](root)
    if problems:
        shown = "\n  - ".join(problems[:_MAX_SHOWN])
        more = f"\n  ... and {len(problems) - _MAX_SHOWN} more" if len(problems) > _MAX_SHOWN else ""
        raise DatasetError(
            f"The {name} folder {root} is incomplete or malformed:\n  - {shown}{more}\n"
            f"Delete it and run `python -m course_utils.datasets fetch --only {name}`, "
            f"or point COURSE_DATA_DIR at a complete copy."
        )
    return root
