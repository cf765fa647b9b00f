"""Voice activity detection on synthetic signals with known speech regions."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.audio import AudioError
from course_utils.vad import energy_vad, mask_to_segments, smooth_mask, speech_segments, webrtc_vad


def _bursts(sr=16000):
    """0.5 s silence+noise, 1 s voiced buzz, 0.5 s noise, 1 s buzz, 0.5 s noise."""
    rng = np.random.default_rng(0)
    t = np.arange(int(3.5 * sr)) / sr
    y = 0.002 * rng.normal(size=t.size)
    f0 = 140 + 20 * np.sin(2 * np.pi * 3 * t)
    voiced = sum(np.sin(2 * np.pi * k * np.cumsum(f0) / sr) / k for k in range(1, 15))
    on = ((t >= 0.5) & (t < 1.5)) | ((t >= 2.0) & (t < 3.0))
    y = y + 0.3 * voiced * on
    return y.astype(np.float32), sr, on


@pytest.mark.parametrize("func", [energy_vad, webrtc_vad])
def test_vad_finds_the_bursts(func):
    y, sr, on = _bursts()
    mask = func(y, sr)
    assert mask.shape == (int(np.ceil(y.size / 160)),)
    truth = on[::160][: mask.size]
    assert np.mean(mask == truth) > 0.85
    segs = speech_segments(y, sr, method="energy" if func is energy_vad else "webrtc")
    assert len(segs) == 2
    assert segs[0][0] == pytest.approx(0.5, abs=0.15) and segs[1][1] == pytest.approx(3.0, abs=0.15)


def test_webrtc_other_rates_and_silence():
    y, sr, _ = _bursts()
    import librosa

    y22 = librosa.resample(y, orig_sr=sr, target_sr=22050)
    m = webrtc_vad(y22, 22050)
    assert m.size == int(np.ceil(y22.size / round(22050 * 0.01)))
    assert 0.4 < m.mean() < 0.8
    zeros = np.zeros(16000, np.float32)
    assert not energy_vad(zeros, 16000).any()
    assert speech_segments(zeros, 16000, method="energy") == []


def test_fixed_threshold():
    y, sr, _ = _bursts()
    assert energy_vad(y, sr, threshold_db=0.0).sum() == 0
    assert energy_vad(y, sr, threshold_db=-200.0).all()


def test_smooth_and_segments():
    m = np.array([0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], bool)
    s = smooth_mask(m, hop_ms=10, min_speech_ms=50, min_silence_ms=30)
    assert not s[1]  # isolated blip dropped
    assert s[5:15].all() and not s[15:23].any()
    assert mask_to_segments(s, hop_ms=10) == [(0.05, 0.15), (0.23, 0.34)]
    m2 = m.copy(); m2[8] = False  # a 10 ms gap inside speech is filled
    assert smooth_mask(m2, hop_ms=10, min_speech_ms=50, min_silence_ms=30)[8]
    with pytest.raises(ValueError, match="1-D"):
        mask_to_segments(np.zeros((2, 2)))


def test_bad_inputs():
    with pytest.raises(AudioError, match="empty"):
        energy_vad(np.zeros(0), 16000)
    with pytest.raises(AudioError, match="NaN"):
        webrtc_vad(np.array([0.1, np.nan, 0.2], np.float32), 16000)
    with pytest.raises(ValueError, match="aggressiveness"):
        webrtc_vad(np.ones(160, np.float32), 16000, aggressiveness=5)
    with pytest.raises(ValueError, match="frame_ms"):
        webrtc_vad(np.ones(160, np.float32), 16000, frame_ms=25)
    with pytest.raises(ValueError, match="sr"):
        energy_vad(np.ones(160, np.float32), 0)
    with pytest.raises(ValueError, match="method"):
        speech_segments(np.ones(160, np.float32), 16000, method="magic")
