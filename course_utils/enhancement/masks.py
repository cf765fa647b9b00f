"""Time-frequency masks: the oracle masks (the ceiling of any mask-based method) and applying a mask."""
from __future__ import annotations

import numpy as np

from ..audio import AudioError
from .classical import _prepare, istft, stft

__all__ = ["ideal_binary_mask", "ideal_ratio_mask", "apply_mask", "oracle_enhance"]


def _clean_noise(clean: np.ndarray, noise: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray, int]:
    clean, sr = _prepare(clean, sr, name="clean")
    noise, _ = _prepare(noise, sr, name="noise")
    if clean.size != noise.size:
        raise AudioError(f"clean has {clean.size} samples but noise has {noise.size}: they must add up to the mixture")
    return clean, noise, sr


def _powers(clean: np.ndarray, noise: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    clean, noise, sr = _clean_noise(clean, noise, sr)
    return np.abs(stft(clean, sr)) ** 2, np.abs(stft(noise, sr)) ** 2


def ideal_binary_mask(clean: np.ndarray, noise: np.ndarray, sr: int, *, lc_db: float = 0.0) -> np.ndarray:
    """Ideal binary mask: 1 where the local SNR ``|S|²/|N|²`` exceeds ``lc_db``, else 0 (needs the truth).

    Parameters
    ----------
    clean, noise : np.ndarray
        The speech and the noise of a mixture, same length.
    sr : int
        Their sample rate.
    lc_db : float
        Local criterion in dB.

    Returns
    -------
    np.ndarray
        float32 mask of 0s and 1s, shape of :func:`~course_utils.enhancement.stft`.

    Notebook: 05_speech_enhancement § noisereduce, and the oracle masks (the ceiling)
    """
    S2, N2 = _powers(clean, noise, sr)
    return (10 * np.log10((S2 + 1e-20) / (N2 + 1e-20)) > lc_db).astype(np.float32)


def ideal_ratio_mask(clean: np.ndarray, noise: np.ndarray, sr: int, *, exponent: float = 0.5) -> np.ndarray:
    """Ideal ratio mask ``(|S|² / (|S|² + |N|²)) ** exponent`` (0.5: the square-root Wiener gain).

    Parameters
    ----------
    clean : np.ndarray
        The speech alone.
    noise : np.ndarray
        The noise added to it (as many samples).
    sr : int
        Rate of both.
    exponent : float
        Power applied to the ratio.

    Returns
    -------
    np.ndarray
        float32 mask in [0, 1], shape of :func:`~course_utils.enhancement.stft`.

    Notebook: 05_speech_enhancement § noisereduce, and the oracle masks (the ceiling)
    """
    S2, N2 = _powers(clean, noise, sr)
    return ((S2 / np.maximum(S2 + N2, 1e-20)) ** exponent).astype(np.float32)


def apply_mask(y: np.ndarray, mask: np.ndarray, sr: int) -> np.ndarray:
    """Multiply the STFT of ``y`` by ``mask`` and resynthesise with the noisy phase.

    Parameters
    ----------
    y : np.ndarray
        Noisy speech.
    mask : np.ndarray
        Gains, the shape of ``stft(y, sr)``.
    sr : int
        Sample rate of ``y``.

    Returns
    -------
    np.ndarray
        The masked signal, resynthesised (as many samples as ``y``).

    Notebook: 05_speech_enhancement § noisereduce, and the oracle masks (the ceiling)
    """
    y, sr = _prepare(y, sr)
    Y = stft(y, sr)
    mask = np.asarray(mask)
    if mask.shape != Y.shape:
        raise ValueError(f"apply_mask: mask has shape {mask.shape}, the STFT of y has {Y.shape}")
    return istft(mask * Y, sr, y.size)


def oracle_enhance(clean: np.ndarray, noise: np.ndarray, sr: int, kind: str = "ratio") -> np.ndarray:
    """Enhance the mixture ``clean + noise`` with the ideal ``"ratio"`` or ``"binary"`` mask.

    The ceiling a mask-based method can reach with this STFT and the noisy phase.

    Parameters
    ----------
    clean, noise, sr : np.ndarray, np.ndarray, int
        The mixture's two parts (same length) and their rate; the mixture is their sum.
    kind : {"ratio", "binary"}
        Which ideal mask.

    Returns
    -------
    np.ndarray
        The enhanced mixture, float32.

    Notebook: 05_speech_enhancement § noisereduce, and the oracle masks (the ceiling)
    """
    if kind not in ("ratio", "binary"):
        raise ValueError(f"oracle_enhance: kind must be 'ratio' or 'binary', got {kind!r}")
    mask = (ideal_ratio_mask if kind == "ratio" else ideal_binary_mask)(clean, noise, sr)
    clean, noise, sr = _clean_noise(clean, noise, sr)
    return apply_mask(clean + noise, mask, sr)
