"""Course layout rules: every chapter has its notebook, solution and exercise; all stored clean."""
from __future__ import annotations

import json

import nbformat
import pytest

from course_utils.paths import repo_root

ROOT = repo_root()
CHAPTERS = [
    "00_audio_foundations",
    "01_speaker_recognition", "02_speaker_embeddings", "03_speaker_verification",
    "04_emotion_recognition", "05_speech_enhancement", "06_music_information_retrieval",
    "07_integrated_pipeline", "08_speaker_diarization", "09_sound_classification",
    "10_keyword_spotting_and_asr",
]
NOTEBOOKS = sorted(p for d in ("notebooks", "solutions", "exercises") for p in (ROOT / d).glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: cells {dirty} hold outputs; notebooks are stored clean: "
                       f"jupyter nbconvert --clear-output --inplace {path}")
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_chapters_end_with_a_self_check(path):
    cells = json.loads(path.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    last = "".join(code[-1]["source"])
    heading = "".join(next(c["source"] for c in reversed(cells) if c["cell_type"] == "markdown"))
    assert "Self-check" in heading and "assert" in last, f"{path.name} must end with a Self-check cell of asserts"


def test_chapter_files_follow_the_naming_scheme():
    allowed = set(CHAPTERS)
    for d, suffix in (("notebooks", ""), ("solutions", "_solutions"), ("exercises", "_exercises")):
        for p in (ROOT / d).glob("*.ipynb"):
            assert p.stem.removesuffix(suffix) in allowed, f"{p} is not a chapter name"
    assert (ROOT / "notebooks" / "01_speaker_recognition.ipynb").exists()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_files_are_valid(path):
    """Valid against the nbformat schema they declare (4.5, cell ids), so Jupyter opens them unmodified."""
    nb = nbformat.reads(path.read_text(), as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5), f"{path.name}: nbformat {nb.nbformat}.{nb.nbformat_minor}"
    ids = [c.get("id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), f"{path.name}: every cell needs its own id"

