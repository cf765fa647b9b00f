"""Tests of the generated music with known labels (course_utils.synth.music)."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.synth import chord_progression, drum_pattern
from course_utils.synth import music

SR = 22050


def test_kick_demo_beats():
    y, beats = music.kick_demo(120, duration=4.0, sr=SR)
    assert y.dtype == np.float32 and y.size == 4 * SR
    np.testing.assert_allclose(np.diff(beats), 0.5)
    # energy right after each beat, near silence just before the next one
    i = int(beats[2] * SR)
    assert np.abs(y[i : i + 500]).max() > 10 * np.abs(y[i - 300 : i - 10]).max()
    with pytest.raises(ValueError, match="tempo"):
        music.kick_demo(5)
    with pytest.raises(ValueError, match="duration"):
        music.kick_demo(120, duration=0)


@pytest.mark.parametrize("meter,swing", [(3, 0.0), (4, 0.25), (5, 0.1)])
def test_drum_pattern(meter, swing):
    y, beats, downbeats = drum_pattern(100, n_beats=10, meter=meter, swing=swing, sr=SR)
    assert y.dtype == np.float32 and np.abs(y).max() <= 0.9 + 1e-6
    np.testing.assert_allclose(np.diff(beats), 0.6)
    np.testing.assert_allclose(downbeats, beats[::meter])
    assert y.size / SR > beats[-1]


def test_drum_pattern_noise_and_errors():
    clean, _, _ = drum_pattern(120, n_beats=8, sr=SR, seed=1)
    noisy, _, _ = drum_pattern(120, n_beats=8, sr=SR, seed=1, noise_snr_db=0)
    quiet = slice(0, int(0.4 * SR))  # lead-in before the first beat
    assert np.abs(noisy[quiet]).mean() > 10 * (np.abs(clean[quiet]).mean() + 1e-6)
    for kwargs, msg in [(dict(tempo=500), "tempo"), (dict(meter=1), "meter"), (dict(swing=0.6), "swing"),
                        (dict(n_beats=0), "n_beats")]:
        with pytest.raises(ValueError, match=msg):
            drum_pattern(**kwargs)


def test_chord_progression_labels_and_pitch():
    y, iv, labels = chord_progression(["A:min", "C:maj"], [1.0, 0.5], sr=SR)
    assert labels == ["A:min", "C:maj"]
    np.testing.assert_allclose(iv, [[0, 1.0], [1.0, 1.5]])
    assert y.size == int(1.5 * SR)
    spec = np.abs(np.fft.rfft(y[: SR]))
    freqs = np.fft.rfftfreq(SR, 1 / SR)
    def level(f):  # spectral peak within 3 Hz of f
        return spec[(freqs > f - 3) & (freqs < f + 3)].max()
    triad = [level(f) for f in (220.0, 440.0, 523.25, 659.26)]  # A3 bass, A4, C5, E5
    others = [level(f) for f in (466.16, 493.88, 554.37, 587.33)]  # A#4, B4, C#5, D5
    assert min(triad) > 10 * max(others)
    y2, _, _ = chord_progression(None, 1.0, sr=SR, drums=True, noise_snr_db=10, timbre="pad")
    assert np.isfinite(y2).all()
    with pytest.raises(ValueError, match="chord label"):
        chord_progression(["H:maj"])
    with pytest.raises(ValueError, match="at least one"):
        chord_progression([])
    with pytest.raises(ValueError, match="positive"):
        chord_progression(["C:maj"], 0.0)


def test_random_chord_labels():
    labels = music.random_chord_labels(30, seed=3)
    assert len(labels) == 30 and set(labels) <= set(music.CHORD_LABELS)
    assert all(a != b for a, b in zip(labels, labels[1:]))
    assert labels == music.random_chord_labels(30, seed=3)
    with pytest.raises(ValueError):
        music.random_chord_labels(0)


def test_render_music_and_styles():
    y, beats, chords = music.render_music(["bass", "chords"], tempo=90, meter=3, duration=4.0, sr=SR)
    assert y.size == 4 * SR and np.isfinite(y).all()
    np.testing.assert_allclose(np.diff(beats), 60 / 90)
    assert all(lb in music.CHORD_LABELS for _, _, lb in chords)
    with pytest.raises(ValueError, match="parts"):
        music.render_music(["violin"])
    for style in music.STYLES:
        y, info = music.style_clip(style, duration=2.0, sr=SR, seed=1)
        assert y.size == 2 * SR and info["style"] == style
        lo, hi = music.STYLES[style]["tempo"]
        assert lo <= info["tempo"] <= hi
    with pytest.raises(ValueError, match="unknown style"):
        music.style_clip("polka")


def test_tagged_clip_multilabel():
    y, target = music.tagged_clip(["kick", "melody"], duration=2.0, sr=SR)
    np.testing.assert_array_equal(target, [1, 0, 0, 0, 0, 1])
    targets = np.stack([music.tagged_clip(duration=1.0, sr=SR, seed=s)[1] for s in range(12)])
    assert (targets.sum(1) >= 1).all() and (targets.sum(1) > 1).any()  # several tags per clip


def test_generated_song_distinct():
    a, ia = music.generated_song(0, duration=6.0, sr=SR)
    b, ib = music.generated_song(1, duration=6.0, sr=SR)
    assert a.size == b.size == 6 * SR and ia["style"] != ib["style"]
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.2
