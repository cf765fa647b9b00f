"""Speech emotion recognition: prosodic and spectral features, honest evaluation, an estimator.

Taught in ``notebooks/04_emotion_recognition.ipynb`` (used again by chapter 7 through
:class:`EmotionRecognizer`).

* Features: :func:`prosodic_features` (F0 level/range/slope from pYIN, energy, speaking rate,
  pause ratio), :func:`spectral_features` (MFCC, spectral contrast, chroma, tonnetz, ZCR,
  centroid, flatness, alpha ratio), both with names (:data:`PROSODIC_FEATURE_NAMES`,
  :data:`SPECTRAL_FEATURE_NAMES`); :func:`emotion_features` concatenates them
  (:data:`EMOTION_FEATURE_NAMES`); :func:`seed_features` rebuilds the seed chapter's vector.
* Evaluation: :func:`speaker_normalize` (per-speaker z-scoring, no labels needed),
  :func:`grouped_cv` (actor-grouped folds, the headline) and :func:`random_cv` (the inflated
  speaker-dependent split), :func:`unweighted_average_recall`, the 4-class and arousal/valence
  views (:data:`FOUR_CLASS`, :data:`AROUSAL`, :data:`VALENCE`).
* Augmentation of waveforms (:func:`augment`) and spectrograms (:func:`spec_augment`).
* :class:`EmotionRecognizer`: features + standardisation + multinomial logistic regression,
  scikit-learn style, saved as NPZ (no pickle).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from .audio import AudioError, check_audio, load_audio

__all__ = [
    "EMOTIONS",
    "FOUR_CLASS",
    "AROUSAL",
    "VALENCE",
    "PROSODIC_FEATURE_NAMES",
    "SPECTRAL_FEATURE_NAMES",
    "EMOTION_FEATURE_NAMES",
    "SEED_FEATURE_NAMES",
    "BASELINE_FEATURE_NAMES",
    "f0_track",
    "prosodic_features",
    "spectral_features",
    "emotion_features",
    "seed_features",
    "baseline_features",
    "emotion_log_mel",
    "corpus_features",
    "speaker_normalize",
    "actor_folds",
    "relative_prosody",
    "table_prediction",
    "plot_prosody_boxes",
    "unweighted_average_recall",
    "grouped_cv",
    "random_cv",
    "augment",
    "spec_augment",
    "augmented_log_mel",
    "EmotionRecognizer",
]

#: RAVDESS emotions in code order (01..08).
EMOTIONS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
#: The common 4-class subset.
FOUR_CLASS = ("neutral", "happy", "sad", "angry")
#: Arousal (activation) of each emotion: "high" or "low" (Russell's circumplex, as usually mapped).
AROUSAL = {"neutral": "low", "calm": "low", "sad": "low", "disgust": "low",
           "happy": "high", "angry": "high", "fearful": "high", "surprised": "high"}
#: Valence of each emotion: "positive", "neutral" or "negative".
VALENCE = {"neutral": "neutral", "calm": "positive", "happy": "positive", "surprised": "positive",
           "sad": "negative", "angry": "negative", "fearful": "negative", "disgust": "negative"}

#: Shortest utterance the features accept (seconds).
MIN_DURATION = 0.3
#: F0 search range of pYIN in Hz (covers RAVDESS' lowest male to highest female voices).
F0_RANGE = (65.0, 600.0)
#: Reference for semitones: ``12 * log2(f0 / F0_REF)``.
F0_REF = 55.0

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

SEED_FEATURE_NAMES = (
    [f"mfcc{i}" for i in range(40)] + [f"chroma{i}" for i in range(12)] + [f"mel{i}" for i in range(128)]
    + [f"contrast{i}" for i in range(7)] + [f"tonnetz{i}" for i in range(6)]
)
BASELINE_FEATURE_NAMES = (
    [f"mfcc{i}_mean" for i in range(40)] + [f"mfcc{i}_std" for i in range(40)]
    + ["rms_mean", "rms_std", "f0_mean_hz", "f0_std_hz", "zcr_mean", "zcr_std"]
)


# --------------------------------------------------------------------------- helpers
def _check(y: np.ndarray, sr: int, name: str = "y") -> np.ndarray:
    if not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ValueError(f"{name}: sr must be a positive integer, got {sr!r}")
    return check_audio(y, sr, name=name, min_duration=MIN_DURATION)


def _stft_params(sr: int) -> tuple[int, int]:
    """32 ms windows (power of two) and 16 ms hops."""
    n_fft = int(2 ** np.ceil(np.log2(0.032 * sr)))
    return n_fft, int(round(0.016 * sr))


@lru_cache(maxsize=16)
def _mel_basis(sr: int, n_fft: int, n_mels: int) -> np.ndarray:
    import librosa

    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=20.0, fmax=sr / 2)


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
    ``librosa.pyin`` with its default resolution. ``fill_na=None`` returns pYIN's best
    F0 guess for unvoiced frames too (instead of NaN).

    Returns
    -------
    times, f0, voiced, voiced_prob : np.ndarray
        Frame times (s), F0 in Hz (NaN when unvoiced), voicing flags and probabilities.
    """
    import librosa

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

    Raises
    ------
    AudioError
        Empty, silent, NaN or shorter than 0.3 s.
    """
    import librosa
    from scipy.signal import find_peaks

    y = _check(y, sr)
    n_fft, hop = _stft_params(sr)
    rms = librosa.feature.rms(y=np.pad(y, (0, max(0, n_fft - y.size))), frame_length=n_fft, hop_length=hop)[0]
    rms_db = 20 * np.log10(rms + 1e-10)
    loud = _speech_frames(rms_db)
    a, b = _active_span(loud)
    seg = y[a * hop: max(b * hop + n_fft, a * hop + int(MIN_DURATION * sr))]
    times, f0, voiced, prob = f0_track(seg, sr, resolution=resolution, fill_na=None)
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
    e = rms_db[a:b]
    t_e = np.arange(e.size) * hop / sr
    duration = (b - a) * hop / sr
    # syllable nuclei: energy peaks in voiced frames (voicing mapped from the 20 ms F0 grid)
    v_on_e = np.interp(t_e, times, v.astype(float)) > 0.5 if times.size else np.zeros(e.size, bool)
    env = np.convolve(np.where(v_on_e, e, e.min()), np.hanning(5) / np.hanning(5).sum(), mode="same")
    peaks, _ = find_peaks(env, prominence=2.0, distance=max(1, int(0.1 * sr / hop)))
    peaks = peaks[v_on_e[peaks]]
    # pauses: runs of quiet frames of at least 100 ms inside the speech span
    quiet = ~loud[a:b]
    min_run = max(1, int(round(0.1 * sr / hop)))
    paused, run = 0, 0
    for q in np.append(quiet, False):
        if q:
            run += 1
        else:
            paused += run if run >= min_run else 0
            run = 0
    feats = [
        float(st.mean()), float(st.std()), p10, p50, p90, p90 - p10,
        _slope(times[v], st) if v.sum() > 2 else 0.0, velocity,
        float(v.mean()) if v.size else 0.0, float(np.nanmean(prob)) if prob.size else 0.0,
        float(e.mean()), float(e.std()), float(np.percentile(e, 95)),
        float(np.percentile(e, 95) - np.percentile(e, 10)), _slope(t_e, e),
        duration, len(peaks) / max(duration, 1e-3), paused / max(e.size, 1),
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
    """
    import librosa

    y = _check(y, sr)
    n_fft, hop = _stft_params(sr)
    y = np.pad(y, (0, max(0, n_fft - y.size)))
    S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop))
    P = S**2
    rms_db = 10 * np.log10(P.sum(axis=0) + 1e-12)
    keep = _speech_frames(rms_db)
    if keep.sum() < 3:
        keep[:] = True
    mel = _mel_basis(sr, n_fft, 40) @ P
    M = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=_N_MFCC)
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
    """The chapter's feature vector: :func:`prosodic_features` then :func:`spectral_features`
    (names in :data:`EMOTION_FEATURE_NAMES`)."""
    # feature version 2 (the on-disk cache is keyed on this function's source: edit to invalidate)
    return np.concatenate([prosodic_features(y, sr), spectral_features(y, sr)])


