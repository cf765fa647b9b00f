"""Voice activity detection: an energy detector and a wrapper for WebRTC's VAD.

Taught in ``notebooks/08_speaker_diarization.ipynb`` (segmenting a conversation) and used by the
pipeline of ``notebooks/07_integrated_pipeline.ipynb``.

Both detectors return one boolean per hop (``hop_ms``, default 10 ms; frame ``i`` covers
``[i * hop, (i + 1) * hop)``) so their outputs line up; :func:`mask_to_segments` turns a mask into
``(start, end)`` speech regions in seconds and :func:`smooth_mask` removes blips and short gaps.
"""
from __future__ import annotations

import warnings

import librosa
import numpy as np

from .audio import check_audio

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # webrtcvad imports the deprecated pkg_resources
    import webrtcvad

__all__ = ["energy_vad", "webrtc_vad", "smooth_mask", "mask_to_segments", "speech_segments"]

WEBRTC_RATES = (8000, 16000, 32000, 48000)


def _check_hop(hop_ms: float, sr: int) -> int:
    if not np.isfinite(hop_ms) or hop_ms <= 0:
        raise ValueError(f"hop_ms must be positive, got {hop_ms}")
    if not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise ValueError(f"sr must be a positive integer sample rate, got {sr!r}")
    return max(1, int(round(sr * hop_ms / 1000.0)))


