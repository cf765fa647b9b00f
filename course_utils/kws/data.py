"""The chapter's data: one-second word clips at 8 kHz, the workshop's filter, leave-one-speaker-out folds.

FSDD (spoken digits, 8 kHz) trains every model; the digit words of the Speech Commands sample (16 kHz,
other speakers and microphones) are the cross-corpus test. Both are turned into the same input: the
word trimmed of leading and trailing silence, centred in a one-second window at 8 kHz.

Notebook: 10_keyword_spotting_and_asr § Isolated digits, speaker-independent
"""
from __future__ import annotations

from collections.abc import Sequence

import librosa
import numpy as np
import pandas as pd
import soundfile as sf

from ..audio import fix_length
from ..features import extract_cached, log_mel

__all__ = [
    "SR",
    "CLIP",
    "DIGIT_WORDS",
    "durations",
    "workshop_filter",
    "word_clip",
    "load_clips",
    "clip_log_mel",
    "loso_folds",
]

#: The workshop's rate and input length: one second at 8 kHz.
SR = 8000
CLIP = 8000
#: Speech Commands' names of the digits, index = digit.
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def durations(paths: Sequence[str]) -> np.ndarray:
    """Durations in seconds read from the files' headers (no decoding).

    Parameters
    ----------
    paths : sequence of str
        Audio files.

    Returns
    -------
    np.ndarray
        One duration per file.

    Notebook: 10_keyword_spotting_and_asr § Explore the data
    """
    return np.array([sf.info(str(p)).duration for p in paths], dtype=float)


def workshop_filter(y: np.ndarray, sr: int, *, target_sr: int = SR, length: int = CLIP) -> np.ndarray | None:
    """The workshop's preparation: resample to ``target_sr``, keep the clip only if it has ``length`` samples.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    target_sr : int
        Rate after resampling (soxr, via ``librosa.resample``).
    length : int
        Required number of samples after resampling (one second at 8 kHz by default).

    Returns
    -------
    np.ndarray or None
        The resampled clip, or ``None`` when it is not exactly ``length`` samples long.

    Notebook: 10_keyword_spotting_and_asr § Explore the data
    """
    z = librosa.resample(np.asarray(y, dtype=np.float32), orig_sr=sr, target_sr=target_sr)
    return z.astype(np.float32) if len(z) == length else None


def word_clip(y: np.ndarray, sr: int, *, length: int = CLIP, top_db: float = 30.0) -> np.ndarray:
    """The word trimmed of silence (``top_db`` below its peak), centred in ``length`` samples, peak 0.9.

    Parameters
    ----------
    y : np.ndarray
        Mono audio (already at the model's rate).
    sr : int
        Its sample rate (part of the feature cache key).
    length : int
        Samples of the output window.
    top_db : float
        Trimming threshold of ``librosa.effects.trim``.

    Returns
    -------
    np.ndarray
        float32, ``length`` samples.

    Notebook: 10_keyword_spotting_and_asr § Isolated digits, speaker-independent
    """
    z, _ = librosa.effects.trim(np.asarray(y, dtype=np.float32), top_db=top_db)
    z = fix_length(z, length, mode="center")
    return (0.9 * z / max(float(np.max(np.abs(z))), 1e-6)).astype(np.float32)


def load_clips(paths: Sequence[str], *, progress: bool = True) -> np.ndarray:
    """:func:`word_clip` of every file loaded at 8 kHz, ``(n, 8000)``, cached on disk by content.

    Parameters
    ----------
    paths : sequence of str
        Audio files (any rate: resampled on loading).
    progress : bool
        Show a progress bar.

    Returns
    -------
    np.ndarray
        float32 ``(len(paths), CLIP)``.

    Notebook: 10_keyword_spotting_and_asr § Isolated digits, speaker-independent
    """
    return np.asarray(extract_cached(list(paths), word_clip, sr=SR, name="kws_clip", progress=progress))


def clip_log_mel(X: np.ndarray, n_mels: int = 40) -> np.ndarray:
    """Log-mel spectrograms of one-second clips, ``(n, n_mels, 101)``, scaled to about [-1, 1].

    Parameters
    ----------
    X : np.ndarray
        Clips ``(n, CLIP)`` at :data:`SR`.
    n_mels : int
        Mel bands (25 ms windows, 10 ms hops).

    Returns
    -------
    np.ndarray
        float32; dB re each clip's maximum, divided by 40 and shifted by 1.

    Notebook: 10_keyword_spotting_and_asr § Isolated digits, speaker-independent
    """
    return np.stack([log_mel(x, SR, n_mels=n_mels) / 40.0 + 1.0 for x in X]).astype(np.float32)


def loso_folds(df: pd.DataFrame, column: str = "speaker") -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Leave-one-speaker-out folds: ``(held-out speaker, train index, test index)`` in speaker order.

    Parameters
    ----------
    df : pd.DataFrame
        One row per clip.
    column : str
        The speaker column.

    Returns
    -------
    list of tuple
        One fold per speaker; the indices are positions in ``df``.

    Notebook: 10_keyword_spotting_and_asr § Isolated digits, speaker-independent
    """
    spk = df[column].to_numpy()
    return [(s, np.flatnonzero(spk != s), np.flatnonzero(spk == s)) for s in sorted(set(spk))]