def seed_features(y: np.ndarray, sr: int) -> np.ndarray:
    """The seed chapter's vector: time-averaged 40 MFCC, 12 chroma, 128 mel bands, 7 spectral
    contrast values and 6 tonnetz values (:data:`SEED_FEATURE_NAMES`; librosa's default frames,
    contrast from 100 Hz so that 6 octave bands fit below 8 kHz).

    Only means over time: no standard deviations, no prosody.
    """
    import librosa

    y = _check(y, sr)
    S = np.abs(librosa.stft(np.pad(y, (0, max(0, 2048 - y.size)))))
    mel = librosa.feature.melspectrogram(S=S**2, sr=sr)
    mfcc40 = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=40)
    chroma = librosa.feature.chroma_stft(S=S**2, sr=sr)
    contrast = librosa.feature.spectral_contrast(S=S, sr=sr, fmin=100.0)
    tonnetz = librosa.feature.tonnetz(chroma=chroma, sr=sr)
    return np.concatenate([m.mean(axis=1) for m in (mfcc40, chroma, mel, contrast, tonnetz)]).astype(np.float32)


def baseline_features(y: np.ndarray, sr: int) -> np.ndarray:
    """The reference recipe's features: 40 MFCC mean/std + RMS, F0 (YIN) and ZCR mean/std
    (:data:`BASELINE_FEATURE_NAMES`)."""
    import librosa

    y = _check(y, sr)
    n_fft, hop = _stft_params(sr)
    y = np.pad(y, (0, max(0, n_fft - y.size)))
    P = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)) ** 2
    M = librosa.feature.mfcc(S=librosa.power_to_db(_mel_basis(sr, n_fft, 64) @ P), n_mfcc=40)
    rms = librosa.feature.rms(S=np.sqrt(P), frame_length=n_fft)[0]
    zcr = librosa.feature.zero_crossing_rate(y, frame_length=n_fft, hop_length=hop)[0]
    f0 = librosa.yin(y, fmin=F0_RANGE[0], fmax=F0_RANGE[1], sr=sr, frame_length=2 * n_fft, hop_length=2 * hop)
    return np.concatenate([M.mean(axis=1), M.std(axis=1),
                           [rms.mean(), rms.std(), f0.mean(), f0.std(), zcr.mean(), zcr.std()]]).astype(np.float32)


