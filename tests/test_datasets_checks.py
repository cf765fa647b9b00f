"""Issue #14: a dataset folder whose labels could be wrong is reported, naming the file, never loaded.

Each test builds a folder that the loaders before issue #14 accepted (or crashed on without naming
the file) and checks that it is now refused with a message naming what is wrong.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course_utils.datasets import DatasetError, load_fsdd, load_ravdess
from course_utils.synth.speech import FSDD_SPEAKERS
from test_datasets import _fake_ravdess, _tiny_wav  # the same fake folders as the lookup tests


@pytest.fixture(scope="module")
def ravdess_template(tmp_path_factory) -> Path:
    """A complete, well-formed RAVDESS-like folder (1440 tiny files), built once."""
    return _fake_ravdess(tmp_path_factory.mktemp("ravdess_template") / "ravdess")


@pytest.fixture
def mirror(tmp_path, monkeypatch, ravdess_template):
    """``$COURSE_DATA_DIR`` with a fresh copy of the RAVDESS template; no network."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    shutil.copytree(ravdess_template, tmp_path / "ravdess")
    return tmp_path


def test_template_is_accepted(mirror):
    df = load_ravdess()
    assert len(df) == 1440 and df.groupby("actor").size().eq(60).all()


def test_file_of_another_actor_in_an_actor_folder_is_reported(mirror):
    a1 = mirror / "ravdess" / "Actor_01"
    (a1 / "03-01-08-02-02-02-01.flac").unlink()  # Actor_01 still holds 60 files ...
    shutil.copyfile(mirror / "ravdess" / "Actor_02" / "03-01-08-02-02-02-02.flac", a1 / "03-01-08-02-02-02-02.flac")
    with pytest.raises(DatasetError) as info:  # ... but one of them is actor 02's
        load_ravdess()
    msg = str(info.value)
    assert "Actor_01/03-01-08-02-02-02-02.flac: the name says actor 02 but the file is in Actor_01" in msg
    assert "Actor_01: 59 of 60 speech files" in msg  # not counted as actor 01's
    assert "duplicate take 03-01-08-02-02-02-02" in msg


@pytest.mark.parametrize("name, reason", [
    ("03-01-09-01-01-01-01.flac", "emotion 09 does not exist"),
    ("03-01-01-02-01-01-01.flac", "intensity 02 (strong) for neutral does not exist"),
    ("03-01-02-01-01-01-25.flac", "actor 25 does not exist"),
    ("01-01-02-01-01-01-01.flac", "modality 01 / vocal channel 01 is not audio-only speech"),
    ("03-02-02-01-01-01-01.flac", "modality 03 / vocal channel 02 is not audio-only speech"),
    ("03-01-02-03-01-01-01.flac", "intensity 03 does not exist"),
])
def test_impossible_code_is_reported_naming_the_file(mirror, name, reason):
    a1 = mirror / "ravdess" / "Actor_01"
    (a1 / "03-01-08-02-02-02-01.flac").unlink()
    _tiny_wav(a1 / name)
    with pytest.raises(DatasetError, match=f"Actor_01/{name}: {reason}".replace("(", r"\(").replace(")", r"\)")):
        load_ravdess()


def test_duplicate_take_is_reported(mirror):
    a1 = mirror / "ravdess" / "Actor_01"
    (a1 / "03-01-08-02-02-02-01.flac").unlink()
    _tiny_wav(a1 / "03-01-05-01-01-01-01.wav")  # the same take as ...-01.flac
    with pytest.raises(DatasetError, match="duplicate take 03-01-05-01-01-01-01: "
                                           "Actor_01/03-01-05-01-01-01-01.flac, Actor_01/03-01-05-01-01-01-01.wav"):
        load_ravdess()


@pytest.fixture
def fsdd(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    rec = tmp_path / "fsdd" / "recordings"
    for spk in FSDD_SPEAKERS:
        for take in range(3):
            _tiny_wav(rec / f"7_{spk}_{take}.wav", 8000)
    return rec


def test_fsdd_speaker_with_fewer_files_is_incomplete(fsdd):
    assert len(load_fsdd()) == 18
    (fsdd / "7_theo_1.wav").unlink()
    (fsdd / "7_theo_2.wav").unlink()
    with pytest.raises(DatasetError, match="speaker theo: incomplete, 1 of 3 recordings"):
        load_fsdd()
