"""Emotion features: prosody (pitch, energy, timing), spectral and voice-quality statistics, log-mels.

Taught in ``notebooks/04_emotion_recognition.ipynb`` (section 2; the CNN's log-mel input in section 8).
Everything :func:`corpus_features` caches lives in this one module, because the cache key covers the
source of the feature function's module (:func:`course_utils.cache.source_digest`): editing any
helper here recomputes. Framing and mel filterbanks come from :mod:`course_utils.features`.
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from pathlib import Path

import librosa
import numpy as np
from scipy.signal import find_peaks
from threadpoolctl import threadpool_limits

from ..audio import check_audio, fix_length
from ..corruptions import perturb
from ..features import _mel_basis, extract_cached, frame_params

__all__ = [
    "MIN_DURATION", "F0_RANGE", "F0_REF",
    "PROSODIC_FEATURE_NAMES", "SPECTRAL_FEATURE_NAMES", "EMOTION_FEATURE_NAMES",
    "BASELINE_FEATURE_NAMES",
    "f0_track", "prosodic_features", "spectral_features", "emotion_features",
    "baseline_features", "emotion_log_mel", "augmented_log_mel", "corpus_features",
]

#: Shortest utterance the features accept (seconds).
MIN_DURATION = 0.3
#: F0 search range of pYIN in Hz (covers RAVDESS' lowest male to highest female voices).
F0_RANGE = (65.0, 600.0)
#: Reference for semitones: ``12 * log2(f0 / F0_REF)``.
F0_REF = 55.0
#: Analysis frames of the emotion features: 32 ms windows (a power of two), 16 ms hops.
WIN_MS, HOP_MS = 32.0, 16.0
#: Lowest frequency of the emotion features' mel filterbanks (Hz; the highest is sr / 2).
MEL_FMIN = 20.0

PROSODIC_FEATURE_NAMES = [
    "f0_mean_st", "f0_std_st", "f0_p10_st", "f0_median_st", "f0_p90_st", "f0_range_st",
    "f0_slope_st_per_s", "f0_velocity_st_per_s", "voiced_ratio", "voicing_prob",
    "energy_mean_db", "energy_std_db", "energy_p95_db", "energy_range_db", "energy_slope_db_per_s",
    "speech_duration_s", "speaking_rate_syl_per_s", "pause_ratio",
]

_N_MFCC = 20
SPECTRAL_FEATURE_NAMES = (
    [f"mfcc{i}_mean" for i in range(_N_MFCC)]
    + [f"mfcc{i}_std" for i in range(_N_MFCC)]
    + [f"d_mfcc{i}_std" for i in range(_N_MFCC)]
    + [f"contrast{i}_mean" for i in range(7)]
    + [f"chroma{i}_mean" for i in range(12)]
    + [f"tonnetz{i}_mean" for i in range(6)]
    + ["zcr_mean", "zcr_std", "centroid_mean_hz", "centroid_std_hz", "flatness_mean",
       "alpha_ratio_db", "hammarberg_db"]
)
EMOTION_FEATURE_NAMES = PROSODIC_FEATURE_NAMES + SPECTRAL_FEATURE_NAMES

BASELINE_FEATURE_NAMES = (
    [f"mfcc{i}_mean" for i in range(40)] + [f"mfcc{i}_std" for i in range(40)]
    + ["rms_mean", "rms_std", "f0_mean_hz", "f0_std_hz", "zcr_mean", "zcr_std"]
)


# --------------------------------------------------------------------------- helpers
def _check(y: np.ndarray, sr: int, name: str = "y") -> np.ndarray:
    if not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ValueError(f"{name}: sr must be a positive integer, got {sr!r}")
    return check_audio(y, sr, name=name, min_duration=MIN_DURATION)


def _mel(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    """The emotion features' mel filterbank (20 Hz to sr / 2), cached by :mod:`course_utils.features`."""
    return _mel_basis(sr, n_fft, n_mels, MEL_FMIN, float(sr / 2))


def _speech_frames(rms_db: np.ndarray, below_peak_db: float = 30.0) -> np.ndarray:
    """Frames louder than ``peak - below_peak_db`` (peak = 99th percentile, robust to clicks)."""
    return rms_db > np.percentile(rms_db, 99) - below_peak_db


def _active_span(mask: np.ndarray) -> tuple[int, int]:
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return 0, mask.size
    return int(idx[0]), int(idx[-1]) + 1