def emotion_log_mel(y: np.ndarray, sr: int, *, n_mels: int = 40, duration: float = 3.0,
                    hop_s: float = 0.02) -> np.ndarray:
    """Log-mel spectrogram of the speech span, cropped/padded to ``duration`` (CNN input).

    Returns ``(n_mels, frames)`` in dB re the utterance's maximum (floor -80 dB), 32 ms windows,
    20 ms hops; the span starts 0.1 s before the first loud frame, so every input is aligned
    on speech onset rather than on the silence RAVDESS files begin with.
    """
    import librosa

    from .audio import fix_length

    y = _check(y, sr)
    n_fft = int(2 ** np.ceil(np.log2(0.032 * sr)))
    hop = int(round(hop_s * sr))
    rms = librosa.feature.rms(y=np.pad(y, (0, max(0, n_fft - y.size))), frame_length=n_fft, hop_length=hop)[0]
    a, _ = _active_span(_speech_frames(20 * np.log10(rms + 1e-10)))
    start = max(0, a * hop - int(0.1 * sr))
    seg = fix_length(y[start:], int(duration * sr))
    P = np.abs(librosa.stft(seg, n_fft=n_fft, hop_length=hop)) ** 2
    return librosa.power_to_db(_mel_basis(sr, n_fft, n_mels) @ P, ref=np.max, top_db=80.0).astype(np.float32)


def corpus_features(paths: Sequence[str | Path], func=None, *, sr: int = 16000, progress: bool = True,
                    **params) -> np.ndarray:
    """:func:`course_utils.features.extract_cached` for a list of files, with BLAS limited to one
    thread (small matrix products are many times slower with a multi-threaded BLAS on a
    shared CPU). ``func`` defaults to :func:`emotion_features`."""
    from threadpoolctl import threadpool_limits

    from .features import extract_cached

    with threadpool_limits(1):
        return extract_cached(list(paths), func or emotion_features, sr=sr, progress=progress, **params)


# --------------------------------------------------------------------------- evaluation
def speaker_normalize(X: np.ndarray, speakers: Sequence, *, eps: float = 1e-6) -> np.ndarray:
    """Z-score every speaker's features with that speaker's own mean and std.

    Uses only the features of each speaker's utterances, never their labels, so it is legal for
    test speakers too: a deployed system would collect a few utterances of the new speaker
    first. It removes what makes a voice a voice (a female speaker's F0 is high in every
    emotion) and keeps how each utterance departs from that speaker's habit.
    """
    X = np.asarray(X, dtype=np.float64)
    speakers = np.asarray(speakers)
    if X.ndim != 2 or len(speakers) != len(X):
        raise ValueError(f"speaker_normalize: X must be 2-D with one speaker per row, got X{X.shape}, "
                         f"{len(speakers)} speakers")
    out = np.empty_like(X)
    for s in np.unique(speakers):
        sel = speakers == s
        mu, sd = X[sel].mean(axis=0), X[sel].std(axis=0)
        out[sel] = (X[sel] - mu) / np.where(sd > eps, sd, 1.0)
    return out


