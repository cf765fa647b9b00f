"""LibriSpeech, ESC-10 and Speech Commands: tables, folder checks, the fixed split, the fallbacks, the CLI."""
from __future__ import annotations

import functools
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from course_utils import datasets, paths
from course_utils.datasets import (
    ESC10_CLASSES,
    LIBRISPEECH_TEST_READERS,
    SPEECH_COMMANDS_WORDS,
    DatasetError,
    librispeech_split,
    load_esc10,
    load_librispeech,
    load_speech_commands,
)
from course_utils.datasets import fallback
from course_utils.synth import WORD_UNITS, write_esc10_like

MIRROR = Path("/work/shared/data")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """``$COURSE_DATA_DIR`` in a temporary folder, no network, caches there too."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "mirror"))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(paths, "data_dir", lambda: tmp_path / "data")
    (tmp_path / "data").mkdir()
    return tmp_path / "mirror"


def _fake_esc10(root: Path) -> Path:
    for c, name in enumerate(ESC10_CLASSES):
        folder = root / f"{c + 1:03d} - {name}"
        folder.mkdir(parents=True)
        for k in range(40):
            fold, source = 1 + k // 8, 1000 * c + k // 2
            (folder / f"{fold}-{source}-{'AB'[k % 2]}.ogg").write_bytes(b"x")
    return root


def _fake_speech_commands(root: Path) -> Path:
    for w, word in enumerate(SPEECH_COMMANDS_WORDS):
        for k in range(2):
            p = root / word / f"{w:04x}{k:04x}_nohash_0.wav"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"x")
    (root / "validation_list.txt").write_text("yes/00000000_nohash_0.wav\n")
    (root / "testing_list.txt").write_text("yes/00000001_nohash_0.wav\nno/00010000_nohash_0.wav\n")
    return root


def test_esc10_table_and_checks(isolated):
    root = _fake_esc10(isolated / "esc10")
    df = load_esc10()
    assert len(df) == 400 and list(df.columns) == ["path", "fold", "target", "class_id", "source_id", "take"]
    assert df.groupby("fold").size().eq(80).all() and set(df.target) == set(ESC10_CLASSES)
    assert (df.class_id == df.target.map(ESC10_CLASSES.index)).all()
    assert df.groupby("source_id").fold.nunique().eq(1).all()
    rain = root / "002 - Rain"
    (rain / "1-1000-A.ogg").rename(rain / "6-1000-A.ogg")  # no fold 6; source 1000 now in folds 1 and 6
    rain.rename(root / "003 - Rain")  # index 003 is Sea waves
    with pytest.raises(DatasetError) as info:
        load_esc10()
    msg = str(info.value)
    assert "folder '003 - Rain': index 003 is 'Sea waves'" in msg and "missing class folders: 002 - Rain" in msg
    (root / "003 - Rain").rename(rain)
    with pytest.raises(DatasetError, match="002 - Rain/6-1000-A.ogg: fold 6 does not exist"):
        load_esc10()
    (rain / "6-1000-A.ogg").rename(rain / "2-1000-A.ogg")
    with pytest.raises(DatasetError, match=r"source 1000: clips in folds \[1, 2\]"):
        load_esc10()


def test_speech_commands_table_and_checks(isolated):
    root = _fake_speech_commands(isolated / "speech_commands")
    df = load_speech_commands()
    assert len(df) == 60 and list(df.columns) == ["path", "word", "speaker", "take", "split"]
    assert df.split.value_counts().to_dict() == {"train": 57, "testing": 2, "validation": 1}
    assert df[df.path.str.endswith("yes/00000000_nohash_0.wav")].iloc[0][["word", "speaker", "take"]].tolist() == [
        "yes", "00000000", 0]
    shutil.move(str(root / "yes"), str(root / "yess"))
    with pytest.raises(DatasetError) as info:
        load_speech_commands()
    assert "folder 'yess' is not a Speech Commands word" in str(info.value) and "missing word folders: yes" in str(info.value)
    shutil.move(str(root / "yess"), str(root / "yes"))
    (root / "no" / "00010000_nohash_0.wav").rename(root / "no" / "clip.wav")
    (root / "testing_list.txt").unlink()
    with pytest.raises(DatasetError) as info:
        load_speech_commands()
    assert "no/clip.wav: not named <speaker>_nohash_<n>.wav" in str(info.value)
    assert "missing testing_list.txt" in str(info.value)


def _fake_librispeech(root: Path, readers: dict[int, str]) -> Path:
    folder = root / "train-clean-100"
    folder.mkdir(parents=True)
    lines = [";ID  |SEX| SUBSET           |MINUTES| NAME"]
    for r, sex in readers.items():
        sf.write(str(folder / f"{r}-{r + 7}-0000.flac"), np.zeros(1600), 16000)
        lines.append(f"{r} | {sex} | train-clean-100 | 25.0 | someone")
    (folder / "SPEAKERS.TXT").write_text("\n".join(lines) + "\n")
    return root


def test_librispeech_table_split_and_checks(isolated):
    readers = {r: "F" if i % 2 else "M" for i, r in enumerate(LIBRISPEECH_TEST_READERS)}
    readers.update({10001: "F", 10002: "M"})
    root = _fake_librispeech(isolated / "librispeech", readers)
    df = load_librispeech()
    assert list(df.columns) == ["path", "reader", "sex", "duration", "chapter", "utterance"]
    assert len(df) == 53 and np.allclose(df.duration, 0.1) and df.reader.dtype.kind == "i"
    assert df.set_index("reader").loc[10001, "sex"] == "F" and df.set_index("reader").loc[10001, "chapter"] == 10008
    train, test = librispeech_split(df)
    assert train == [10001, 10002] and test == sorted(LIBRISPEECH_TEST_READERS)
    (root / "train-clean-100" / "19-26-0000.flac").unlink()
    sf.write(str(root / "train-clean-100" / "777-1-0000.flac"), np.zeros(160), 16000)
    with pytest.raises(DatasetError) as info:
        load_librispeech()
    assert "reader 777 has no sex F/M in SPEAKERS.TXT" in str(info.value)
    assert "missing test readers (the fixed split needs them): 19" in str(info.value)


@pytest.mark.skipif(not (MIRROR / "librispeech").is_dir(), reason="needs the course's data mirror")
def test_librispeech_test_readers_follow_the_documented_rule():
    sexes = datasets.checks.speakers_txt(MIRROR / "librispeech")
    present = sorted({int(p.name.split("-")[0]) for p in (MIRROR / "librispeech" / "train-clean-100").glob("*.flac")})
    assert len(present) == 251
    rule = sorted(r for sex in "FM" for r in [x for x in present if sexes[x] == sex][::5])
    assert tuple(rule) == LIBRISPEECH_TEST_READERS
    test_sexes = [sexes[r] for r in LIBRISPEECH_TEST_READERS]
    assert (test_sexes.count("F"), test_sexes.count("M")) == (25, 26)


@pytest.mark.skipif(not (MIRROR / "esc10").is_dir(), reason="needs the course's data mirror")
def test_real_corpora_from_the_mirror(monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(MIRROR))
    esc = load_esc10(download=False)
    assert len(esc) == 400 and esc.groupby("source_id").fold.nunique().eq(1).all()
    sc = load_speech_commands(download=False)
    assert len(sc) == 300 and sc.speaker.nunique() == 41 and set(sc.word) == set(SPEECH_COMMANDS_WORDS)
    ls = load_librispeech(download=False)
    assert len(ls) == 251 and ls.sex.value_counts().to_dict() == {"M": 126, "F": 125}
    train, test = librispeech_split(ls)
    assert len(train) == 200 and len(test) == 51 and not set(train) & set(test)


def test_synthetic_fallbacks_are_flagged(isolated, monkeypatch, capsys):
    small = functools.partial(write_esc10_like, sources_per_fold=1, takes=2, seconds=0.5, sr=8000)
    monkeypatch.setitem(fallback._WRITERS, "esc10", small)
    esc = load_esc10(allow_synthetic=True)
    assert esc.attrs["synthetic"] is True and len(esc) == 100 and esc.fold.nunique() == 5
    assert esc.groupby("source_id").fold.nunique().eq(1).all() and esc.class_id.nunique() == 10
    assert "SYNTHETIC sound events" in capsys.readouterr().err
    sc = load_speech_commands(allow_synthetic=True)
    assert sc.attrs["synthetic"] and len(sc) == 300 and set(sc.word) == set(SPEECH_COMMANDS_WORDS) == set(WORD_UNITS)
    assert not set(sc[sc.split == "testing"].speaker) & set(sc[sc.split == "train"].speaker)
    assert all(sf.info(p).frames == 16000 for p in sc.path[:5])
    ls = load_librispeech(allow_synthetic=True)
    assert ls.attrs["synthetic"] and len(ls) == 20 and ls.sex.value_counts().to_dict() == {"F": 10, "M": 10}
    train, test = librispeech_split(ls)
    assert len(test) == 4 and ls.set_index("reader").loc[test, "sex"].value_counts().to_dict() == {"F": 2, "M": 2}
    assert "SYNTHETIC speech" in capsys.readouterr().err


def test_command_line_only_and_unknown(isolated, capsys):
    _fake_esc10(isolated / "esc10")
    assert datasets.main(["status", "--only", "esc10"]) == 0
    assert capsys.readouterr().out.startswith("esc10: ")
    assert datasets.main(["status"]) == 1  # the others are missing
    out = capsys.readouterr().out
    assert all(f"{n}: " in out for n in ("ravdess", "fsdd", "librispeech", "speech_commands", "librosa"))
    with pytest.raises(SystemExit):
        datasets.main(["fetch", "timit"])