def _slope(t: np.ndarray, v: np.ndarray) -> float:
    if v.size < 3 or np.ptp(t) == 0:
        return 0.0
    return float(np.polyfit(t, v, 1)[0])


def f0_track(
    y: np.ndarray,
    sr: int,
    *,
    fmin: float = F0_RANGE[0],
    fmax: float = F0_RANGE[1],
    hop_s: float = 0.02,
    resolution: float = 0.25,
    analysis_sr: int = 8000,
    fill_na: float | None = np.nan,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """F0 contour with pYIN, made fast enough for a corpus.

    pYIN's cost grows with the number of frames and of pitch candidates, so this restricts
    ``fmin..fmax``, uses 20 ms hops, quarter-semitone candidates (``resolution``) and runs at
    ``analysis_sr`` = 8 kHz (F0 never needs more bandwidth): several times faster than
    ``librosa.pyin`` with its default resolution.

    Parameters
    ----------
    y : np.ndarray
        Mono speech, at least 0.3 s.
    sr : int
        Its sample rate.
    fmin, fmax : float
        F0 search range (Hz).
    hop_s : float
        Hop between frames (s).
    resolution : float
        Spacing of the pitch candidates (semitones).
    analysis_sr : int
        Rate the signal is resampled to before pYIN.
    fill_na : float or None
        Value of unvoiced frames; ``None`` returns pYIN's best F0 guess for them too.

    Returns
    -------
    times, f0, voiced, voiced_prob : np.ndarray
        Frame times (s), F0 in Hz (NaN when unvoiced), voicing flags and probabilities.

    Notebook: 04_emotion_recognition § 2.1 Prosody: pitch, energy, timing ; 04_emotion_recognition_solutions § Task 2: a prosodic feature extractor
    """
    y = _check(y, sr)
    if sr != analysis_sr:
        y = librosa.resample(y, orig_sr=sr, target_sr=analysis_sr, res_type="soxr_qq")
    hop = max(1, int(round(hop_s * analysis_sr)))
    frame = int(2 ** np.ceil(np.log2(2.2 * analysis_sr / fmin)))  # > 2 periods of fmin
    y = np.pad(y, (0, max(0, frame - y.size)))
    f0, voiced, prob = librosa.pyin(y, fmin=fmin, fmax=fmax, sr=analysis_sr, frame_length=frame,
                                    hop_length=hop, resolution=resolution, fill_na=fill_na)
    times = np.arange(f0.size) * hop / analysis_sr
    return times, f0, voiced, prob


# --------------------------------------------------------------------------- features
def _pitch_stats(times: np.ndarray, f0: np.ndarray, voiced: np.ndarray, prob: np.ndarray) -> tuple[list, np.ndarray]:
    """The 10 pitch values of :data:`PROSODIC_FEATURE_NAMES` and the voiced-frame mask used.

    With fewer than 3 voiced frames, the fifth of the frames with the highest voicing
    probability stands in for them.
    """
    v = voiced & np.isfinite(f0)
    if v.sum() < 3 and prob.size:  # quiet or breathy takes: fall back to the likeliest-voiced fifth
        v = (prob >= np.quantile(prob, 0.8)) & (prob > 0) & np.isfinite(f0)
    f0 = np.where(v, f0, np.nan)
    st = 12 * np.log2(f0[v] / F0_REF) if v.any() else np.full(1, 12 * np.log2(150 / F0_REF))
    p10, p50, p90 = np.percentile(st, [10, 50, 90])
    velocity = 0.0
    if v.sum() > 2:
        dst = np.diff(12 * np.log2(np.where(v, f0, np.nan) / F0_REF)) / np.diff(times)
        velocity = float(np.nanmean(np.abs(dst))) if np.isfinite(dst).any() else 0.0
    stats = [
        float(st.mean()), float(st.std()), p10, p50, p90, p90 - p10,
        _slope(times[v], st) if v.sum() > 2 else 0.0, velocity,
        float(v.mean()) if v.size else 0.0, float(np.nanmean(prob)) if prob.size else 0.0,
    ]
    return stats, v


def _syllable_nuclei(e: np.ndarray, t_e: np.ndarray, times: np.ndarray, v: np.ndarray, sr: int, hop: int) -> int:
    """Energy peaks of voiced frames (voicing mapped from the 20 ms F0 grid), 100 ms apart, 2 dB prominent."""
    v_on_e = np.interp(t_e, times, v.astype(float)) > 0.5 if times.size else np.zeros(e.size, bool)
    env = np.convolve(np.where(v_on_e, e, e.min()), np.hanning(5) / np.hanning(5).sum(), mode="same")
    peaks, _ = find_peaks(env, prominence=2.0, distance=max(1, int(0.1 * sr / hop)))
    return len(peaks[v_on_e[peaks]])


def _paused_frames(quiet: np.ndarray, min_run: int) -> int:
    """Number of frames in runs of at least ``min_run`` quiet frames."""
    paused, run = 0, 0
    for q in np.append(quiet, False):
        if q:
            run += 1
        else:
            paused += run if run >= min_run else 0
            run = 0
    return paused


def prosodic_features(y: np.ndarray, sr: int, *, resolution: float = 0.25) -> np.ndarray:
    """Prosody of one utterance: pitch, energy and timing (:data:`PROSODIC_FEATURE_NAMES`).

    * **Pitch** from :func:`f0_track` on the speech span, in semitones re 55 Hz: mean, std,
      10th/50th/90th percentiles, range (p90 - p10), slope of a line fitted to the voiced
      frames (st/s; negative = falling, "declination") and mean absolute velocity (st/s), the
      fraction of voiced frames and the mean voicing probability.
    * **Energy**: frame RMS in dB (16 ms hops) over the speech span: mean, std, 95th percentile,
      range (p95 - p10) and slope.
    * **Timing**: duration of the speech span (first to last frame within 30 dB of the peak),
      speaking rate as syllable nuclei per second (peaks of the voiced-frame energy envelope at
      least 100 ms apart and 2 dB prominent) and the pause ratio (fraction of the span in pauses
      of at least 100 ms, 30 dB below the peak).

    When pYIN finds fewer than 3 voiced frames (very quiet or breathy takes), the fifth of the
    frames with the highest voicing probability stands in for them, so that no utterance gets a
    meaningless pitch.

    Parameters
    ----------
    y : np.ndarray
        Mono speech, at least 0.3 s.
    sr : int
        Its sample rate.
    resolution : float
        Spacing of pYIN's pitch candidates (semitones), see :func:`f0_track`.

    Returns
    -------
    np.ndarray
        float32, 18 values named by :data:`PROSODIC_FEATURE_NAMES`.

    Raises
    ------
    AudioError
        Empty, silent, NaN or shorter than 0.3 s.

    Notebook: 04_emotion_recognition § 2.1 Prosody: pitch, energy, timing
    """
    y = _check(y, sr)
    n_fft, hop = frame_params(sr, WIN_MS, HOP_MS)
    rms = librosa.feature.rms(y=np.pad(y, (0, max(0, n_fft - y.size))), frame_length=n_fft, hop_length=hop)[0]
    rms_db = 20 * np.log10(rms + 1e-10)
    loud = _speech_frames(rms_db)
    a, b = _active_span(loud)
    seg = y[a * hop: max(b * hop + n_fft, a * hop + int(MIN_DURATION * sr))]
    times, f0, voiced, prob = f0_track(seg, sr, resolution=resolution, fill_na=None)
    pitch, v = _pitch_stats(times, f0, voiced, prob)
    e = rms_db[a:b]
    t_e = np.arange(e.size) * hop / sr
    duration = (b - a) * hop / sr
    n_syllables = _syllable_nuclei(e, t_e, times, v, sr, hop)
    # pauses: runs of quiet frames of at least 100 ms inside the speech span
    paused = _paused_frames(~loud[a:b], max(1, int(round(0.1 * sr / hop))))
    feats = pitch + [
        float(e.mean()), float(e.std()), float(np.percentile(e, 95)),
        float(np.percentile(e, 95) - np.percentile(e, 10)), _slope(t_e, e),
        duration, n_syllables / max(duration, 1e-3), paused / max(e.size, 1),
    ]
    return np.asarray(feats, dtype=np.float32)


def spectral_features(y: np.ndarray, sr: int) -> np.ndarray:
    """Spectral and voice-quality statistics over the speech frames (:data:`SPECTRAL_FEATURE_NAMES`).

    From one STFT (32 ms windows, 16 ms hops), over frames within 30 dB of the loudest:
    20 MFCCs (mean and std) and the std of their deltas; spectral contrast (7 bands from
    100 Hz, means); chroma (12, means) and tonnetz (6, from the chroma, means) as in the seed
    chapter; zero-crossing rate (mean, std); spectral centroid (mean, std); spectral flatness;
    alpha ratio (dB energy 1-5 kHz minus 50 Hz-1 kHz) and Hammarberg index (dB peak 0-2 kHz
    minus peak 2-5 kHz), two classic voice-quality/vocal-effort measures.

    Parameters
    ----------
    y : np.ndarray
        Mono speech, at least 0.3 s.
    sr : int
        Its sample rate.

    Returns
    -------
    np.ndarray
        float32, 92 values named by :data:`SPECTRAL_FEATURE_NAMES`.

    Notebook: 04_emotion_recognition § 2.2 Spectral and voice-quality features
    """
    y = _check(y, sr)
    n_fft, hop = frame_params(sr, WIN_MS, HOP_MS)
    y = np.pad(y, (0, max(0, n_fft - y.size)))
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))
    P = S**2
    rms_db = 10 * np.log10(P.sum(axis=0) + 1e-12)
    keep = _speech_frames(rms_db)
    if keep.sum() < 3:
        keep[:] = True
    M = librosa.feature.mfcc(S=librosa.power_to_db(_mel(sr, n_fft, 40) @ P), n_mfcc=_N_MFCC)
    dM = librosa.feature.delta(M, mode="nearest")
    contrast = librosa.feature.spectral_contrast(S=S, sr=sr, n_fft=n_fft, fmin=100.0, n_bands=6)
    chroma = librosa.feature.chroma_stft(S=P, sr=sr, n_fft=n_fft)
    tonnetz = librosa.feature.tonnetz(chroma=chroma, sr=sr)
    zcr = librosa.feature.zero_crossing_rate(y, frame_length=n_fft, hop_length=hop)[0][: S.shape[1]]
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    centroid = librosa.feature.spectral_centroid(S=S, freq=freqs)[0]
    flat = librosa.feature.spectral_flatness(S=S)[0]
    low = P[(freqs >= 50) & (freqs < 1000)].sum(axis=0) + 1e-12
    high = P[(freqs >= 1000) & (freqs < min(5000, sr / 2))].sum(axis=0) + 1e-12
    alpha = 10 * np.log10(high / low)
    pk_lo = P[freqs < 2000].max(axis=0) + 1e-12
    pk_hi = P[(freqs >= 2000) & (freqs < min(5000, sr / 2))].max(axis=0) + 1e-12
    hammarberg = 10 * np.log10(pk_lo / pk_hi)
    k = keep[: zcr.size]
    parts = [
        M[:, keep].mean(axis=1), M[:, keep].std(axis=1), dM[:, keep].std(axis=1),
        contrast[:, keep].mean(axis=1), chroma[:, keep].mean(axis=1), tonnetz[:, keep].mean(axis=1),
        [zcr[k].mean(), zcr[k].std(), centroid[keep].mean(), centroid[keep].std(), flat[keep].mean(),
         alpha[keep].mean(), hammarberg[keep].mean()],
    ]
    return np.concatenate([np.asarray(p, dtype=np.float32).ravel() for p in parts])


