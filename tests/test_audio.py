"""Unit tests of course_utils.audio: loading, validation and the signal helpers."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from course_utils.audio import (
    AudioError,
    check_audio,
    fix_length,
    load_audio,
    mix_at_snr,
    normalize_peak,
    normalize_rms,
    rms_db,
)


def test_load_wav_resamples_to_float32_mono(tone, write_wav):
    y, sr = tone
    path = write_wav("a.wav", y, sr)
    out = load_audio(path, sr=8000)
    assert out.dtype == np.float32 and out.ndim == 1
    assert abs(out.size - 8000) <= 1
    np.testing.assert_allclose(load_audio(path, sr=None), y, atol=1e-4)


def test_load_flac_ogg_and_int_pcm(tone, write_wav):
    y, sr = tone
    for name, subtype in [("a.flac", "PCM_16"), ("a.ogg", "VORBIS"), ("b.wav", "PCM_24"), ("c.wav", "FLOAT")]:
        out = load_audio(write_wav(name, y, sr, subtype), sr=sr)
        assert out.shape == y.shape
        assert np.corrcoef(out, y)[0, 1] > 0.99


def test_stereo_is_mixed_down_or_kept(tone, write_wav):
    y, sr = tone
    path = write_wav("st.wav", np.stack([y, 0.5 * y], axis=1), sr)
    mono = load_audio(path, sr=sr)
    np.testing.assert_allclose(mono, 0.75 * y, atol=1e-3)
    both = load_audio(path, sr=sr, mono=False)
    assert both.shape == (2, y.size)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "file not found"),
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(b"this is not audio at all" * 10), "not a readable audio file"),
        (lambda p: p.mkdir(), "folder"),
    ],
)
def test_bad_files_name_the_file_and_the_problem(tmp_path, make, message):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(AudioError, match=message) as info:
        load_audio(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_truncated_wav_is_reported(tone, write_wav):
    path = write_wav("t.wav", *tone)
    path.write_bytes(path.read_bytes()[:30])  # header cut in the middle
    with pytest.raises(AudioError, match="t.wav"):
        load_audio(path)


def test_silent_short_and_nan_files(write_wav, tmp_path):
    sr = 16000
    silent = write_wav("silent.wav", np.zeros(sr, np.float32), sr)
    with pytest.raises(AudioError, match="silent"):
        load_audio(silent)
    assert load_audio(silent, allow_silent=True).size == sr
    short = write_wav("short.wav", 0.1 * np.ones(100, np.float32), sr)
    with pytest.raises(AudioError, match="too short"):
        load_audio(short, min_duration=0.5)
    nan = tmp_path / "nan.wav"
    y = np.full(sr, 0.1, np.float32)
    y[10] = np.nan
    sf.write(str(nan), y, sr, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN"):
        load_audio(nan)


def test_check_audio_arrays():
    with pytest.raises(AudioError, match="empty"):
        check_audio(np.array([]))
    with pytest.raises(AudioError, match="mono"):
        check_audio(np.zeros((2, 10)))
    with pytest.raises(AudioError, match="infinite"):
        check_audio(np.array([0.1, np.inf]))
    with pytest.raises(AudioError, match="numbers"):
        check_audio(np.array(["a", "b"]))
    with pytest.raises(ValueError, match="needs sr"):
        check_audio(np.ones(10), min_duration=1.0)
    ints = check_audio(np.array([0, 16384, -32767], dtype=np.int16))
    assert ints.dtype == np.float32 and ints[1] == pytest.approx(0.5, abs=1e-3)


def test_mix_at_snr_hits_the_target_exactly():
    rng = np.random.default_rng(1)
    clean = rng.normal(size=16000).astype(np.float32)
    noise = rng.normal(size=5000).astype(np.float32)  # shorter: looped
    for snr in (-5, 0, 5, 10):
        mix, scaled = mix_at_snr(clean, noise, snr, rng=rng, return_noise=True)
        assert mix.shape == clean.shape
        np.testing.assert_allclose(mix, clean + scaled, atol=1e-6)
        got = 10 * np.log10(np.sum(clean.astype(float) ** 2) / np.sum(scaled.astype(float) ** 2))
        assert got == pytest.approx(snr, abs=1e-3)
    with pytest.raises(AudioError, match="noise"):
        mix_at_snr(clean, np.zeros(100), 0)
    with pytest.raises(ValueError, match="finite"):
        mix_at_snr(clean, noise, float("nan"))


def test_fix_length_modes():
    y = np.arange(10, dtype=np.float32)
    assert fix_length(y, 4).tolist() == [0, 1, 2, 3]
    assert fix_length(y, 4, mode="center").tolist() == [3, 4, 5, 6]
    r = fix_length(y, 4, mode="random", rng=np.random.default_rng(0))
    assert r.size == 4 and np.all(np.diff(r) == 1)
    assert fix_length(y, 12).tolist() == list(range(10)) + [0, 0]
    assert fix_length(y, 12, mode="center").tolist() == [0] + list(range(10)) + [0]
    with pytest.raises(ValueError):
        fix_length(y, 0)
    with pytest.raises(ValueError):
        fix_length(y, 4, mode="middle")


def test_levels(tone):
    y, _ = tone
    assert np.max(np.abs(normalize_peak(y, 0.5))) == pytest.approx(0.5)
    assert rms_db(normalize_rms(y, -30)) == pytest.approx(-30, abs=1e-3)
    assert rms_db(np.zeros(10)) == float("-inf")
    with pytest.raises(AudioError):
        normalize_peak(np.zeros(100))
