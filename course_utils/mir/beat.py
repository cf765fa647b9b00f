"""Beat tracking, its evaluation against ground truth, tempo octave errors and click sonification.

Taught in ``notebooks/06_music_information_retrieval.ipynb`` (section "Beats and tempo").
The tracker is librosa's dynamic-programming beat tracker (Ellis 2007); the metrics are
``mir_eval.beat``'s (F-measure, P-score, Cemgil, continuity CMLt/AMLt); :func:`beat_f_measure`
re-implements the F-measure in a few lines so that students see what it counts.
"""
from __future__ import annotations

from collections.abc import Iterable

import librosa
import mir_eval
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from ..audio import check_audio
from ..progress import progress_bar
from ..synth.music import drum_pattern

__all__ = [
    "track_beats",
    "beat_f_measure",
    "evaluate_beats",
    "tempo_octave",
    "tracking_row",
    "sonify_beats",
    "tempogram",
    "beat_ground_truth_set",
    "evaluate_beat_set",
]


def track_beats(y: np.ndarray, sr: int, *, hop_length: int = 512, start_bpm: float = 120.0,
                tightness: float = 100.0) -> tuple[float, np.ndarray]:
    """Estimate the tempo (BPM) and beat times (seconds) with ``librosa.beat.beat_track``.

    ``start_bpm`` is the centre of the tempo prior: the tracker prefers tempi near it, which is
    why a 60 or 180 BPM piece may come out at 120 or 90 BPM (an *octave error*).

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    hop_length : int
        Hop between frames (samples).
    start_bpm : float
        Tempo prior of the tracker.
    tightness : float
        How strictly beats follow the tempo.

    Notebook: 06_music_information_retrieval § The 120 BPM kick demo
    """
    y = check_audio(y, sr, name="y", min_duration=0.5)
    tempo, beats = librosa.beat.beat_track(y=y, sr=sr, hop_length=hop_length, start_bpm=start_bpm,
                                           tightness=tightness, units="time")
    return float(np.atleast_1d(tempo)[0]), np.asarray(beats, dtype=float)


def _check_beats(b: np.ndarray, name: str) -> np.ndarray:
    b = np.asarray(b, dtype=float).ravel()
    if not np.all(np.isfinite(b)):
        raise ValueError(f"{name}: beat times contain NaN or inf")
    if np.any(np.diff(b) <= 0):
        raise ValueError(f"{name}: beat times must be strictly increasing (seconds)")
    if b.size and b[0] < 0:
        raise ValueError(f"{name}: beat times must be non-negative")
    return b


def beat_f_measure(reference: np.ndarray, estimated: np.ndarray, window: float = 0.07) -> float:
    """F-measure of beat detection with a +-``window`` s tolerance and one-to-one matching.

    Each reference beat can be matched by at most one estimated beat (and vice versa);
    precision = hits / len(estimated), recall = hits / len(reference). Gives the same value as
    ``mir_eval.beat.f_measure`` (a maximum matching with the same window test, also for pairs exactly
    ``window`` apart; a property-based test compares the two).

    Parameters
    ----------
    reference : np.ndarray
        True beat times (s).
    estimated : np.ndarray
        Estimated beat times (s).
    window : float
        Tolerance (s) on either side of a true beat.

    Notebook: 06_music_information_retrieval § The 120 BPM kick demo
    """
    ref, est = _check_beats(reference, "reference"), _check_beats(estimated, "estimated")
    if ref.size == 0 or est.size == 0:
        return 0.0
    # mir_eval's window test, to the last bit: ref in [est - window, est + window] (|ref - est| <= window can
    # differ in floating point, e.g. |1.0 - 1.07| > 0.07 although 1.07 - 0.07 <= 1.0)
    close = (ref[:, None] >= est[None, :] - window) & (ref[:, None] <= est[None, :] + window)
    rows, cols = linear_sum_assignment(-close.astype(float))  # maximum matching of close pairs
    hits = int(close[rows, cols].sum())
    if hits == 0:
        return 0.0
    precision, recall = hits / est.size, hits / ref.size
    return 2 * precision * recall / (precision + recall)


