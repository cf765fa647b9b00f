"""Harmonic/percussive separation and foreground/background (vocal) separation with soft masks.

Taught in ``notebooks/06_music_information_retrieval.ipynb`` (section "Separation").

* :func:`hpss`: median filtering of the magnitude spectrogram along time (harmonic: horizontal
  lines) and along frequency (percussive: vertical lines), then soft masks (Fitzgerald 2010,
  ``librosa.decompose.hpss``).
* :func:`foreground_background`: the REPET-SIM idea from librosa's gallery ("Vocal separation"):
  the background (accompaniment) *repeats*, so each frame is predicted by the median of its most
  similar frames (``librosa.decompose.nn_filter``) at least ``min_gap`` seconds away; whatever
  the repetition cannot explain is the foreground (often the voice). Two soft masks with margins
  decide how strictly a time-frequency bin is given to either part.
"""
from __future__ import annotations

import librosa
import numpy as np

from ..audio import check_audio

__all__ = ["hpss", "foreground_background"]


def hpss(y: np.ndarray, sr: int, *, margin: float = 1.0, kernel_size: int = 31) -> tuple[np.ndarray, np.ndarray]:
    """Split ``y`` into ``(harmonic, percussive)`` signals of the same length.

    ``margin`` > 1 makes the masks stricter (less bleeding, a residual is left out).

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    margin : float
        Separation margin (1: soft masks; larger leaves a residual).
    kernel_size : int
        Median filter length.

    Notebook: 06_music_information_retrieval § 6. Separation: harmonic/percussive and foreground/background
    """
    y = check_audio(y, sr, name="y", min_duration=0.1)
    if margin < 1:
        raise ValueError(f"margin must be >= 1, got {margin}")
    D = librosa.stft(y)
    H, P = librosa.decompose.hpss(D, margin=margin, kernel_size=kernel_size)
    return (librosa.istft(H, length=y.size).astype(np.float32), librosa.istft(P, length=y.size).astype(np.float32))


def foreground_background(y: np.ndarray, sr: int, *, min_gap: float = 2.0, margin_fg: float = 10.0,
                          margin_bg: float = 2.0, power: float = 2.0, return_masks: bool = False):
    """Soft-mask foreground/background separation (librosa gallery, REPET-SIM style).

    Returns ``(foreground, background)`` signals, plus ``(mask_fg, mask_bg)`` when
    ``return_masks`` is true.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    min_gap : float
        Shortest repetition lag considered (s).
    margin_fg : float
        Margin of the foreground mask.
    margin_bg : float
        Margin of the background mask.
    power : float
        Exponent of the soft masks.
    return_masks : bool
        Also return the two masks.

    Notebook: 06_music_information_retrieval § 6. Separation: harmonic/percussive and foreground/background
    """
    y = check_audio(y, sr, name="y", min_duration=3 * min_gap)
    S_full, phase = librosa.magphase(librosa.stft(y))
    S_filter = librosa.decompose.nn_filter(S_full, aggregate=np.median, metric="cosine",
                                           width=int(librosa.time_to_frames(min_gap, sr=sr)))
    S_filter = np.minimum(S_full, S_filter)  # the repeating part cannot be louder than the mix
    mask_bg = librosa.util.softmask(S_filter, margin_bg * (S_full - S_filter), power=power)
    mask_fg = librosa.util.softmask(S_full - S_filter, margin_fg * S_filter, power=power)
    fg = librosa.istft(mask_fg * S_full * phase, length=y.size).astype(np.float32)
    bg = librosa.istft(mask_bg * S_full * phase, length=y.size).astype(np.float32)
    return (fg, bg, mask_fg, mask_bg) if return_masks else (fg, bg)