def unweighted_average_recall(y_true: Sequence, y_pred: Sequence) -> float:
    """Mean of the per-class recalls (UAR, = balanced accuracy): every emotion counts equally,
    however many examples it has (RAVDESS has half as many neutral files)."""
    from sklearn.metrics import balanced_accuracy_score

    return float(balanced_accuracy_score(y_true, y_pred))


def actor_folds(actors: Sequence[int], n_folds: int = 6) -> np.ndarray:
    """Fold id of each row for leave-actors-out CV: actors 1,2 -> fold 0, 3,4 -> fold 1, ...
    cycling, so each of the 6 folds holds 4 actors, 2 male (odd) and 2 female (even)."""
    actors = np.asarray(actors, dtype=int)
    return ((actors - 1) // 2) % n_folds


def _cv(estimator, X, y, splits, fit_params=None) -> dict:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # small problems: a multi-threaded BLAS only spins (several x the CPU time)
        return _cv_inner(estimator, X, y, splits, fit_params)


def _cv_inner(estimator, X, y, splits, fit_params=None) -> dict:
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score

    y = np.asarray(y)
    y_pred = np.empty(len(y), dtype=y.dtype)
    accs, uars, models = [], [], []
    for train, test in splits:
        model = clone(estimator).fit(X[train], y[train], **(fit_params or {}))
        y_pred[test] = model.predict(X[test])
        accs.append(accuracy_score(y[test], y_pred[test]))
        uars.append(unweighted_average_recall(y[test], y_pred[test]))
        models.append(model)
    accs, uars = np.array(accs), np.array(uars)
    return dict(fold_accuracy=accs, fold_uar=uars, accuracy=float(accs.mean()), accuracy_std=float(accs.std()),
                uar=float(uars.mean()), uar_std=float(uars.std()), y_pred=y_pred, models=models)


def grouped_cv(estimator, X: np.ndarray, y: Sequence, groups: Sequence, *, folds: Sequence | None = None) -> dict:
    """Speaker-independent cross-validation: no speaker is ever in both train and test.

    Parameters
    ----------
    estimator : scikit-learn estimator
        Cloned and fitted once per fold.
    X, y : features and labels.
    groups : speaker of each row (e.g. RAVDESS actor).
    folds : fold id of each row (default :func:`actor_folds` of ``groups``, 6 folds of 4 actors);
        ``LeaveOneGroupOut`` over these ids.

    Returns
    -------
    dict
        ``fold_accuracy``, ``fold_uar`` (arrays, one value per fold), their means ``accuracy``,
        ``uar`` and standard deviations ``accuracy_std``, ``uar_std``, the out-of-fold
        predictions ``y_pred`` and the fitted ``models``.
    """
    from sklearn.model_selection import LeaveOneGroupOut

    X = np.asarray(X)
    folds = actor_folds(groups) if folds is None else np.asarray(folds)
    return _cv(estimator, X, y, LeaveOneGroupOut().split(X, y, folds))


def random_cv(estimator, X: np.ndarray, y: Sequence, *, n_splits: int = 6, seed: int = 0) -> dict:
    """Stratified random K-fold (same speakers in train and test): the inflated, speaker-dependent
    figure many SER papers report. Same return value as :func:`grouped_cv`."""
    from sklearn.model_selection import StratifiedKFold

    X = np.asarray(X)
    return _cv(estimator, X, y, StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(X, y))


# --------------------------------------------------------------------------- prosody vs the table
def relative_prosody(X: np.ndarray, table) -> "pd.DataFrame":
    """Each utterance's pitch, loudness and tempo relative to the same actor's neutral speech.

    Parameters
    ----------
    X : np.ndarray
        Rows of :func:`emotion_features` (or :func:`prosodic_features`; only the prosodic columns
        are read).
    table : pandas.DataFrame
        The dataset table (columns ``actor``/``speaker`` and ``emotion``), one row per row of X.

    Returns
    -------
    pandas.DataFrame
        ``emotion``, ``actor``, ``f0_st`` (median F0 minus the actor's neutral median, semitones),
        ``energy_db`` (mean level minus the actor's neutral mean, dB) and ``tempo`` (the actor's
        neutral speech duration divided by this one: > 1 is faster; exact on RAVDESS, whose
        actors all say the same two sentences), ``syllable_rate`` (estimated syllables/s divided
        by the actor's neutral rate).
    """
    import pandas as pd

    names = PROSODIC_FEATURE_NAMES
    P = np.asarray(X)[:, : len(names)]
    col = {n: P[:, i] for i, n in enumerate(names)}
    spk = np.asarray(table["actor"] if "actor" in table else table["speaker"])
    emo = np.asarray(table["emotion"])
    out = pd.DataFrame({"emotion": emo, "actor": spk})
    f0, en, dur, rate = (np.asarray(col[k], float) for k in
                         ("f0_median_st", "energy_mean_db", "speech_duration_s", "speaking_rate_syl_per_s"))
    for name, values, how in [("f0_st", f0, "diff"), ("energy_db", en, "diff"), ("tempo", dur, "inv"),
                              ("syllable_rate", rate, "ratio")]:
        rel = np.empty(len(out))
        for a in np.unique(spk):
            sel = spk == a
            neutral = np.median(values[sel & (emo == "neutral")]) if (sel & (emo == "neutral")).any() else np.median(values[sel])
            rel[sel] = {"diff": values[sel] - neutral, "inv": neutral / np.maximum(values[sel], 1e-3),
                        "ratio": values[sel] / max(neutral, 1e-3)}[how]
        out[name] = rel
    return out


def table_prediction() -> "pd.DataFrame":
    """:data:`course_utils.synth.EMOTION_PROSODY` in the units of :func:`relative_prosody`:
    F0 factor as semitones (``12 log2 f``), energy factor as dB (``20 log10 f``), rate as is."""
    import pandas as pd

    from .synth import EMOTION_PROSODY

    rows = [dict(emotion=e, f0_st=12 * np.log2(p["f0"]), energy_db=20 * np.log10(p["energy"]), tempo=p["rate"])
            for e, p in EMOTION_PROSODY.items()]
    return pd.DataFrame(rows).set_index("emotion")


def plot_prosody_boxes(rel, *, expected=None, order: Sequence[str] = EMOTIONS, axes=None):
    """Box plots per emotion of ``f0_st``, ``energy_db`` and ``tempo`` from :func:`relative_prosody`,
    with the table's prediction (:func:`table_prediction`) as red diamonds. Returns the axes."""
    import matplotlib.pyplot as plt

    expected = table_prediction() if expected is None else expected
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(15, 4), layout="constrained")
    labels = {"f0_st": "Median F0 re actor's neutral (semitones)",
              "energy_db": "Mean level re actor's neutral (dB)",
              "tempo": "Tempo re actor's neutral (x; >1 faster)"}
    order = [e for e in order if e in set(rel["emotion"])]
    for ax, key in zip(axes, labels):
        data = [rel.loc[rel["emotion"] == e, key].to_numpy() for e in order]
        ax.boxplot(data, showfliers=False)
        ax.set_xticks(range(1, len(order) + 1), order, rotation=35)
        ax.plot(range(1, len(order) + 1), [expected.loc[e, key] for e in order], "D", color="crimson",
                label="table (EMOTION_PROSODY)")
        ax.axhline(1.0 if key == "tempo" else 0.0, color="grey", lw=0.8, ls=":")
        ax.set(title=labels[key].split(" re ")[0] + " per emotion", ylabel=labels[key], xlabel="Emotion")
        ax.legend(loc="best", fontsize=8)
    return axes


