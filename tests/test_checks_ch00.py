"""Chapter 0's auto-checks: right answers pass, typical wrong answers fail with a specific hint."""
from __future__ import annotations

import librosa
import numpy as np
import pytest
from scipy.fft import dct

from course_utils.checks import ExerciseFeedback
from course_utils.checks.ch00 import check_autocorr_f0, check_deltas, check_mel_filterbank, check_mfcc_from_power


# --------------------------------------------------------------------------- mel filterbank
def _mel(f, htk):
    f = np.asarray(f, dtype=float)
    if htk:
        return 2595 * np.log10(1 + f / 700)
    return np.where(f >= 1000, 15 + np.log(np.maximum(f, 1e-9) / 1000) / (np.log(6.4) / 27), 3 * f / 200)


def _hz(m, htk):
    if htk:
        return 700 * (10 ** (m / 2595) - 1)
    return np.where(m >= 15, 1000 * np.exp(np.log(6.4) / 27 * (m - 15)), 200 * m / 3)


def _filterbank(sr, n_fft, n_mels, fmin=0.0, fmax=None, htk=False, *, scale=None, area=None):
    scale = htk if scale is None else scale
    edges = _hz(np.linspace(_mel(fmin, scale), _mel(fmax or sr / 2, scale), n_mels + 2), scale)
    freqs = np.arange(1 + n_fft // 2) * sr / n_fft
    lo, c, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    fb = np.maximum(0.0, np.minimum((freqs - lo) / (c - lo), (hi - freqs) / (hi - c)))
    return fb * 2.0 / (hi - lo) if (not htk if area is None else area) else fb


def test_mel_filterbank_right_answers_pass():
    assert check_mel_filterbank(_filterbank)
    assert check_mel_filterbank(lambda sr, n_fft, n_mels, fmin=0.0, fmax=None, htk=False: librosa.filters.mel(
        sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk, norm=None if htk else "slaney"))


@pytest.mark.parametrize("wrong, hint", [
    (lambda sr, n_fft, n_mels, fmin=0.0, fmax=None, htk=False: _filterbank(sr, n_fft, n_mels, fmin, fmax, htk, scale=True),
     "you used the HTK mel scale"),
    (lambda sr, n_fft, n_mels, fmin=0.0, fmax=None, htk=False: _filterbank(sr, n_fft, n_mels, fmin, fmax, htk, area=False),
     "equal area"),
    (lambda sr, n_fft, n_mels, fmin=0.0, fmax=None, htk=False: _filterbank(sr, n_fft, n_mels, fmin, fmax, htk, area=True),
     "peak at 1"),
    (lambda sr, n_fft, n_mels, fmin=0.0, fmax=None, htk=False: _filterbank(sr, n_fft, n_mels, fmin, fmax, htk).T,
     "transposed"),
    (lambda sr, n_fft, n_mels, fmin=0.0, fmax=None, htk=False: _filterbank(sr, n_fft, n_mels, fmin, fmax, htk) * 2,
     "same factor"),
])
def test_mel_filterbank_wrong_answers_get_hints(wrong, hint):
    with pytest.raises(ExerciseFeedback, match=hint):
        check_mel_filterbank(wrong)


def test_mel_filterbank_rounded_to_bins_gets_a_hint():
    def rounded(sr, n_fft, n_mels, fmin=0.0, fmax=None, htk=False):
        edges = _hz(np.linspace(_mel(fmin, htk), _mel(fmax or sr / 2, htk), n_mels + 2), htk)
        bins = np.floor((n_fft + 1) * edges / sr).astype(int)             # the classic bin-rounded recipe
        fb = np.zeros((n_mels, 1 + n_fft // 2))
        for i in range(n_mels):
            lo, c, hi = bins[i], bins[i + 1], bins[i + 2]
            fb[i, lo:c] = (np.arange(lo, c) - lo) / max(c - lo, 1)
            fb[i, c:hi] = (hi - np.arange(c, hi)) / max(hi - c, 1)
            fb[i, c] = 1.0
        return fb if htk else fb * 2.0 / (edges[2:, None] - edges[:-2, None])

    with pytest.raises(ExerciseFeedback, match="rounded to FFT bins"):
        check_mel_filterbank(rounded)


def test_mel_filterbank_stub_says_not_implemented():
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError, match="not implemented yet"):
        check_mel_filterbank(stub)


# --------------------------------------------------------------------------- MFCC
def _floored_db(P, sr, n_mels):
    E = librosa.filters.mel(sr=sr, n_fft=2 * (P.shape[0] - 1), n_mels=n_mels) @ P
    L = 10 * np.log10(np.maximum(E, 1e-10))
    return L, np.maximum(L, L.max() - 80.0)


def _mfcc_right(P, sr, n_mfcc=13, n_mels=40):
    return dct(_floored_db(P, sr, n_mels)[1], axis=0, norm="ortho")[:n_mfcc]


def test_mfcc_right_answers_pass():
    assert check_mfcc_from_power(_mfcc_right)
    assert check_mfcc_from_power(lambda P, sr, n_mfcc=13, n_mels=40: librosa.feature.mfcc(
        S=librosa.power_to_db(librosa.feature.melspectrogram(S=P, sr=sr, n_mels=n_mels)), n_mfcc=n_mfcc))


@pytest.mark.parametrize("wrong, hint", [
    (lambda P, sr, n_mfcc=13, n_mels=40: dct(_floored_db(P, sr, n_mels)[1], axis=0)[:n_mfcc], "orthonormal"),
    (lambda P, sr, n_mfcc=13, n_mels=40: dct(_floored_db(P, sr, n_mels)[0], axis=0, norm="ortho")[:n_mfcc],
     "80 dB"),
    (lambda P, sr, n_mfcc=13, n_mels=40: dct(np.log(np.maximum(
        librosa.filters.mel(sr=sr, n_fft=2 * (P.shape[0] - 1), n_mels=n_mels) @ P, 1e-10)), axis=0, norm="ortho")[:n_mfcc],
     "natural log"),
    (lambda P, sr, n_mfcc=13, n_mels=40: _mfcc_right(P ** 2, sr, n_mfcc, n_mels), "do not square"),
    (lambda P, sr, n_mfcc=13, n_mels=40: _mfcc_right(np.sqrt(P), sr, n_mfcc, n_mels), "square root"),
    (lambda P, sr, n_mfcc=13, n_mels=40: dct(_floored_db(P, sr, n_mels)[1], axis=0, norm="ortho"), "keep the first"),
    (lambda P, sr, n_mfcc=13, n_mels=40: _mfcc_right(P, sr, n_mfcc, n_mels).T, "transposed"),
])
def test_mfcc_wrong_answers_get_hints(wrong, hint):
    with pytest.raises(ExerciseFeedback, match=hint):
        check_mfcc_from_power(wrong)


# --------------------------------------------------------------------------- deltas
def _deltas(C, N=2, *, pad="edge", denominator=None):
    T = C.shape[1]
    padded = np.pad(C, ((0, 0), (N, N)), mode=pad)
    num = sum(n * (padded[:, N + n:N + n + T] - padded[:, N - n:N - n + T]) for n in range(1, N + 1))
    return num / (denominator or 2 * sum(n * n for n in range(1, N + 1)))


def test_deltas_right_answer_passes():
    assert check_deltas(_deltas)
    assert check_deltas(lambda C, N=2: librosa.feature.delta(C, width=2 * N + 1, mode="nearest"))


@pytest.mark.parametrize("wrong, hint", [
    (lambda C, N=2: -_deltas(C, N), "sign is flipped"),
    (lambda C, N=2: _deltas(C, N, pad="constant"), "repeating the edge frames"),
    (lambda C, N=2: _deltas(C, N, denominator=sum(n * n for n in range(1, N + 1))), "off by a factor"),
    (lambda C, N=2: np.diff(C, axis=1), "expected shape"),
])
def test_deltas_wrong_answers_get_hints(wrong, hint):
    with pytest.raises(ExerciseFeedback, match=hint):
        check_deltas(wrong)


# --------------------------------------------------------------------------- F0
def _lag(frame, sr, fmin=60.0, fmax=400.0):
    x = frame - frame.mean()
    r = np.correlate(x, x, mode="full")[x.size - 1:]
    lo, hi = int(np.ceil(sr / fmax)), int(sr / fmin)
    return lo + int(np.argmax(r[lo:hi + 1]))


def test_autocorr_f0_right_answer_passes():
    assert check_autocorr_f0(lambda frame, sr, fmin=60.0, fmax=400.0: sr / _lag(frame, sr, fmin, fmax))


def _lag_zero(frame, sr, fmin=60.0, fmax=400.0):
    x = frame - frame.mean()
    r = np.correlate(x, x, mode="full")[x.size - 1:]
    return sr / np.float64(np.argmax(r))               # lag 0 always wins: F0 = sr / 0 = inf


@pytest.mark.parametrize("wrong, hint", [
    (lambda frame, sr, fmin=60.0, fmax=400.0: float(_lag(frame, sr, fmin, fmax)), "lag in samples"),
    (lambda frame, sr, fmin=60.0, fmax=400.0: _lag(frame, sr, fmin, fmax) / sr, "period in seconds"),
    (_lag_zero, "lag 0"),
    (lambda frame, sr, fmin=60.0, fmax=400.0: sr / _lag(frame, sr, fmin, fmax) / 2, "octave off"),
    (lambda frame, sr, fmin=60.0, fmax=400.0: 100.0, "within 5% of pYIN"),
])
def test_autocorr_f0_wrong_answers_get_hints(wrong, hint):
    with np.errstate(divide="ignore"), pytest.raises(ExerciseFeedback, match=hint):
        check_autocorr_f0(wrong)
