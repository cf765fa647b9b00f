"""The synthetic stand-ins for ESC-10 (sound events), LibriSpeech (readers) and Speech Commands (words)."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from course_utils.datasets import ESC10_CLASSES, SPEECH_COMMANDS_WORDS
from course_utils.synth import EVENT_CLASSES, WORD_UNITS, sound_event, write_esc10_like
from course_utils.synth.corpora import write_librispeech_like, write_speech_commands_like


def test_sound_events_are_deterministic_labelled_and_distinct():
    assert EVENT_CLASSES == ESC10_CLASSES
    clips = [sound_event(c, source=1, take=0, seconds=1.0, sr=16000) for c in range(10)]
    assert all(y.dtype == np.float32 and y.shape == (16000,) and np.isclose(np.abs(y).max(), 0.8) for y in clips)
    assert np.array_equal(clips[3], sound_event(3, source=1, take=0, seconds=1.0, sr=16000))
    assert not np.array_equal(clips[3], sound_event(3, source=1, take=1, seconds=1.0, sr=16000))
    # the classes differ where they are meant to: brightness and burstiness
    centroid = [np.sum(np.abs(np.fft.rfft(y)) * np.arange(8001)) / np.sum(np.abs(np.fft.rfft(y))) for y in clips]
    assert centroid[EVENT_CLASSES.index("Rain")] > centroid[EVENT_CLASSES.index("Sea waves")]
    assert centroid[EVENT_CLASSES.index("Helicopter")] < centroid[EVENT_CLASSES.index("Clock tick")]
    with pytest.raises(ValueError, match="class index"):
        sound_event(10, 0, 0)


def test_esc10_like_layout(tmp_path):
    root = write_esc10_like(tmp_path, sources_per_fold=1, takes=2, seconds=0.5, sr=8000)
    folders = sorted(p.name for p in root.iterdir())
    assert folders == [f"{i:03d} - {c}" for i, c in enumerate(ESC10_CLASSES, start=1)]
    names = sorted(p.name for p in (root / "005 - Clock tick").iterdir())
    assert len(names) == 10 and names[:2] == ["1-104010-A.ogg", "1-104010-B.ogg"]
    info = sf.info(str(root / "005 - Clock tick" / names[0]))
    assert (info.samplerate, info.channels, info.format, info.frames) == (8000, 1, "OGG", 4000)


def test_librispeech_like_readers(tmp_path):
    root = write_librispeech_like(tmp_path, n_readers=4, sentences=1)
    files = sorted(p.name for p in (root / "train-clean-100").glob("*.flac"))
    assert files == ["90001-1000-0000.flac", "90002-1001-0000.flac", "90003-1002-0000.flac", "90004-1003-0000.flac"]
    text = (root / "train-clean-100" / "SPEAKERS.TXT").read_text()
    assert "90001| F |" in text and "90004| M |" in text


def test_speech_commands_like_words(tmp_path):
    assert set(WORD_UNITS) == set(SPEECH_COMMANDS_WORDS)
    root = write_speech_commands_like(tmp_path, clips_per_word=2, n_speakers=6)
    clips = sorted(root.glob("*/*.wav"))
    assert len(clips) == 60 and all(sf.info(str(p)).frames == 16000 for p in clips[:6])
    val = (root / "validation_list.txt").read_text().split()
    test = (root / "testing_list.txt").read_text().split()
    assert val and test and not {v.split("/")[1][:8] for v in val} & {t.split("/")[1][:8] for t in test}