def emotion_features(y: np.ndarray, sr: int) -> np.ndarray:
    """The chapter's feature vector: :func:`prosodic_features` then :func:`spectral_features`.

    Parameters
    ----------
    y : np.ndarray
        Mono speech, at least 0.3 s.
    sr : int
        Its sample rate.

    Returns
    -------
    np.ndarray
        float32, 110 values named by :data:`EMOTION_FEATURE_NAMES`.

    Notebook: 04_emotion_recognition § 2. Features that carry emotion
    """
    # feature version 2 (the on-disk cache is keyed on this module's source: edit to invalidate)
    return np.concatenate([prosodic_features(y, sr), spectral_features(y, sr)])


def baseline_features(y: np.ndarray, sr: int) -> np.ndarray:
    """The reference recipe's features: 40 MFCC mean/std + RMS, F0 (YIN) and ZCR mean/std.

    Parameters
    ----------
    y : np.ndarray
        Mono speech, at least 0.3 s.
    sr : int
        Its sample rate.

    Returns
    -------
    np.ndarray
        float32, 86 values named by :data:`BASELINE_FEATURE_NAMES`.

    Notebook: 04_emotion_recognition § 4. Evaluation done right: speakers never cross the split
    """
    y = _check(y, sr)
    n_fft, hop = frame_params(sr, WIN_MS, HOP_MS)
    y = np.pad(y, (0, max(0, n_fft - y.size)))
    P = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)) ** 2
    M = librosa.feature.mfcc(S=librosa.power_to_db(_mel(sr, n_fft, 64) @ P), n_mfcc=40)
    rms = librosa.feature.rms(S=np.sqrt(P), frame_length=n_fft)[0]
    zcr = librosa.feature.zero_crossing_rate(y, frame_length=n_fft, hop_length=hop)[0]
    f0 = librosa.yin(y, fmin=F0_RANGE[0], fmax=F0_RANGE[1], sr=sr, frame_length=2 * n_fft, hop_length=2 * hop)
    return np.concatenate([M.mean(axis=1), M.std(axis=1),
                           [rms.mean(), rms.std(), f0.mean(), f0.std(), zcr.mean(), zcr.std()]]).astype(np.float32)


