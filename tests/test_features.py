"""Unit tests of course_utils.features."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.audio import AudioError
from course_utils.features import (
    SPEAKER_FEATURE_NAMES,
    deltas,
    extract_cached,
    frame_params,
    log_mel,
    mfcc,
    speaker_features,
)


def test_frame_params():
    assert frame_params(16000) == (512, 160)
    assert frame_params(8000) == (256, 80)


@pytest.mark.parametrize("n", [50, 300, 2000, 16000])
def test_speaker_features_on_short_and_long_clips(n):
    rng = np.random.default_rng(0)
    y = rng.normal(size=n).astype(np.float32) * 0.1
    f = speaker_features(y, 16000)
    assert f.shape == (120,) and np.all(np.isfinite(f))
    assert len(SPEAKER_FEATURE_NAMES) == 120


def test_speaker_features_layout_matches_names(tone):
    y, sr = tone
    f = speaker_features(y, sr)
    m = mfcc(y, sr)
    np.testing.assert_allclose(f[:20], m.mean(axis=1), rtol=1e-5, atol=1e-4)
    assert SPEAKER_FEATURE_NAMES[0] == "mean_mfcc0" and SPEAKER_FEATURE_NAMES[60] == "std_mfcc0"


def test_fast_mfcc_and_log_mel_match_librosa(tone):
    import librosa

    y, sr = tone
    ref = librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, n_fft=512, hop_length=160, n_mels=40, fmin=20.0, fmax=sr / 2)
    np.testing.assert_allclose(mfcc(y, sr), ref, rtol=1e-3, atol=1e-2)
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=512, hop_length=160, n_mels=64)
    np.testing.assert_allclose(log_mel(y, sr), librosa.power_to_db(mel, ref=np.max, top_db=80.0), atol=1e-3)


def test_deltas_match_librosa_when_long_enough():
    import librosa

    F = np.random.default_rng(0).normal(size=(5, 40))
    np.testing.assert_allclose(deltas(F), librosa.feature.delta(F))
    short = deltas(F[:, :3], order=2)
    assert short.shape == (5, 3) and np.all(np.isfinite(short))


def test_log_mel_shape_and_range(tone):
    y, sr = tone
    S = log_mel(y, sr, n_mels=40)
    assert S.shape[0] == 40 and S.shape[1] == 1 + len(y) // 160
    assert S.max() == pytest.approx(0.0) and S.min() >= -80.0 - 1e-3


def test_features_reject_bad_audio():
    with pytest.raises(AudioError):
        speaker_features(np.zeros(1000), 16000)
    with pytest.raises(AudioError):
        log_mel(np.array([]), 16000)


def test_extract_cached_computes_once(tmp_path, monkeypatch, tone, write_wav):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    y, sr = tone
    paths = [write_wav(f"{i}.wav", y * (i + 1) / 4, sr) for i in range(3)]
    calls = []

    def feat(y, sr, scale=1.0):
        calls.append(1)
        return np.array([y.std() * scale, sr])

    a = extract_cached(paths, feat, sr=sr, progress=False, scale=2.0)
    b = extract_cached(paths, feat, sr=sr, progress=False, scale=2.0)
    assert a.shape == (3, 2) and len(calls) == 3
    np.testing.assert_array_equal(a, b)
    extract_cached(paths, feat, sr=sr, progress=False, scale=3.0)  # new params: recomputed
    assert len(calls) == 6

    def ragged(y, sr):
        return np.ones((2, int(y.std() * 40) + 1))

    r1 = extract_cached(paths, ragged, sr=sr, progress=False)
    r2 = extract_cached(paths, ragged, sr=sr, progress=False)
    assert isinstance(r1, list) and [x.shape for x in r1] == [x.shape for x in r2]


def test_extract_cached_parallel_matches_serial(tmp_path, monkeypatch, tone, write_wav):
    import course_utils.parallel as P

    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(P, "PARALLEL_MIN_FILES", 1)
    y, sr = tone
    paths = [write_wav(f"{i}.wav", y * (i + 1) / 8, sr) for i in range(6)]
    par = extract_cached(paths, speaker_features, sr=sr, progress=False, n_jobs=2)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache2"))
    ser = extract_cached(paths, speaker_features, sr=sr, progress=False, n_jobs=1)
    np.testing.assert_array_equal(par, ser)
    # a bad file in a worker still gives the clear error that names it
    (tmp_path / "bad.wav").write_bytes(b"not audio")
    with pytest.raises(AudioError, match="bad.wav"):
        extract_cached(paths + [tmp_path / "bad.wav"], speaker_features, sr=sr, progress=False, n_jobs=2)


