"""Tests of course_utils.metrics.enhancement (synthetic signals only, fast)."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.audio import AudioError
from course_utils.metrics import enhancement as M


@pytest.fixture
def speechlike():
    """2 s of an amplitude-modulated harmonic signal at 16 kHz (syllable-like bursts)."""
    sr = 16000
    t = np.arange(2 * sr) / sr
    f0 = 140 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = sum(np.sin(k * phase) / k for k in range(1, 12))
    env = np.clip(np.sin(2 * np.pi * 2.5 * t), 0, None) ** 2
    return (0.3 * y * env).astype(np.float32), sr


def test_snr_known_value(speechlike):
    s, _ = speechlike
    rng = np.random.default_rng(0)
    n = rng.normal(size=s.size)
    n *= np.sqrt(np.sum(s.astype(float) ** 2) / np.sum(n**2) / 10)  # exactly 10 dB
    assert M.snr(s, s + n) == pytest.approx(10.0, abs=1e-4)
    assert M.snr(s, s) > 100  # perfect estimate: very large, finite


def test_snr_is_not_scale_invariant_but_si_sdr_is(speechlike):
    s, _ = speechlike
    noisy = s + 0.05 * np.random.default_rng(1).normal(size=s.size).astype(np.float32)
    assert M.snr(s, 0.5 * s) == pytest.approx(20 * np.log10(2), abs=1e-4)
    assert M.si_sdr(s, 0.5 * s) > 100
    assert M.si_sdr(s, 0.3 * noisy) == pytest.approx(M.si_sdr(s, noisy), abs=1e-6)
    assert M.snr(s, 0.3 * noisy) < M.snr(s, noisy) - 1


def test_si_sdr_matches_definition(speechlike):
    s, _ = speechlike
    rng = np.random.default_rng(2)
    e = rng.normal(size=s.size) * 0.05
    est = 0.8 * s + e
    ref, x = s - s.mean(), est - est.mean()
    a = np.dot(x, ref) / np.dot(ref, ref)
    want = 10 * np.log10(np.sum((a * ref) ** 2) / np.sum((x - a * ref) ** 2))
    assert M.si_sdr(s, est) == pytest.approx(want, abs=1e-6)


def test_segmental_snr_bounds_and_order(speechlike):
    s, sr = speechlike
    rng = np.random.default_rng(3)
    small = s + 0.01 * rng.normal(size=s.size)
    big = s + 0.1 * rng.normal(size=s.size)
    hi, lo = M.segmental_snr(s, small, sr), M.segmental_snr(s, big, sr)
    assert -10 <= lo < hi <= 35
    assert M.segmental_snr(s, s, sr) == pytest.approx(35.0)


def test_length_and_rate_mismatch_give_clear_errors(speechlike):
    s, sr = speechlike
    with pytest.raises(AudioError, match="align"):
        M.si_sdr(s, s[:-10])
    with pytest.raises(AudioError, match="8000 Hz"):
        M.check_pair(s, s, sr=sr, sr_estimate=8000)
    with pytest.raises(AudioError, match="empty"):
        M.snr(np.array([]), np.array([]))
    bad = s.copy()
    bad[5] = np.nan
    with pytest.raises(AudioError, match="NaN"):
        M.si_sdr(s, bad)
    with pytest.raises(AudioError, match="sample rate"):
        M.stoi(s, s, sr=0)


def test_align_recovers_delay(speechlike):
    s, _ = speechlike
    delayed = np.concatenate([np.zeros(160, np.float32), s])[: s.size]
    assert M.si_sdr(s, delayed) < 5  # a 10 ms delay ruins a sample-wise metric...
    ref, est, lag = M.align(s, delayed)
    assert lag == 160
    assert ref.size == est.size == s.size - 160
    assert M.si_sdr(ref, est) > 60  # ...and aligning fixes it


def test_pesq_and_stoi_rank_noise_levels(speechlike):
    s, sr = speechlike
    rng = np.random.default_rng(4)
    clean_ish = s + 0.003 * rng.normal(size=s.size).astype(np.float32)
    noisy = s + 0.1 * rng.normal(size=s.size).astype(np.float32)
    p_hi, p_lo = M.pesq_wb(s, clean_ish, sr), M.pesq_wb(s, noisy, sr)
    assert 1.0 <= p_lo < p_hi <= 4.7
    st_hi, st_lo = M.stoi(s, clean_ish, sr), M.stoi(s, noisy, sr)
    assert 0 <= st_lo < st_hi <= 1.0
    scores = M.evaluate(s, noisy, sr, metrics=("snr", "segsnr", "si_sdr", "stoi", "pesq"))
    assert set(scores) == {"snr", "segsnr", "si_sdr", "stoi", "pesq"}
    assert scores["pesq"] == pytest.approx(p_lo)


def test_pesq_resamples_high_rates_and_rejects_low(speechlike):
    import librosa

    s, sr = speechlike
    noisy = s + 0.02 * np.random.default_rng(5).normal(size=s.size).astype(np.float32)
    s48 = librosa.resample(s, orig_sr=sr, target_sr=48000)
    n48 = librosa.resample(noisy, orig_sr=sr, target_sr=48000)
    assert M.pesq_wb(s48, n48, 48000) == pytest.approx(M.pesq_wb(s, noisy, sr), abs=0.3)
    with pytest.raises(AudioError, match="16 kHz"):
        M.pesq_wb(s[::2], noisy[::2], 8000)
    with pytest.raises(AudioError, match="too short"):
        M.pesq_wb(s[:1000], noisy[:1000], sr)
    with pytest.raises(AudioError, match="too short"):
        M.stoi(s[:2000], noisy[:2000], sr)
    with pytest.raises(ValueError, match="unknown metrics"):
        M.evaluate(s, noisy, sr, metrics=("mos",))