# --------------------------------------------------------------------------- augmentation
def augment(y: np.ndarray, sr: int, kind: str, *, rng: np.random.Generator | None = None) -> np.ndarray:
    """One randomly drawn waveform augmentation.

    ``kind``: ``"noise"`` (white noise at 10-25 dB SNR), ``"pitch"`` (pitch shift by +-1 to 2
    semitones, duration kept), ``"stretch"`` (time stretch by 0.85-1.15, pitch kept). Emotion
    labels survive all three at these strengths; a 4-semitone shift would start to change the
    perceived emotion (pitch *is* an emotion cue).
    """
    import librosa

    from .audio import mix_at_snr

    y = check_audio(y, sr, name="y")
    rng = rng or np.random.default_rng(0)
    if kind == "noise":
        return mix_at_snr(y, rng.normal(size=y.size).astype(np.float32), float(rng.uniform(10, 25)))
    if kind == "pitch":
        steps = float(rng.choice([-1, 1]) * rng.uniform(1, 2))
        return librosa.effects.pitch_shift(y, sr=sr, n_steps=steps).astype(np.float32)
    if kind == "stretch":
        return librosa.effects.time_stretch(y, rate=float(rng.uniform(0.85, 1.15))).astype(np.float32)
    raise ValueError(f"augment: kind must be 'noise', 'pitch' or 'stretch', got {kind!r}")