def emotion_log_mel(y: np.ndarray, sr: int, *, n_mels: int = 40, duration: float = 3.0,
                    hop_s: float = 0.02) -> np.ndarray:
    """Log-mel spectrogram of the speech span, cropped/padded to ``duration`` (the CNN's input).

    32 ms windows, ``hop_s`` hops; the span starts 0.1 s before the first loud frame, so every
    input is aligned on speech onset rather than on the silence RAVDESS files begin with.

    Parameters
    ----------
    y : np.ndarray
        Mono speech, at least 0.3 s.
    sr : int
        Its sample rate.
    n_mels : int
        Number of mel bands (20 Hz to sr / 2).
    duration : float
        Length of the analysed span (s), zero-padded if the utterance is shorter.
    hop_s : float
        Hop between frames (s).

    Returns
    -------
    np.ndarray
        float32 ``(n_mels, frames)`` in dB re the utterance's maximum (floor -80 dB).

    Notebook: 04_emotion_recognition § 8. A CNN on real log-mel spectrograms
    """
    y = _check(y, sr)
    n_fft, hop = frame_params(sr, WIN_MS, hop_s * 1000.0)
    rms = librosa.feature.rms(y=np.pad(y, (0, max(0, n_fft - y.size))), frame_length=n_fft, hop_length=hop)[0]
    a, _ = _active_span(_speech_frames(20 * np.log10(rms + 1e-10)))
    start = max(0, a * hop - int(0.1 * sr))
    seg = fix_length(y[start:], int(duration * sr))
    P = np.abs(librosa.stft(seg, n_fft=n_fft, hop_length=hop)) ** 2
    return librosa.power_to_db(_mel(sr, n_fft, n_mels) @ P, ref=np.max, top_db=80.0).astype(np.float32)


