"""Auto-checks for ``solutions/00_audio_foundations_solutions.ipynb`` (and its exercises).

Every check compares the student's from-scratch function with librosa's version of the same
algorithm, and recognises the usual mistakes (wrong mel scale, missing area normalisation, natural
log instead of dB, unnormalised DCT, wrong regression denominator, lag instead of Hz, octave errors).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import librosa
import numpy as np
from scipy.fft import dct

from . import ExerciseFeedback, call_student, expect_close, passed

__all__ = ["check_mel_filterbank", "check_mfcc_from_power", "check_deltas", "check_autocorr_f0"]

#: (sr, n_fft, n_mels, fmin, fmax) settings the filterbank is tested with.
_FILTERBANK_CASES = ((16000, 512, 40, 0.0, None), (8000, 256, 26, 20.0, 3800.0))


def _reference_fb(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float | None, htk: bool) -> np.ndarray:
    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk,
                               norm=None if htk else "slaney").astype(np.float64)


def _filterbank_hint(got: np.ndarray, want: np.ndarray, case: tuple, htk: bool) -> str:
    sr, n_fft, n_mels, fmin, fmax = case
    for scale_htk in (htk, not htk):
        for norm in (None, "slaney"):
            variant = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax,
                                          htk=scale_htk, norm=norm).astype(np.float64)
            if not np.allclose(got, variant, rtol=1e-3, atol=1e-6 * variant.max()):
                continue
            if scale_htk != htk:
                return (f"with htk={htk} you used the {'Slaney' if htk else 'HTK'} mel scale: htk=True means "
                        "2595 * log10(1 + f / 700); htk=False the Slaney scale (3f / 200 below 1 kHz, "
                        "15 + ln(f / 1000) / (ln(6.4) / 27) above)")
            if htk:
                return "HTK triangles peak at 1: leave out the equal-area scaling for htk=True"
            return "scale each Slaney triangle by 2 / (f_upper - f_lower) in Hz, so all filters have equal area"
    ratio = np.divide(got.sum(axis=1), want.sum(axis=1), out=np.zeros(len(want)), where=want.sum(axis=1) > 0)
    if np.allclose(ratio, ratio[0], rtol=1e-3) and not np.isclose(ratio[0], 1.0, rtol=1e-3):
        return (f"every filter is off by the same factor {ratio[0]:.3g}: check the triangle heights "
                "(HTK: peak 1; Slaney: multiply by 2 / (f_upper - f_lower) in Hz)")
    edges = librosa.mel_frequencies(n_mels + 2, fmin=fmin, fmax=fmax or sr / 2, htk=htk)
    unit_peaks = got.max(axis=1) * (1.0 if htk else (edges[2:] - edges[:-2]) / 2.0)
    if np.mean(np.isclose(unit_peaks, 1.0, atol=1e-9)) > 0.9:      # exact peaks of 1: triangles on whole bins
        return ("the triangles look rounded to FFT bins: evaluate each triangle at every bin's frequency "
                "k * sr / n_fft (in Hz), without rounding the edges to bin numbers")
    return ("place n_mels + 2 points evenly on the mel scale between fmin and fmax (sr / 2 when None), "
            "convert them back to Hz, and evaluate the triangles at the FFT bin frequencies k * sr / n_fft")


def check_mel_filterbank(func: Callable[..., np.ndarray]) -> bool:
    """Check a from-scratch mel filterbank against ``librosa.filters.mel``, both variants.

    Parameters
    ----------
    func : callable
        ``func(sr, n_fft, n_mels, fmin=0.0, fmax=None, htk=False)`` returning ``(n_mels, 1 + n_fft // 2)``
        weights: Slaney scale with equal-area triangles when ``htk`` is false, the HTK scale with
        triangles of height 1 when it is true.

    Returns
    -------
    bool
        True when every case matches within 1e-6 of the largest weight.

    Notebook: 00_audio_foundations_solutions § Task 1 — Build the mel filterbank
    """
    for case in _FILTERBANK_CASES:
        for htk in (False, True):
            sr, n_fft, n_mels, fmin, fmax = case
            want = _reference_fb(sr, n_fft, n_mels, fmin, fmax, htk)
            got = np.asarray(call_student(func, sr, n_fft, n_mels, fmin=fmin, fmax=fmax, htk=htk), dtype=float)
            what = f"filterbank (sr={sr}, n_fft={n_fft}, n_mels={n_mels}, fmin={fmin}, fmax={fmax}, htk={htk})"
            if got.shape == want.T.shape and got.shape != want.shape:
                raise ExerciseFeedback(f"{what}: transposed; return one row per filter, shape {want.shape}")
            if got.shape == want.shape and not np.allclose(got, want, rtol=1e-4, atol=1e-6 * want.max()):
                raise ExerciseFeedback(f"{what}: wrong weights. Hint: {_filterbank_hint(got, want, case, htk)}.")
            expect_close(got, want, what, rtol=1e-4, atol=1e-6 * want.max())
    return passed("mel filterbank, Slaney and HTK")


def _test_power() -> tuple[np.ndarray, int]:
    rng = np.random.default_rng(0)
    sr = 16000
    t = np.arange(sr) / sr
    y = 0.3 * np.sin(2 * np.pi * 220 * t) * (t < 0.6) + 0.05 * rng.normal(size=sr)
    y[int(0.8 * sr):] = 0.0                                   # a silent tail: the -80 dB floor matters
    return np.abs(librosa.stft(y, n_fft=512, hop_length=160)) ** 2, sr


def _reference_mfcc(P: np.ndarray, sr: int, n_mfcc: int, n_mels: int) -> np.ndarray:
    S = librosa.feature.melspectrogram(S=P, sr=sr, n_mels=n_mels)
    return librosa.feature.mfcc(S=librosa.power_to_db(S), n_mfcc=n_mfcc).astype(np.float64)


def _mfcc_hint(got: np.ndarray, P: np.ndarray, sr: int, n_mfcc: int, n_mels: int) -> str:
    E = librosa.feature.melspectrogram(S=P, sr=sr, n_mels=n_mels).astype(np.float64)
    db = 10 * np.log10(np.maximum(E, 1e-10))
    floored = np.maximum(db, db.max() - 80.0)
    variants = {
        "use the dB log 10 * log10(E), not the natural log": dct(np.log(np.maximum(E, 1e-10)), axis=0, norm="ortho"),
        "use the orthonormal DCT-II (scipy.fft.dct(..., norm='ortho') or the scaled matrix)": dct(floored, axis=0),
        "floor the log energies at 80 dB below their maximum (what librosa.power_to_db does)": dct(db, axis=0, norm="ortho"),
        "the input is already a power spectrogram: do not square it again": dct(
            librosa.power_to_db(librosa.feature.melspectrogram(S=P ** 2, sr=sr, n_mels=n_mels)), axis=0, norm="ortho"),
        "filter the power spectrogram with the mel filterbank, not its square root (amplitude)": dct(
            librosa.power_to_db(librosa.feature.melspectrogram(S=np.sqrt(P), sr=sr, n_mels=n_mels)), axis=0, norm="ortho"),
    }
    for hint, wrong in variants.items():
        if np.allclose(got, wrong[:n_mfcc], rtol=1e-3, atol=1e-2):
            return hint
    return "power -> librosa.filters.mel(sr=sr, n_fft=2 * (P.shape[0] - 1), n_mels=n_mels) @ P -> dB -> DCT-II (ortho)"


def check_mfcc_from_power(func: Callable[..., np.ndarray]) -> bool:
    """Check MFCCs computed from a power spectrogram against ``librosa.feature.mfcc``.

    Parameters
    ----------
    func : callable
        ``func(P, sr, n_mfcc=13, n_mels=40)`` with ``P`` a power spectrogram ``(1 + n_fft // 2, frames)``,
        returning ``(n_mfcc, frames)``.

    Returns
    -------
    bool
        True when the coefficients match within 1e-2 (values are in the hundreds).

    Notebook: 00_audio_foundations_solutions § Task 2 — MFCCs from a power spectrogram
    """
    P, sr = _test_power()
    for n_mfcc, n_mels in ((13, 40), (20, 64)):
        want = _reference_mfcc(P, sr, n_mfcc, n_mels)
        got = np.asarray(call_student(func, P, sr, n_mfcc=n_mfcc, n_mels=n_mels), dtype=float)
        what = f"MFCC (n_mfcc={n_mfcc}, n_mels={n_mels})"
        if got.shape == (n_mels, want.shape[1]):
            raise ExerciseFeedback(f"{what}: you returned all {n_mels} DCT coefficients; keep the first {n_mfcc}")
        if got.shape == want.T.shape and got.shape != want.shape:
            raise ExerciseFeedback(f"{what}: transposed; return (n_mfcc, frames) = {want.shape}")
        if got.shape == want.shape and not np.allclose(got, want, rtol=1e-4, atol=1e-2):
            raise ExerciseFeedback(f"{what}: wrong values. Hint: {_mfcc_hint(got, P, sr, n_mfcc, n_mels)}.")
        expect_close(got, want, what, rtol=1e-4, atol=1e-2)
    return passed("MFCC from a power spectrogram")


def _delta_reference(C: np.ndarray, N: int) -> np.ndarray:
    return librosa.feature.delta(C, width=2 * N + 1, mode="nearest", axis=-1)


def check_deltas(func: Callable[..., np.ndarray]) -> bool:
    """Check regression-formula deltas against ``librosa.feature.delta`` (``mode="nearest"``).

    Parameters
    ----------
    func : callable
        ``func(C, N=2)`` with ``C`` of shape ``(coefficients, frames)``, returning deltas of the same shape,
        edge frames repeated.

    Returns
    -------
    bool
        True when the deltas match within 1e-8.

    Notebook: 00_audio_foundations_solutions § Task 3 — Deltas by the regression formula
    """
    rng = np.random.default_rng(3)
    C = np.cumsum(rng.normal(size=(5, 40)), axis=1)
    for N in (2, 4):
        want = _delta_reference(C, N)
        got = np.asarray(call_student(func, C, N=N), dtype=float)
        what = f"deltas (N={N})"
        if got.shape != want.shape:
            raise ExerciseFeedback(f"{what}: expected shape {want.shape} (same as C), got {got.shape}; "
                                   "pad the edges by repeating the first and last frames so every frame gets a delta")
        if np.allclose(got, want, rtol=1e-6, atol=1e-8):
            continue
        if np.allclose(got, -want, atol=1e-8):
            raise ExerciseFeedback(f"{what}: the sign is flipped; use c[t + n] - c[t - n]")
        inner = slice(N, C.shape[1] - N)
        if np.allclose(got[:, inner], want[:, inner], atol=1e-8):
            raise ExerciseFeedback(f"{what}: right inside, wrong at the first and last {N} frames; "
                                   "pad by repeating the edge frames (np.pad(..., mode='edge')), not with zeros")
        ratio = np.sum(got * want) / np.sum(want * want)
        if np.allclose(got, ratio * want, atol=1e-8):
            raise ExerciseFeedback(f"{what}: off by a factor {ratio:.3g}; divide by 2 * sum(n**2 for n in 1..N) "
                                   f"= {2 * sum(n * n for n in range(1, N + 1))}")
        expect_close(got, want, what, rtol=1e-6, atol=1e-8,
                     hint="d_t = sum_n n * (c[t+n] - c[t-n]) / (2 * sum_n n**2), for n = 1..N")
    return passed("regression deltas")


def _pitch_test_signal(sr: int = 16000) -> np.ndarray:
    """A voice-like test: harmonic glides 100 -> 220 Hz and 180 -> 120 Hz with decaying harmonics, a gap, noise."""
    rng = np.random.default_rng(4)
    parts = []
    for f_start, f_end in ((100.0, 220.0), (180.0, 120.0)):
        f0 = np.linspace(f_start, f_end, int(0.8 * sr))
        phase = 2 * np.pi * np.cumsum(f0) / sr
        parts.append(sum(np.sin(h * phase) / h for h in range(1, 12)) * 0.2)
        parts.append(np.zeros(int(0.2 * sr)))
    y = np.concatenate(parts)
    return y + 0.002 * rng.normal(size=y.size)


@lru_cache(maxsize=4)
def _pitch_reference(frame_length: int, hop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centred frames of the test signal, and pYIN's F0 and voicing for them (computed once)."""
    y = _pitch_test_signal(16000)
    f0_pyin, voiced, _ = librosa.pyin(y, fmin=60.0, fmax=400.0, sr=16000, frame_length=frame_length, hop_length=hop)
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(y, frame_length // 2), frame_length)[::hop]
    return frames, f0_pyin, voiced


def check_autocorr_f0(func: Callable[..., float], *, frame_length: int = 1024, hop: int = 160) -> bool:
    """Check autocorrelation F0 per frame against pYIN on the frames pYIN calls voiced.

    Parameters
    ----------
    func : callable
        ``func(frame, sr, fmin=60.0, fmax=400.0)`` returning the F0 of one frame in Hz.
    frame_length, hop : int
        Framing of the test signal (centred frames, as ``librosa.pyin`` uses).

    Returns
    -------
    bool
        True when at least 90% of pYIN's voiced frames agree within 5%.

    Notebook: 00_audio_foundations_solutions § Task 4 — F0 by autocorrelation
    """
    sr = 16000
    frames, f0_pyin, voiced = _pitch_reference(frame_length, hop)
    idx = np.flatnonzero(voiced)
    got = np.array([float(np.asarray(call_student(func, frames[i], sr, fmin=60.0, fmax=400.0))) for i in idx])
    want = f0_pyin[idx]
    if not np.all(np.isfinite(got)):
        raise ExerciseFeedback("some F0 values are inf or NaN: leave lag 0 out of the search "
                               "(search lags from sr / fmax to sr / fmin only)")
    close = np.abs(got - want) / want < 0.05
    if np.mean(close) >= 0.9:
        return passed(f"autocorrelation F0 ({100 * np.mean(close):.0f}% of voiced frames within 5% of pYIN)")
    median = float(np.median(got))
    if median > sr / 400.0 - 1 and np.mean(np.abs(sr / np.maximum(got, 1e-9) - want) / want < 0.05) >= 0.9:
        raise ExerciseFeedback("you returned the lag in samples; F0 in Hz is sr / lag")
    if median < 1.0 and np.mean(np.abs(1.0 / np.maximum(got, 1e-9) - want) / want < 0.05) >= 0.9:
        raise ExerciseFeedback("you returned the period in seconds; return the frequency 1 / period in Hz")
    ratio = got / want
    octave = np.mean((np.abs(ratio - 2) < 0.1) | (np.abs(ratio - 0.5) < 0.05))
    if octave > 0.2:
        raise ExerciseFeedback(f"{100 * octave:.0f}% of frames are an octave off: search only lags from "
                               "sr / fmax to sr / fmin and take the highest autocorrelation peak there")
    raise ExerciseFeedback(f"only {100 * np.mean(close):.0f}% of voiced frames are within 5% of pYIN "
                           f"(median F0 {median:.1f} Hz vs {np.median(want):.1f} Hz): subtract the frame's mean, "
                           "compute r(lag) = sum x[n] x[n + lag], and return sr / (the lag of its maximum)")
