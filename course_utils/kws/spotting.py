"""Keyword spotting in a stream: a long recording with known keyword times, smoothed posteriors, DET points.

Notebook: 10_keyword_spotting_and_asr § Keyword spotting in a stream
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..audio import mix_at_snr
from ..corruptions import pink_noise, white_noise
from .ctc import string_features
from .train import ctc_log_probs

__all__ = ["stream_posteriors", "build_stream", "smooth", "detect", "score_detections", "det_points"]


def build_stream(keywords: Sequence[np.ndarray], others: Sequence[np.ndarray], sr: int, rng: np.random.Generator, *,
                 n_noise: int = 20, pause: tuple[float, float] = (0.3, 1.5), snr_db: float = 20.0
                 ) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """A long recording: every keyword and other word once, in random order, with noise bursts and pauses.

    Between items are pauses of random length; ``n_noise`` bursts of white or pink noise (0.5-1.5 s)
    are placed among the words; the whole stream has a pink-noise floor at ``snr_db`` below the speech.

    Parameters
    ----------
    keywords, others : sequence of np.ndarray
        Trimmed recordings of the keyword and of other words, at ``sr``.
    sr : int
        Sample rate.
    rng : np.random.Generator
        Draws the order, the pauses and the noises.
    n_noise : int
        Noise bursts.
    pause : tuple of float
        Range of the pauses in seconds.
    snr_db : float
        Speech-to-background ratio of the noise floor.

    Returns
    -------
    stream : np.ndarray
        float32 audio.
    spans : list of tuple of float
        ``(start, end)`` in seconds of each keyword.

    Notebook: 10_keyword_spotting_and_asr § Keyword spotting in a stream
    """
    items = [("kw", k) for k in keywords] + [("other", o) for o in others]
    for _ in range(n_noise):
        make = white_noise if rng.random() < 0.5 else pink_noise
        items.append(("noise", 0.1 * make(float(rng.uniform(0.5, 1.5)), sr, rng)))
    order = rng.permutation(len(items))
    parts, spans, t = [], [], 0
    for i in order:
        kind, y = items[i]
        gap = np.zeros(int(rng.uniform(*pause) * sr), np.float32)
        parts += [gap, np.asarray(y, np.float32)]
        t += len(gap)
        if kind == "kw":
            spans.append((t / sr, (t + len(y)) / sr))
        t += len(y)
    parts.append(np.zeros(int(pause[1] * sr), np.float32))
    speech = np.concatenate(parts)
    floor = pink_noise(len(speech) / sr, sr, rng)[: len(speech)]
    return mix_at_snr(speech, floor, snr_db).astype(np.float32), spans


def smooth(p: np.ndarray, width: int) -> np.ndarray:
    """Moving average of a posterior track over ``width`` frames (centred, same length).

    Parameters
    ----------
    p : np.ndarray
        Per-frame keyword posterior.
    width : int
        Frames averaged (1: no smoothing).

    Returns
    -------
    np.ndarray
        The smoothed track.

    Notebook: 10_keyword_spotting_and_asr § Keyword spotting in a stream
    """
    if width < 1:
        raise ValueError(f"smooth: width must be at least 1, got {width}")
    return np.convolve(np.asarray(p, float), np.ones(width) / width, mode="same")


def detect(score: np.ndarray, threshold: float, hop_s: float, *, refractory_s: float = 0.5) -> np.ndarray:
    """Detection times: frames where ``score`` crosses ``threshold`` upwards, at most one per ``refractory_s``.

    Parameters
    ----------
    score : np.ndarray
        Smoothed posterior per frame.
    threshold : float
        Decision threshold.
    hop_s : float
        Seconds per frame.
    refractory_s : float
        Dead time after a detection.

    Returns
    -------
    np.ndarray
        Times in seconds.

    Notebook: 10_keyword_spotting_and_asr § Keyword spotting in a stream
    """
    above = np.asarray(score) >= threshold
    onsets = np.flatnonzero(above & ~np.concatenate([[False], above[:-1]]))
    times, last = [], -np.inf
    for i in onsets:
        if i * hop_s - last >= refractory_s:
            times.append(i * hop_s)
            last = i * hop_s
    return np.array(times)


def score_detections(times: np.ndarray, spans: Sequence[tuple[float, float]], duration_s: float, *,
                     tolerance_s: float = 0.3) -> tuple[float, float]:
    """Miss rate and false alarms per hour: a detection within a keyword's span (± tolerance) is a hit.

    Parameters
    ----------
    times : np.ndarray
        Detection times in seconds.
    spans : sequence of tuple of float
        Keyword ``(start, end)`` times.
    duration_s : float
        Length of the stream.
    tolerance_s : float
        Slack around each span.

    Returns
    -------
    miss_rate : float
        Keywords without a detection, over all keywords.
    fa_per_hour : float
        Detections outside every span, per hour of stream.

    Notebook: 10_keyword_spotting_and_asr § Keyword spotting in a stream
    """
    hit = np.zeros(len(spans), bool)
    false = 0
    for t in times:
        inside = [i for i, (a, b) in enumerate(spans) if a - tolerance_s <= t <= b + tolerance_s]
        if inside:
            hit[inside[0]] = True
        else:
            false += 1
    return float(1 - hit.mean()) if len(spans) else 0.0, false / (duration_s / 3600.0)


def det_points(score: np.ndarray, spans: Sequence[tuple[float, float]], duration_s: float, hop_s: float,
               thresholds: Sequence[float]) -> pd.DataFrame:
    """Miss rate and false alarms per hour at each threshold: the DET-style trade-off.

    Parameters
    ----------
    score : np.ndarray
        Smoothed posterior per frame.
    spans : sequence of tuple of float
        Keyword times.
    duration_s : float
        Length of the stream.
    hop_s : float
        Seconds per frame.
    thresholds : sequence of float
        Thresholds to try.

    Returns
    -------
    pd.DataFrame
        Columns ``threshold``, ``miss rate``, ``false alarms per hour``.

    Notebook: 10_keyword_spotting_and_asr § Keyword spotting in a stream
    """
    rows = [(th, *score_detections(detect(score, th, hop_s), spans, duration_s)) for th in thresholds]
    return pd.DataFrame(rows, columns=["threshold", "miss rate", "false alarms per hour"])


def stream_posteriors(model, y: np.ndarray, sr: int, label: int, *, win_s: float = 4.0, hop_s: float = 2.0,
                      frame_s: float = 0.02) -> np.ndarray:
    """Posterior of ``label`` per output frame of a CTC model run over a long recording in overlapping windows.

    The model was trained on recordings of a few seconds (features normalised per recording), so a
    stream is cut into ``win_s`` windows every ``hop_s`` seconds, as a streaming recogniser would; each
    frame keeps the largest posterior any window gives it.

    Parameters
    ----------
    model : torch.nn.Module
        A trained CTC model (:class:`course_utils.kws.CTCRecognizer`).
    y : np.ndarray
        The stream.
    sr : int
        Its sample rate.
    label : int
        The keyword's output label.
    win_s, hop_s : float
        Window length and hop in seconds.
    frame_s : float
        Seconds per output frame of the model.

    Returns
    -------
    np.ndarray
        One posterior per ``frame_s``.

    Notebook: 10_keyword_spotting_and_asr § Keyword spotting in a stream
    """
    n_frames = int(np.ceil(len(y) / sr / frame_s))
    post = np.zeros(n_frames)
    starts = np.arange(0, max(len(y) - int(win_s * sr), 0) + 1, int(hop_s * sr))
    if starts[-1] + int(win_s * sr) < len(y):
        starts = np.append(starts, len(y) - int(win_s * sr))
    chunks = [y[a:a + int(win_s * sr)] for a in starts]
    for a, lp in zip(starts, ctc_log_probs(model, [string_features(c) for c in chunks])):
        first = int(round(a / sr / frame_s))
        seg = np.exp(lp[:, label])[: n_frames - first]
        post[first:first + len(seg)] = np.maximum(post[first:first + len(seg)], seg)
    return post
