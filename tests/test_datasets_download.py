"""The file-by-file download, for real through pooch, from an HTTP server on 127.0.0.1 (no network needed).

The server plays the public repository: it serves a good copy of every file of a small manifest, and
then a tampered one. Verified files are installed; a tampered file is deleted and named in the error.
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from course_utils import datasets, paths
from course_utils.datasets import DatasetError, fetching, locate
from course_utils.datasets.fetching import source_url

WORDS = datasets.SPEECH_COMMANDS_WORDS


@pytest.fixture
def server(tmp_path):
    """A quiet HTTP server on 127.0.0.1 serving ``tmp_path / "remote"``; yields (folder, base URL)."""
    remote = tmp_path / "remote"
    remote.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(remote)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield remote, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sample(tmp_path, monkeypatch, server):
    """A Speech-Commands-like repository: one clip per word plus the two lists, with its manifest."""
    remote, base = server
    repo_dir = remote / "repo" / "speech_commands_v0.01"
    files = {f"{w}/{i:08x}_nohash_0.wav": f"clip {w}".encode() for i, w in enumerate(WORDS)}
    files["validation_list.txt"] = b"yes/00000000_nohash_0.wav\n"
    files["testing_list.txt"] = b"no/00000001_nohash_0.wav\n"
    for rel, data in files.items():
        (repo_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo_dir / rel).write_bytes(data)
    digests = {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}
    info = {"base_url": base + "repo/speech_commands_v0.01/", "manifest": "speech_commands.txt"}
    monkeypatch.setattr(fetching, "registry", lambda: {"speech_commands": info})
    monkeypatch.setattr(fetching, "manifest", lambda name: digests)
    monkeypatch.setattr(paths, "data_dir", lambda: tmp_path / "data")
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("COURSE_OFFLINE", raising=False)
    return repo_dir, tmp_path / "data"


def test_good_files_are_downloaded_verified_and_installed(sample):
    repo_dir, data = sample
    src = locate("speech_commands")
    assert src.origin == "download" and src.root == data / "speech_commands"
    assert (src.root / "yes" / "00000000_nohash_0.wav").read_bytes() == b"clip yes"
    assert not (data / "downloads" / "speech_commands").exists()  # staging emptied
    df = datasets.load_speech_commands()
    assert len(df) == 30 and df.attrs["origin"] == "data/"


def test_tampered_file_is_deleted_and_named(sample):
    repo_dir, data = sample
    (repo_dir / "dog" / f"{WORDS.index('dog'):08x}_nohash_0.wav").write_bytes(b"tampered")
    with pytest.raises(DatasetError) as info:
        datasets.download("speech_commands")
    msg = str(info.value)
    assert f"dog/{WORDS.index('dog'):08x}_nohash_0.wav failed verification and was deleted" in msg
    staged = data / "downloads" / "speech_commands"
    assert not (staged / "dog").exists() or not any((staged / "dog").iterdir())
    assert (staged / "bed").is_dir()  # files verified before it stay staged for the next attempt ...
    assert not (data / "speech_commands").exists()  # ... but nothing is installed unverified
    (repo_dir / "dog" / f"{WORDS.index('dog'):08x}_nohash_0.wav").write_bytes(b"clip dog")
    assert datasets.download("speech_commands") == data / "speech_commands"  # resumes and completes


def test_missing_remote_file_is_reported(sample):
    repo_dir, data = sample
    (repo_dir / "testing_list.txt").unlink()
    with pytest.raises(DatasetError, match="download of testing_list.txt from http://127.0.0.1:.* failed"):
        datasets.download("speech_commands")


def test_source_urls_of_the_registry():
    reg = datasets.registry()
    assert source_url(reg["esc10"], "001 - Dog bark/1-100032-A.ogg") == (
        "https://raw.githubusercontent.com/karolpiczak/ESC-10/553c8f1743b9dba6b282e1323c3ca8fa76923448/"
        "001%20-%20Dog%20bark/1-100032-A.ogg")
    assert source_url(reg["librispeech"], "train-clean-100/103-1240-0000.flac").endswith(
        "/audio_data/librispeech_train-clean-100/103-1240-0000.flac")
    assert source_url(reg["fsdd"], "recordings/0_george_0.wav") == (
        "https://raw.githubusercontent.com/Jakobovski/free-spoken-digit-dataset/v1.0.10/recordings/0_george_0.wav")
    assert all(Path(rel).parts[0] in WORDS or "/" not in rel for rel in datasets.manifest("speech_commands"))