def evaluate_beats(reference: np.ndarray, estimated: np.ndarray, *, min_beat_time: float = 5.0) -> dict[str, float]:
    """``mir_eval.beat`` scores after dropping beats before ``min_beat_time`` seconds.

    mir_eval's convention skips the first 5 s (trackers need a few beats to lock on); use a
    smaller value for short clips. Returns F-measure, Cemgil, P-score, CMLt and AMLt.

    Parameters
    ----------
    reference : np.ndarray
        True beat times (s).
    estimated : np.ndarray
        Estimated beat times (s).
    min_beat_time : float
        Beats before this time (s) are ignored, as ``mir_eval`` does.

    Notebook: 06_music_information_retrieval § A generated ground-truth set: tempo, meter, swing, noise
    """
    ref = mir_eval.beat.trim_beats(_check_beats(reference, "reference"), min_beat_time)
    est = mir_eval.beat.trim_beats(_check_beats(estimated, "estimated"), min_beat_time)
    if ref.size < 2:
        raise ValueError(f"reference: fewer than 2 beats after {min_beat_time} s; lower min_beat_time")
    if est.size == 0:
        return {"F-measure": 0.0, "Cemgil": 0.0, "P-score": 0.0, "CMLt": 0.0, "AMLt": 0.0}
    cem, _ = mir_eval.beat.cemgil(ref, est)
    cmlc, cmlt, amlc, amlt = mir_eval.beat.continuity(ref, est)
    return {"F-measure": float(mir_eval.beat.f_measure(ref, est)), "Cemgil": float(cem),
            "P-score": float(mir_eval.beat.p_score(ref, est)), "CMLt": float(cmlt), "AMLt": float(amlt)}


def tempo_octave(estimated_bpm: float, true_bpm: float, tol: float = 0.08) -> str:
    """Name the relation of an estimated tempo to the true one.

    ``"correct"`` (within ``tol`` relative error), ``"double"``, ``"half"``, ``"triple"``,
    ``"third"`` (metrical-level or *octave* errors), else ``"wrong"``.

    Parameters
    ----------
    estimated_bpm : float
        Estimated tempo.
    true_bpm : float
        True tempo.
    tol : float
        Relative tolerance.

    Notebook: 06_music_information_retrieval § A generated ground-truth set: tempo, meter, swing, noise
    """
    if estimated_bpm <= 0 or true_bpm <= 0:
        raise ValueError(f"tempi must be positive, got {estimated_bpm} and {true_bpm}")
    ratio = estimated_bpm / true_bpm
    for name, r in [("correct", 1.0), ("double", 2.0), ("half", 0.5), ("triple", 3.0), ("third", 1 / 3)]:
        if abs(ratio / r - 1) <= tol:
            return name
    return "wrong"


def tracking_row(track: pd.Series, sr: int) -> tuple[dict, np.ndarray]:
    """Track the beats of one recording of :func:`course_utils.mir.load_tracks`, scored where the truth is known.

    Parameters
    ----------
    track : pd.Series
        A row of :func:`course_utils.mir.load_tracks` (``key``, ``y``, ``truth``). Real recordings
        carry no annotation (``truth`` is None); generated songs carry their beats and tempo, and the
        row then adds the true tempo and :func:`evaluate_beats`' scores.
    sr : int
        Sample rate of ``track.y``.

    Returns
    -------
    row : dict
        ``track``, ``tempo``, ``n_beats``, ``median_ibi_s`` (and the scores against the truth, if any).
    beats : np.ndarray
        The estimated beat times (s).

    Notebook: 06_music_information_retrieval § Real recordings, with clicks to listen to
    """
    tempo, est = track_beats(track.y, sr)
    row = dict(track=track.key, tempo=round(tempo, 1), n_beats=len(est),
               median_ibi_s=round(float(np.median(np.diff(est))), 3) if len(est) > 1 else np.nan)
    truth = track.get("truth")
    if isinstance(truth, dict):
        row.update(true_tempo=round(truth["tempo"], 1), **evaluate_beats(truth["beats"], est))
    return row, est


