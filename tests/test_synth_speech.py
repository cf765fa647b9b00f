"""Unit tests of the source-filter speech synthesizer (course_utils.synth.speech)."""
from __future__ import annotations

import time

import numpy as np
import pytest

from course_utils.synth import EMOTION_PROSODY, EMOTIONS, make_speaker, synthesize_utterance
from course_utils.synth.speech import _STATEMENT_UNITS, write_ravdess_like


def test_deterministic_and_seed_dependent():
    spk = make_speaker(3)
    a = synthesize_utterance("aiu", spk, seed=1)
    b = synthesize_utterance("aiu", spk, seed=1)
    c = synthesize_utterance("aiu", spk, seed=2)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[: min(a.size, c.size)], c[: min(a.size, c.size)])
    assert make_speaker(3) == spk and make_speaker(3, seed=1) != spk


def test_speakers_differ_in_pitch_and_gender():
    male, female = make_speaker(1), make_speaker(2)
    assert male.gender == "male" and female.gender == "female" and female.f0 > male.f0


def _f0(y, sr=16000):
    import librosa

    f0, voiced, _ = librosa.pyin(y, fmin=60, fmax=600, sr=sr, frame_length=1024)
    return np.nanmedian(f0[voiced])


def test_pitch_follows_speaker_and_emotion_table():
    spk = make_speaker(5)
    units = _STATEMENT_UNITS[1]
    neutral = _f0(synthesize_utterance(units, spk, "neutral", seed=0))
    angry = _f0(synthesize_utterance(units, spk, "angry", 2.0, seed=0))
    assert neutral == pytest.approx(spk.f0, rel=0.2)
    assert angry > neutral * 1.2  # the table raises F0 for anger
    loud = synthesize_utterance(units, spk, "angry", seed=0)
    soft = synthesize_utterance(units, spk, "sad", seed=0)
    assert np.sqrt(np.mean(loud**2)) > 1.5 * np.sqrt(np.mean(soft**2))
    assert set(EMOTION_PROSODY) == set(EMOTIONS)


def test_bad_arguments():
    with pytest.raises(ValueError, match="emotion"):
        synthesize_utterance("a", make_speaker(1), "bored")
    with pytest.raises(ValueError, match="unknown symbols"):
        synthesize_utterance("aZ", make_speaker(1))


def test_fast_enough_for_a_fallback_corpus(tmp_path):
    start = time.perf_counter()
    write_ravdess_like(tmp_path, n_actors=1)
    files = list(tmp_path.glob("Actor_01/*.wav"))
    assert len(files) == 60
    assert time.perf_counter() - start < 30  # generous: ~1 s on an idle laptop
