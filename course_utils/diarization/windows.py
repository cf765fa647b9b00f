"""Sliding windows over speech and one embedding per window.

Taught in ``notebooks/08_speaker_diarization.ipynb`` (section 4).
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import librosa
import numpy as np
import torch

from ..audio import check_audio
from ..embeddings import load_or_train, model_path
from ..features import speaker_features
from ..parallel import torch_threads

__all__ = ["sliding_windows", "mfcc_stats_embed", "embed_windows", "standardized_mfcc_windows",
           "resemblyzer_embed_windows", "window_encoders"]


def sliding_windows(
    speech: Sequence[tuple[float, float]],
    *,
    win_s: float = 1.5,
    hop_s: float = 0.75,
    min_s: float = 0.5,
) -> list[tuple[float, float]]:
    """Windows of ``win_s`` seconds every ``hop_s`` inside each speech region.

    A region shorter than a window but at least ``min_s`` long gives one window; the last window
    of a region is aligned to its end so no speech is left out.

    Parameters
    ----------
    speech : sequence of (start, end)
        Speech regions (seconds).
    win_s, hop_s : float
        Window length and hop (seconds).
    min_s : float
        Shortest region that still gets a window.

    Returns
    -------
    list of (start, end)
        The windows in seconds.

    Notebook: 08_speaker_diarization § Embed sliding windows
    """
    if win_s <= 0 or hop_s <= 0:
        raise ValueError(f"win_s and hop_s must be positive, got {win_s}, {hop_s}")
    out = []
    for s, e in speech:
        if e - s < min_s:
            continue
        if e - s <= win_s:
            out.append((float(s), float(e)))
            continue
        starts = list(np.arange(s, e - win_s + 1e-9, hop_s))
        if starts[-1] + win_s < e - 1e-9:
            starts.append(e - win_s)
        out += [(float(a), float(a + win_s)) for a in starts]
    return out


def mfcc_stats_embed(y: np.ndarray, sr: int) -> np.ndarray:
    """The 120-dim MFCC statistics of chapter 1 as a (weak) speaker embedding for a window.

    Parameters
    ----------
    y : np.ndarray
        One window of audio.
    sr : int
        Its sample rate.

    Returns
    -------
    np.ndarray
        The 120-dim vector.

    Notebook: 08_speaker_diarization § Embed sliding windows
    """
    return speaker_features(y, sr)


def _check_windows(windows: Sequence[tuple[float, float]], who: str) -> None:
    if not windows:
        raise ValueError(f"{who}: no windows (did the VAD find any speech?)")


def embed_windows(
    y: np.ndarray,
    sr: int,
    windows: Sequence[tuple[float, float]],
    embed: Callable[[np.ndarray, int], np.ndarray] | Any,
) -> np.ndarray:
    """Embed every window of a recording, one call per window.

    Parameters
    ----------
    y : np.ndarray
        The recording.
    sr : int
        Its sample rate.
    windows : sequence of (start, end)
        Windows in seconds.
    embed : callable or Embedder
        A function ``(y, sr) -> vector`` or an object with ``.embed(y, sr)`` (chapter 2's
        :class:`~course_utils.embeddings.Embedder`).

    Returns
    -------
    np.ndarray
        ``(n_windows, dim)``.

    Notebook: 08_speaker_diarization § Embed sliding windows
    """
    f = embed.embed if hasattr(embed, "embed") else embed
    _check_windows(windows, "embed_windows")
    return np.stack([np.asarray(f(y[int(s * sr):int(e * sr)], sr), np.float64).ravel() for s, e in windows])


def resemblyzer_embed_windows(y: np.ndarray, sr: int, windows: Sequence[tuple[float, float]], embedder: Any) -> np.ndarray:
    """Resemblyzer's pretrained GE2E d-vector for every window, batched (fast).

    The 40-band mel spectrogram of the whole recording is computed once; each window's frames
    (at most 160, the encoder's 1.6 s partial length) go through the LSTM, batched by length,
    on one thread (cheaper on a shared CPU).

    Parameters
    ----------
    y : np.ndarray
        The recording.
    sr : int
        Its sample rate (resampled to 16 kHz when different).
    windows : sequence of (start, end)
        Windows in seconds.
    embedder : ResemblyzerEmbedder
        ``course_utils.embeddings.load_or_train("resemblyzer")``; its ``encoder`` is used.

    Returns
    -------
    np.ndarray
        ``(n_windows, 256)``.

    Notebook: 08_speaker_diarization § Embed sliding windows
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # resemblyzer imports the deprecated pkg_resources (through webrtcvad)
        from resemblyzer.audio import wav_to_mel_spectrogram

    y = check_audio(y, sr, name="y", allow_silent=True)
    if sr != 16000:
        y = librosa.resample(y, orig_sr=sr, target_sr=16000)
    _check_windows(windows, "resemblyzer_embed_windows")
    mel = wav_to_mel_spectrogram(y)  # (frames, 40), 10 ms hop
    spans = []
    for s, e in windows:
        i0 = min(int(round(s * 100)), max(0, len(mel) - 1))
        n = max(1, min(160, int(round((e - s) * 100)), len(mel) - i0))
        spans.append((i0, n))
    out = np.zeros((len(windows), 256))
    with torch_threads(1), torch.no_grad():
        for n in sorted({n for _, n in spans}):
            idx = [k for k, (_, m) in enumerate(spans) if m == n]
            batch = np.stack([mel[spans[k][0]:spans[k][0] + n] for k in idx])
            out[idx] = embedder.encoder(torch.from_numpy(batch).float()).numpy()
    return out


def standardized_mfcc_windows(y: np.ndarray, sr: int, windows: Sequence[tuple[float, float]]) -> np.ndarray:
    """:func:`mfcc_stats_embed` of every window, standardised over the recording's windows.

    Parameters
    ----------
    y : np.ndarray
        The recording.
    sr : int
        Its sample rate.
    windows : sequence of (start, end)
        Windows in seconds.

    Returns
    -------
    np.ndarray
        ``(n_windows, 120)``, zero mean and unit variance per dimension.

    Notebook: 08_speaker_diarization § Embed sliding windows
    """
    X = embed_windows(y, sr, windows, mfcc_stats_embed)
    return (X - X.mean(0)) / (X.std(0) + 1e-8)


def window_encoders() -> dict[str, Callable]:
    """Chapter 8's window encoders, each ``(y, sr, windows) -> (n_windows, dim)``.

    MFCC statistics (standardised per recording), resemblyzer's pretrained d-vector (batched), and
    chapter 2's x-vector (AAM-softmax) when its trained weights are in the cache (it trains in
    chapter 2; it is not retrained here, to stay within the time budget); a warning says when it
    is left out.

    Returns
    -------
    dict
        Encoder name -> function.

    Notebook: 08_speaker_diarization § Embed sliding windows
    """
    encoders = {"MFCC stats": standardized_mfcc_windows,
                "resemblyzer": functools.partial(resemblyzer_embed_windows, embedder=load_or_train("resemblyzer", progress=False))}
    if model_path("xvector_aam").exists():
        xvec = load_or_train("xvector_aam", progress=False)
        encoders["x-vector AAM (ch. 2)"] = lambda y, sr, w: embed_windows(y, sr, w, xvec)
    else:
        warnings.warn("chapter 2's x-vector is not trained yet (run notebooks/02_speaker_embeddings.ipynb); skipped here",
                      stacklevel=2)
    return encoders