def augmented_log_mel(y: np.ndarray, sr: int, *, kind: str, seed: int = 0) -> np.ndarray:
    """:func:`emotion_log_mel` of ``augment(y, sr, kind)``, seeded by the signal itself (so that
    :func:`course_utils.features.extract_cached` can cache the augmented copies)."""
    import zlib

    rng = np.random.default_rng([seed, zlib.crc32(np.ascontiguousarray(y).tobytes())])
    return emotion_log_mel(augment(y, sr, kind, rng=rng), sr)


def spec_augment(S: np.ndarray, *, rng: np.random.Generator, n_freq: int = 2, max_freq: int = 6,
                 n_time: int = 2, max_time: int = 15, fill: float | None = None) -> np.ndarray:
    """SpecAugment-style masks (Park et al., 2019): ``n_freq`` bands of up to ``max_freq`` mel
    bins and ``n_time`` stretches of up to ``max_time`` frames set to ``fill`` (default: the
    spectrogram's mean). Works on ``(mels, frames)`` or a batch ``(..., mels, frames)``."""
    S = np.array(S, dtype=np.float32, copy=True)
    n_mels, n_frames = S.shape[-2:]
    value = float(S.mean()) if fill is None else fill
    for _ in range(n_freq):
        w = int(rng.integers(0, max_freq + 1))
        f0 = int(rng.integers(0, max(1, n_mels - w)))
        S[..., f0:f0 + w, :] = value
    for _ in range(n_time):
        w = int(rng.integers(0, max_time + 1))
        t0 = int(rng.integers(0, max(1, n_frames - w)))
        S[..., :, t0:t0 + w] = value
    return S