def sonify_beats(y: np.ndarray, sr: int, beats: np.ndarray, *, click_gain: float = 0.5,
                 click_freq: float = 1000.0) -> np.ndarray:
    """Mix ``librosa.clicks`` at ``beats`` (seconds) into ``y``, to *listen* to a beat track.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    beats : np.ndarray
        Beat times (s).
    click_gain : float
        Click level relative to the music's peak.
    click_freq : float
        Click frequency (Hz).

    Notebook: 06_music_information_retrieval § The 120 BPM kick demo
    """
    y = check_audio(y, sr, name="y")
    clicks = librosa.clicks(times=_check_beats(beats, "beats"), sr=sr, length=y.size, click_freq=click_freq)
    out = y / (np.max(np.abs(y)) + 1e-9) * 0.7 + click_gain * clicks
    return (out / max(1.0, float(np.max(np.abs(out))))).astype(np.float32)


def tempogram(y: np.ndarray, sr: int, *, hop_length: int = 512, win_length: int = 384) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Autocorrelation tempogram: ``(T, tempi_bpm, global_profile)``.

    ``T[k, t]`` is the local autocorrelation of the onset envelope at lag ``k`` around frame ``t``;
    ``global_profile`` is its time average, whose peaks are the tempo candidates.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    hop_length : int
        Hop between frames (samples).
    win_length : int
        Autocorrelation window (onset frames).

    Notebook: 06_music_information_retrieval § Tempogram
    """
    y = check_audio(y, sr, name="y", min_duration=0.5)
    oenv = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop_length)
    T = librosa.feature.tempogram(onset_envelope=oenv, sr=sr, hop_length=hop_length, win_length=win_length)
    tempi = librosa.tempo_frequencies(T.shape[0], sr=sr, hop_length=hop_length)
    return T, tempi, T.mean(axis=1)


def beat_ground_truth_set(tempi: Iterable[float] = (60, 80, 100, 120, 140, 160, 180), meters: Iterable[int] = (3, 4),
                          swings: Iterable[float] = (0.0, 0.2), snrs: Iterable[float | None] = (None, 5.0),
                          seconds: float = 12.0, sr: int = 22050) -> list[dict]:
    """The generated beat-tracking set: one drum pattern per (tempo, meter, swing, SNR).

    Returns a list of dicts with ``y``, ``beats`` and the conditions (deterministic seeds).

    Parameters
    ----------
    tempi : iterable of float
        Tempi (BPM).
    meters : iterable of int
        Beats per bar.
    swings : iterable of float
        Swing amounts.
    snrs : iterable of float or None
        Noise levels (dB SNR; None: clean).
    seconds : float
        Length of each clip.
    sr : int
        Its sample rate.

    Notebook: 06_music_information_retrieval § A generated ground-truth set: tempo, meter, swing, noise
    """
    items = []
    for i, (tp, m, sw, snr) in enumerate((a, b, c, d) for a in tempi for b in meters for c in swings for d in snrs):
        n_beats = max(4, int(seconds * tp / 60))
        y, beats, _ = drum_pattern(tp, n_beats=n_beats, meter=m, swing=sw, sr=sr, noise_snr_db=snr, seed=i)
        items.append(dict(tempo=float(tp), meter=int(m), swing=float(sw), snr="clean" if snr is None else f"{snr:g} dB",
                          y=y, beats=beats))
    return items


def evaluate_beat_set(items: list[dict], sr: int = 22050, *, min_beat_time: float = 2.0, progress: bool = True) -> pd.DataFrame:
    """Track every item of :func:`beat_ground_truth_set`; one row of conditions and scores each.

    Parameters
    ----------
    items : list of dict
        Clips from :func:`beat_ground_truth_set`.
    sr : int
        Its sample rate.
    min_beat_time : float
        Beats before this time (s) are ignored, as ``mir_eval`` does.
    progress : bool
        Show a progress bar.

    Notebook: 06_music_information_retrieval § A generated ground-truth set: tempo, meter, swing, noise
    """
    rows = []
    for it in progress_bar(items, desc="beat tracking", progress=progress):
        tempo, est = track_beats(it["y"], sr)
        scores = evaluate_beats(it["beats"], est, min_beat_time=min_beat_time)
        rows.append(dict(tempo=it["tempo"], meter=it["meter"], swing=it["swing"], snr=it["snr"],
                         est_tempo=round(tempo, 1), octave=tempo_octave(tempo, it["tempo"]), **scores))
    return pd.DataFrame(rows)