def augmented_log_mel(y: np.ndarray, sr: int, *, kind: str, seed: int = 0) -> np.ndarray:
    """:func:`emotion_log_mel` of one augmented copy (:func:`course_utils.corruptions.perturb`).

    The augmentation is seeded by the signal itself, so that
    :func:`course_utils.features.extract_cached` can cache the augmented copies.

    Parameters
    ----------
    y : np.ndarray
        Mono speech, at least 0.3 s.
    sr : int
        Its sample rate.
    kind : {"noise", "pitch", "stretch"}
        The augmentation.
    seed : int
        Mixed with a CRC of the signal to seed the augmentation.

    Returns
    -------
    np.ndarray
        float32 ``(40, frames)`` log-mel of the augmented copy.

    Notebook: 04_emotion_recognition § Data augmentation
    """
    rng = np.random.default_rng([seed, zlib.crc32(np.ascontiguousarray(y).tobytes())])
    return emotion_log_mel(perturb(y, sr, kind, rng=rng), sr)


def corpus_features(paths: Sequence[str | Path], func=None, *, sr: int = 16000, progress: bool = True,
                    **params) -> np.ndarray:
    """:func:`course_utils.features.extract_cached` for a list of files, with one BLAS thread.

    Small matrix products are many times slower with a multi-threaded BLAS on a shared CPU.

    Parameters
    ----------
    paths : sequence of str or Path
        Audio files.
    func : callable, optional
        ``func(y, sr, **params) -> np.ndarray`` (default :func:`emotion_features`).
    sr : int
        Rate the files are loaded at.
    progress : bool
        Show a progress bar while computing.
    **params
        Passed to ``func`` (and part of the cache key).

    Returns
    -------
    np.ndarray
        ``(len(paths), ...)`` results, computed once and then read from the cache.

    Notebook: 04_emotion_recognition § 2. Features that carry emotion ; 04_emotion_recognition_solutions § Chapter 4 solutions: speech emotion recognition
    """
    with threadpool_limits(1):
        return extract_cached(list(paths), func or emotion_features, sr=sr, progress=progress, **params)
