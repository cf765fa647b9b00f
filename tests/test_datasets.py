"""Unit tests of course_utils.datasets: lookup order, validation, tables and the fallback."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from course_utils import datasets, paths
from course_utils.datasets import DatasetError, load_fsdd, load_ravdess, locate
from course_utils.datasets.librosa_examples import _librosa_trackmap
from course_utils.synth.speech import EMOTIONS, FSDD_SPEAKERS


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No mirror, no network, caches and data/ in a temporary folder."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(paths, "data_dir", lambda: tmp_path / "data")
    (tmp_path / "data").mkdir()
    return tmp_path


def _tiny_wav(path: Path, sr: int = 16000) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), 0.1 * np.sin(np.arange(sr // 10)), sr)


def _fake_ravdess(root: Path, actors=range(1, 25), per_actor: int = 60, ext: str = "flac") -> Path:
    for a in actors:
        n = 0
        for e in range(1, 9):
            for i in (1, 2):
                if e == 1 and i == 2:
                    continue
                for s in (1, 2):
                    for r in (1, 2):
                        if n < per_actor:
                            _tiny_wav(root / f"Actor_{a:02d}" / f"03-01-{e:02d}-{i:02d}-{s:02d}-{r:02d}-{a:02d}.{ext}")
                        n += 1
    return root


def test_missing_dataset_without_fallback_says_what_to_do(isolated):
    with pytest.raises(DatasetError, match="course_utils.datasets fetch --only ravdess"):
        locate("ravdess")
    with pytest.raises(ValueError, match="unknown dataset"):
        locate("timit")


def test_course_data_dir_comes_first_and_table_has_labels(isolated, monkeypatch):
    mirror = isolated / "mirror"
    _fake_ravdess(mirror / "ravdess", ext="wav")  # the official 48 kHz WAV layout also works
    monkeypatch.setenv("COURSE_DATA_DIR", str(mirror))
    df = load_ravdess()
    assert len(df) == 1440 and df.attrs["synthetic"] is False and df.attrs["origin"] == "COURSE_DATA_DIR"
    assert set(df.emotion) == set(EMOTIONS)
    assert df.groupby("actor").size().eq(60).all()
    row = df[df.path.str.endswith("03-01-05-02-01-02-07.wav")].iloc[0]
    assert (row.actor, row.gender, row.emotion, row.intensity, row.statement, row.repetition) == (
        7, "male", "angry", "strong", 1, 2)


def test_partial_folder_lists_what_is_missing(isolated):
    _fake_ravdess(isolated / "data" / "ravdess", actors=[1, 2], per_actor=60)
    (isolated / "data" / "ravdess" / "Actor_02" / "03-01-01-01-01-01-02.flac").unlink()
    with pytest.raises(DatasetError) as info:
        load_ravdess(allow_synthetic=True)
    msg = str(info.value)
    assert "Actor_03" in msg and "Actor_24" in msg and "Actor_02: 59 of 60" in msg


def test_fsdd_table_and_validation(isolated):
    rec = isolated / "data" / "fsdd" / "recordings"
    for spk in FSDD_SPEAKERS:
        _tiny_wav(rec / f"3_{spk}_0.wav", 8000)
    df = load_fsdd()
    assert len(df) == 6 and set(df.columns) == {"path", "speaker", "digit", "take"}
    (rec / "3_theo_0.wav").unlink()
    with pytest.raises(DatasetError, match="theo"):
        load_fsdd()


def test_synthetic_fallback_is_flagged_and_shows_a_banner(isolated, capsys, monkeypatch):
    df = load_fsdd(allow_synthetic=True)
    assert df.attrs["synthetic"] is True and df.attrs["origin"] == "synthetic"
    assert len(df) == 6 * 10 * 20 and df.speaker.nunique() == 6
    assert "OFFLINE FALLBACK" in capsys.readouterr().err
    again = load_fsdd(allow_synthetic=True)  # cached: same files
    assert again.path.tolist() == df.path.tolist()


def test_librosa_examples_offline(isolated, monkeypatch):
    monkeypatch.delenv("LIBROSA_DATA_DIR", raising=False)
    with pytest.raises(DatasetError, match="offline"):
        datasets.librosa_example("brahms")
    with pytest.raises(ValueError, match="unknown librosa example"):
        datasets.librosa_example("beatles")
    df = datasets.load_librosa_examples(["brahms"])
    assert len(df) == 0 and df.attrs["missing"] == ["brahms"]
    folder = isolated / "data" / "librosa"
    folder.mkdir()
    fname = _librosa_trackmap()["brahms"]["path"] + ".ogg"
    (folder / fname).write_bytes(b"x")
    assert datasets.librosa_example("brahms") == folder / fname


def test_registry_and_manifests():
    reg = datasets.registry()
    assert reg["ravdess"]["known_hash"].startswith("md5:")
    assert all("license" in v and "citation" in v for v in reg.values())
    for name in ("fsdd", "esc10", "speech_commands", "librispeech"):
        files = datasets.manifest(name)
        assert len(files) == reg[name]["files"] and reg[name]["base_url"].endswith("/")
        assert all(len(h) == 64 for h in files.values())
    # the FSDD manifest holds exactly the recordings the archive's tree hash accepted before
    lines = [f"{h}  {rel.split('/', 1)[1]}" for rel, h in sorted(datasets.manifest("fsdd").items())]
    assert hashlib.sha256("\n".join(lines).encode()).hexdigest() == reg["fsdd"]["tree_sha256"]
    with pytest.raises(DatasetError, match="archive"):
        datasets.manifest("ravdess")


def test_command_line_status(isolated, capsys):
    assert datasets.main(["status", "ravdess"]) == 1
    assert "ravdess" in capsys.readouterr().out


def _fake_retrieve(tmp_path, layout):
    """A stand-in for pooch.retrieve: 'extracts' ``layout`` and returns the file list."""
    def retrieve(url, known_hash, fname, path, progressbar, processor):
        assert progressbar is True and url.startswith("https://")
        out = []
        for rel in layout:
            p = path / processor.extract_dir / rel
            _tiny_wav(p, 8000)
            out.append(str(p))
        return out
    return retrieve


def test_download_ravdess_moves_actor_folders(isolated, monkeypatch):
    import pooch

    layout = [f"Actor_{a:02d}/03-01-{e:02d}-{i:02d}-{s:02d}-{r:02d}-{a:02d}.wav"
              for a in range(1, 25) for e in range(1, 9) for i in (1, 2) for s in (1, 2) for r in (1, 2)
              if not (e == 1 and i == 2)]
    monkeypatch.setattr(pooch, "retrieve", _fake_retrieve(isolated, layout))
    monkeypatch.delenv("COURSE_OFFLINE")
    src = locate("ravdess")
    assert src.origin == "download" and src.root == isolated / "data" / "ravdess"
    assert len(list(src.root.glob("Actor_*/*.wav"))) == 1440


def test_failed_download_is_reported(isolated, monkeypatch):
    import pooch

    def boom(*args, **kwargs):
        raise ConnectionError("no network")

    monkeypatch.setattr(pooch, "retrieve", boom)
    monkeypatch.delenv("COURSE_OFFLINE")
    with pytest.raises(DatasetError, match="no network"):
        locate("ravdess")

    def bad_hash(*args, **kwargs):
        raise ValueError("MD5 hash of downloaded file does not match the known hash")

    monkeypatch.setattr(pooch, "retrieve", bad_hash)
    with pytest.raises(DatasetError, match="Audio_Speech_Actors_01-24.zip failed verification and was deleted"):
        datasets.download("ravdess")