# --------------------------------------------------------------------------- the estimator
def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class EmotionRecognizer:
    """Speech emotion recognition as a scikit-learn-style estimator.

    :func:`emotion_features` (prosodic + spectral, 110 values) -> standardisation ->
    multinomial logistic regression. Taught in ``notebooks/04_emotion_recognition.ipynb``;
    chapter 7 uses it as a component.

    Parameters
    ----------
    sr : int
        Rate at which audio is analysed (files and arrays are resampled to it).
    seed : int
        Seed of the solver (the fit is deterministic anyway).
    C : float
        Inverse L2 regularisation strength of the logistic regression.

    Speaker normalisation: pass ``speakers=`` to :meth:`fit` and every training speaker's
    features are z-scored with that speaker's own statistics (:func:`speaker_normalize`), which
    makes the model markedly better on unseen speakers. Such a model needs the same for a new
    speaker: ``stats = rec.speaker_stats(some_utterances_of_that_speaker, sr)`` (no labels
    needed), then ``rec.predict(y, sr, speaker_stats=stats)``. Without ``speakers=`` the model
    works on any single utterance.

    Examples
    --------
    >>> rec = EmotionRecognizer().fit(paths, labels)          # doctest: +SKIP
    >>> rec.predict(y, 16000), rec.predict_proba(y, 16000)    # doctest: +SKIP
    >>> rec.save("emotion.npz"); EmotionRecognizer.load("emotion.npz")  # doctest: +SKIP
    """

    feature_names: list[str] = EMOTION_FEATURE_NAMES

    def __init__(self, sr: int = 16000, seed: int = 0, C: float = 0.1) -> None:
        if not isinstance(sr, (int, np.integer)) or sr < 8000:
            raise ValueError(f"EmotionRecognizer: sr must be an integer >= 8000, got {sr!r}")
        if not C > 0:
            raise ValueError(f"EmotionRecognizer: C must be positive, got {C!r}")
        self.sr, self.seed, self.C = int(sr), int(seed), float(C)
        self.classes_: list[str] = []
        self.speaker_norm = False

    # ---- features
    def _load(self, item, sr: int | None, name: str) -> np.ndarray:
        import librosa

        if isinstance(item, (str, Path)):
            return load_audio(item, sr=self.sr, min_duration=MIN_DURATION)
        if sr is None:
            raise ValueError(f"{name}: audio arrays need their sample rate (pass sr=...)")
        y = check_audio(item, sr, name=name, min_duration=MIN_DURATION)
        if sr != self.sr:
            y = librosa.resample(y, orig_sr=sr, target_sr=self.sr, res_type="soxr_hq")
        return y

    def transform(self, paths_or_audio, sr: int | None = None) -> np.ndarray:
        """Feature matrix ``(n, 110)`` of a list of files (cached on disk) or arrays."""
        from threadpoolctl import threadpool_limits

        items = list(paths_or_audio)
        if not items:
            raise ValueError("EmotionRecognizer: got an empty list of utterances")
        if all(isinstance(p, (str, Path)) for p in items):
            for p in items:  # clear errors before the cache sees a bad file
                if not Path(p).is_file():
                    raise AudioError(f"{p}: file not found")
            return np.asarray(corpus_features(items, emotion_features, sr=self.sr, progress=len(items) > 50),
                              dtype=np.float64)
        with threadpool_limits(1):
            return np.stack([emotion_features(self._load(it, sr, f"utterance {i}"), self.sr)
                             for i, it in enumerate(items)]).astype(np.float64)

    # ---- training
    def fit(self, paths_or_audio, labels: Sequence[str], sr: int | None = None, *,
            speakers: Sequence | None = None) -> EmotionRecognizer:
        """Learn from a list of files or of arrays (then give ``sr``) and their emotion labels.

        ``speakers`` (optional, one per utterance) switches on per-speaker normalisation.
        """
        items = list(paths_or_audio)
        labels = [str(lab) for lab in labels]
        if len(items) != len(labels):
            raise ValueError(f"fit: {len(items)} utterances but {len(labels)} labels")
        if len(set(labels)) < 2:
            raise ValueError(f"fit: need at least two different emotions, got {sorted(set(labels))}")
        if speakers is not None and len(speakers) != len(items):
            raise ValueError(f"fit: {len(items)} utterances but {len(speakers)} speakers")
        X = self.transform(items, sr)
        return self.fit_features(X, labels, speakers=speakers)

    def fit_features(self, X: np.ndarray, labels: Sequence[str], *,
                     speakers: Sequence | None = None) -> EmotionRecognizer:
        """Fit on a ready feature matrix: rows of :func:`emotion_features` (for instance the cached
        corpus matrix of :func:`corpus_features`), with optional per-speaker normalisation."""
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        labels = [str(lab) for lab in labels]
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise ValueError(f"fit_features: X must have shape (n, {len(self.feature_names)}), got {X.shape}")
        if len(X) != len(labels):
            raise ValueError(f"fit: {len(X)} utterances but {len(labels)} labels")
        if len(set(labels)) < 2:
            raise ValueError(f"fit: need at least two different emotions, got {sorted(set(labels))}")
        if speakers is not None:
            if len(speakers) != len(X):
                raise ValueError(f"fit: {len(X)} utterances but {len(speakers)} speakers")
            X = speaker_normalize(X, speakers)
        self.speaker_norm = speakers is not None
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 1e-9, X.std(axis=0), 1.0)
        from threadpoolctl import threadpool_limits

        clf = LogisticRegression(C=self.C, max_iter=3000, random_state=self.seed)
        with threadpool_limits(1):
            clf.fit((X - self.mean_) / self.scale_, np.asarray(labels))
        self.classes_ = [str(c) for c in clf.classes_]
        self.coef_, self.intercept_ = clf.coef_.copy(), clf.intercept_.copy()
        if self.coef_.shape[0] == 1:  # binary: sigmoid(w.x + b) == softmax of (-(w.x+b)/2, (w.x+b)/2)
            self.coef_ = np.vstack([-self.coef_ / 2, self.coef_ / 2])
            self.intercept_ = np.array([-self.intercept_[0] / 2, self.intercept_[0] / 2])
        return self

    # ---- inference
    def speaker_stats(self, paths_or_audio, sr: int | None = None) -> dict[str, np.ndarray]:
        """Feature mean and std of one speaker's utterances (at least 5 recommended; no labels).
        Pass a feature matrix (2-D float array with one row per utterance) to skip extraction."""
        if isinstance(paths_or_audio, np.ndarray) and paths_or_audio.ndim == 2 \
                and paths_or_audio.shape[1] == len(self.feature_names):
            X = paths_or_audio.astype(np.float64)
        else:
            X = self.transform(paths_or_audio, sr)
        if len(X) < 2:
            raise ValueError("speaker_stats: need at least 2 utterances of the speaker")
        return {"mean": X.mean(axis=0), "std": X.std(axis=0)}

    def _check_fitted(self) -> None:
        if not self.classes_:
            raise RuntimeError("EmotionRecognizer: call fit() (or load()) first")

    def _proba(self, X: np.ndarray, speaker_stats: dict | None) -> np.ndarray:
        if self.speaker_norm:
            if speaker_stats is None:
                raise ValueError("this recognizer was trained with per-speaker normalisation: pass "
                                 "speaker_stats=rec.speaker_stats(<utterances of this speaker>, sr)")
            sd = np.asarray(speaker_stats["std"], dtype=np.float64)
            X = (X - np.asarray(speaker_stats["mean"])) / np.where(sd > 1e-6, sd, 1.0)
        Z = (X - self.mean_) / self.scale_
        return _softmax(Z @ self.coef_.T + self.intercept_)

    def predict_proba_features(self, X: np.ndarray, *, speaker_stats: dict | None = None) -> np.ndarray:
        """Probabilities ``(n, n_classes)`` for rows of :func:`emotion_features` (not normalised)."""
        self._check_fitted()
        return self._proba(np.atleast_2d(np.asarray(X, dtype=np.float64)), speaker_stats)

    def predict_proba(self, audio, sr: int | None = None, *, speaker_stats: dict | None = None):
        """Class probabilities: a dict ``{emotion: p}`` for one utterance (array or path), an array
        ``(n, n_classes)`` aligned with :attr:`classes_` for a list of them."""
        self._check_fitted()
        single = isinstance(audio, (str, Path)) or (isinstance(audio, np.ndarray) and audio.ndim == 1)
        P = self._proba(self.transform([audio] if single else audio, sr), speaker_stats)
        return dict(zip(self.classes_, map(float, P[0]))) if single else P

    def predict(self, audio, sr: int | None = None, *, speaker_stats: dict | None = None):
        """The most likely emotion (a ``str``), or a list of them for a list of utterances."""
        self._check_fitted()
        single = isinstance(audio, (str, Path)) or (isinstance(audio, np.ndarray) and audio.ndim == 1)
        P = self._proba(self.transform([audio] if single else audio, sr), speaker_stats)
        labels = [self.classes_[i] for i in P.argmax(axis=1)]
        return labels[0] if single else labels

    # ---- persistence (NPZ, no pickle)
    def save(self, path: str | Path) -> None:
        """Write the model to ``path`` (NPZ: arrays plus a JSON header; no pickle)."""
        self._check_fitted()
        meta = dict(kind="EmotionRecognizer", version=1, sr=self.sr, seed=self.seed, C=self.C,
                    classes=self.classes_, speaker_norm=self.speaker_norm, features=list(self.feature_names))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            np.savez(fh, meta=np.array(json.dumps(meta)), mean=self.mean_, scale=self.scale_,
                     coef=self.coef_, intercept=self.intercept_)

    @classmethod
    def load(cls, path: str | Path) -> EmotionRecognizer:
        """Read a model written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such model file")
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                arrays = {k: z[k] for k in ("mean", "scale", "coef", "intercept")}
        except (OSError, KeyError, ValueError) as exc:
            raise ValueError(f"{path}: not an EmotionRecognizer file ({type(exc).__name__}: {exc})") from None
        if meta.get("kind") != "EmotionRecognizer":
            raise ValueError(f"{path}: not an EmotionRecognizer file (kind={meta.get('kind')!r})")
        if meta.get("features") != list(cls.feature_names):
            raise ValueError(f"{path}: saved with a different feature set; retrain the model")
        rec = cls(sr=meta["sr"], seed=meta["seed"], C=meta["C"])
        rec.classes_, rec.speaker_norm = list(meta["classes"]), bool(meta["speaker_norm"])
        rec.mean_, rec.scale_, rec.coef_, rec.intercept_ = (arrays[k] for k in ("mean", "scale", "coef", "intercept"))
        return rec

    def __repr__(self) -> str:
        state = f"{len(self.classes_)} classes" if self.classes_ else "not fitted"
        return f"EmotionRecognizer(sr={self.sr}, C={self.C}, speaker_norm={self.speaker_norm}; {state})"