def energy_vad(
    y: np.ndarray,
    sr: int,
    *,
    frame_ms: float = 30.0,
    hop_ms: float = 10.0,
    threshold_db: float | None = None,
    margin_db: float = 12.0,
) -> np.ndarray:
    """Speech/non-speech per hop from short-time energy.

    A frame is speech when its RMS level (dB re 1.0) exceeds ``threshold_db``. With no threshold
    given, it adapts to the recording: ``noise floor + margin_db`` where the noise floor is the
    10th percentile of the frame levels, at most 40 dB below the loudest frame (so a signal that
    is speech throughout still gets a sensible threshold).

    Parameters
    ----------
    y : np.ndarray
        Mono signal.
    sr : int
        Sample rate.
    frame_ms, hop_ms : float
        Analysis window and hop (ms).
    threshold_db : float, optional
        Fixed threshold in dB re 1.0 (e.g. -40).
    margin_db : float
        Margin above the noise floor for the adaptive threshold.

    Returns
    -------
    np.ndarray
        One bool per hop, shape ``(ceil(len(y) / hop),)``.

    Notebook: 08_speaker_diarization § Voice activity detection
    """
    hop = _check_hop(hop_ms, sr)
    y = check_audio(y, sr, name="y", allow_silent=True)
    frame = max(hop, int(round(sr * frame_ms / 1000.0)))
    n = int(np.ceil(y.size / hop))
    pad = np.pad(y.astype(np.float64), (frame // 2, frame))
    idx = np.arange(n)[:, None] * hop + np.arange(frame)[None, :]
    level = 10 * np.log10(np.mean(pad[idx] ** 2, axis=1) + 1e-12)
    if level.max() < -100.0:  # digital silence: no speech anywhere
        return np.zeros(n, dtype=bool)
    if threshold_db is None:
        floor = max(float(np.percentile(level, 10)), float(level.max()) - 40.0)
        threshold_db = min(floor + margin_db, float(level.max()) - 3.0)
    return level > threshold_db


def webrtc_vad(
    y: np.ndarray,
    sr: int,
    *,
    aggressiveness: int = 2,
    frame_ms: int = 30,
    hop_ms: float = 10.0,
) -> np.ndarray:
    """Speech/non-speech per hop from Google's WebRTC VAD (``webrtcvad`` package).

    WebRTC classifies 10, 20 or 30 ms frames of 16-bit PCM at 8, 16, 32 or 48 kHz; any other rate
    is resampled to 16 kHz first. The decisions are repeated onto the ``hop_ms`` grid of
    :func:`energy_vad`.

    Parameters
    ----------
    y : np.ndarray
        Mono signal.
    sr : int
        Sample rate.
    aggressiveness : int
        0 (keeps most audio) to 3 (drops most non-speech).
    frame_ms : int
        10, 20 or 30.
    hop_ms : float
        Hop of the output grid (ms).

    Returns
    -------
    np.ndarray
        One bool per hop, shape ``(ceil(len(y) / hop),)``.

    Notebook: 08_speaker_diarization § Voice activity detection
    """
    if aggressiveness not in (0, 1, 2, 3):
        raise ValueError(f"aggressiveness must be 0, 1, 2 or 3, got {aggressiveness!r}")
    if frame_ms not in (10, 20, 30):
        raise ValueError(f"frame_ms must be 10, 20 or 30 for WebRTC's VAD, got {frame_ms!r}")
    hop = _check_hop(hop_ms, sr)
    y = check_audio(y, sr, name="y", allow_silent=True)
    n_out = int(np.ceil(y.size / hop))
    rate = sr
    if sr not in WEBRTC_RATES:
        y = librosa.resample(y, orig_sr=sr, target_sr=16000)
        rate = 16000
    vad = webrtcvad.Vad(aggressiveness)
    flen = rate * frame_ms // 1000
    pcm = (np.clip(y, -1, 1) * 32767).astype("<i2")
    n_frames = int(np.ceil(pcm.size / flen))
    pcm = np.pad(pcm, (0, n_frames * flen - pcm.size))
    dec = np.array([vad.is_speech(pcm[i * flen:(i + 1) * flen].tobytes(), rate) for i in range(n_frames)], bool)
    # map every output hop (centre time) to the WebRTC frame that holds it
    centres = (np.arange(n_out) + 0.5) * hop / sr
    return dec[np.minimum((centres * rate // flen).astype(int), n_frames - 1)]


def smooth_mask(mask: np.ndarray, *, hop_ms: float = 10.0, min_speech_ms: float = 100.0,
                min_silence_ms: float = 200.0) -> np.ndarray:
    """Fill silences shorter than ``min_silence_ms``, then drop speech shorter than ``min_speech_ms``.

    Parameters
    ----------
    mask : np.ndarray
        One bool per hop (1-D).
    hop_ms : float
        Hop of the mask (ms).
    min_speech_ms, min_silence_ms : float
        Shortest speech run kept and shortest pause kept (ms); a pause at either end is kept.

    Returns
    -------
    np.ndarray
        The smoothed mask (a copy).

    Notebook: 08_speaker_diarization § Speaker change detection: distance between adjacent windows ; 08_speaker_diarization § Voice activity detection
    """
    m = np.asarray(mask, dtype=bool).copy()
    if m.ndim != 1:
        raise ValueError(f"mask must be 1-D, got shape {m.shape}")

    def runs(v):
        d = np.diff(np.concatenate([[0], v.astype(int), [0]]))
        return np.flatnonzero(d == 1), np.flatnonzero(d == -1)

    gap = int(round(min_silence_ms / hop_ms))
    starts, ends = runs(~m)
    for s, e in zip(starts, ends):
        if s > 0 and e < m.size and e - s < gap:
            m[s:e] = True
    short = int(round(min_speech_ms / hop_ms))
    starts, ends = runs(m)
    for s, e in zip(starts, ends):
        if e - s < short:
            m[s:e] = False
    return m


def mask_to_segments(mask: np.ndarray, *, hop_ms: float = 10.0) -> list[tuple[float, float]]:
    """``(start, end)`` times in seconds of the runs of ``True`` in a per-hop mask.

    Parameters
    ----------
    mask : np.ndarray
        One bool per hop (1-D).
    hop_ms : float
        Hop of the mask (ms).

    Returns
    -------
    list of (start, end)

    Notebook: 08_speaker_diarization § Voice activity detection
    """
    m = np.asarray(mask, dtype=bool)
    if m.ndim != 1:
        raise ValueError(f"mask must be 1-D, got shape {m.shape}")
    d = np.diff(np.concatenate([[0], m.astype(int), [0]]))
    h = hop_ms / 1000.0
    return [(float(s * h), float(e * h)) for s, e in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))]


def speech_segments(
    y: np.ndarray,
    sr: int,
    *,
    method: str = "webrtc",
    hop_ms: float = 10.0,
    min_speech_ms: float = 100.0,
    min_silence_ms: float = 200.0,
    **kwargs,
) -> list[tuple[float, float]]:
    """Speech regions ``(start, end)`` in seconds: VAD (``"webrtc"`` or ``"energy"``) + smoothing.

    Parameters
    ----------
    y : np.ndarray
        Mono signal.
    sr : int
        Sample rate.
    method : str
        ``"webrtc"`` (:func:`webrtc_vad`) or ``"energy"`` (:func:`energy_vad`).
    hop_ms : float
        Hop of the decisions (ms).
    min_speech_ms, min_silence_ms : float
        Smoothing (:func:`smooth_mask`).

    Returns
    -------
    list of (start, end)

    Notebook: 08_speaker_diarization § Embed sliding windows ; 07_integrated_pipeline § The pipeline and three scenarios
    """
    if method == "webrtc":
        mask = webrtc_vad(y, sr, hop_ms=hop_ms, **kwargs)
    elif method == "energy":
        mask = energy_vad(y, sr, hop_ms=hop_ms, **kwargs)
    else:
        raise ValueError(f"method must be 'webrtc' or 'energy', got {method!r}")
    mask = smooth_mask(mask, hop_ms=hop_ms, min_speech_ms=min_speech_ms, min_silence_ms=min_silence_ms)
    return mask_to_segments(mask, hop_ms=hop_ms)

