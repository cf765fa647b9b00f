"""Classical enhancement: the chapter's STFT, a noise estimate, spectral subtraction, the
decision-directed Wiener filter and noisereduce's spectral gating.

All enhancers share one call signature, ``enhance(y, sr) -> np.ndarray`` of the same length as
``y``. They reject empty, NaN/inf, 2-D or too-short signals with
:class:`~course_utils.audio.AudioError`, and accept any sample rate: the STFT scales to the rate
(32 ms windows, 8 ms hops).
"""
from __future__ import annotations

import librosa
import numpy as np

from ..audio import AudioError, check_audio
from ..features import frame_params

__all__ = [
    "MIN_DURATION",
    "stft_params",
    "stft",
    "istft",
    "estimate_noise_psd",
    "subtract_noise_power",
    "spectral_subtraction",
    "spectral_subtraction_seed",
    "decision_directed_gain",
    "wiener_filter",
    "noisereduce_stationary",
    "noisereduce_nonstationary",
]

#: Shortest signal an enhancer accepts (seconds): a few STFT frames plus a noise estimate.
MIN_DURATION = 0.1


def _check_sr(sr: int) -> int:
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise AudioError(f"sr: the sample rate must be a positive integer, got {sr!r}")
    if sr < 4000:
        raise AudioError(f"sr: {sr} Hz is too low for speech enhancement (need >= 4000 Hz)")
    return int(sr)


def _prepare(y: np.ndarray, sr: int, name: str = "y", min_duration: float = MIN_DURATION) -> tuple[np.ndarray, int]:
    sr = _check_sr(sr)
    return check_audio(y, sr, name=name, min_duration=min_duration), sr


def stft_params(sr: int) -> tuple[int, int]:
    """``(n_fft, hop)`` of the chapter's STFT: a 32 ms window and 8 ms hop at any rate.

    Parameters
    ----------
    sr : int
        Sample rate (>= 4000 Hz).

    Returns
    -------
    tuple of int
        ``(n_fft, hop)``: 512 and 128 at 16 kHz.

    Notebook: 05_speech_enhancement § Spectral subtraction
    """
    return frame_params(_check_sr(sr), win_ms=32.0, hop_ms=8.0)


def stft(y: np.ndarray, sr: int) -> np.ndarray:
    """Complex STFT with a Hann window (librosa, centred frames).

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate (sets the window and hop, see :func:`stft_params`).

    Returns
    -------
    np.ndarray
        Complex, ``(1 + n_fft/2, frames)``.

    Notebook: 05_speech_enhancement § Spectral subtraction ; 05_speech_enhancement_solutions § Task 2 — Spectral subtraction with a floor
    """
    n_fft, hop = stft_params(sr)
    return librosa.stft(np.asarray(y, dtype=np.float32), n_fft=n_fft, hop_length=hop, window="hann")


def istft(Y: np.ndarray, sr: int, length: int) -> np.ndarray:
    """Inverse of :func:`stft`, cut or padded to exactly ``length`` samples.

    Parameters
    ----------
    Y : np.ndarray
        Complex STFT as made by :func:`stft`.
    sr : int
        The sample rate it was made at.
    length : int
        Samples of the output.

    Returns
    -------
    np.ndarray
        float32 waveform of ``length`` samples.

    Notebook: 05_speech_enhancement § Spectral subtraction ; 05_speech_enhancement_solutions § Task 2 — Spectral subtraction with a floor
    """
    n_fft, hop = stft_params(sr)
    return librosa.istft(Y, n_fft=n_fft, hop_length=hop, window="hann", length=length).astype(np.float32)


def estimate_noise_psd(power: np.ndarray, sr: int, *, noise_seconds: float = 0.25) -> np.ndarray:
    """Noise power spectrum: the mean of the first ``noise_seconds`` of a power spectrogram.

    This assumes the recording starts with noise only (true for RAVDESS, whose speech starts
    after a silent lead-in).

    Parameters
    ----------
    power : np.ndarray
        Power spectrogram ``|Y|^2``, ``(freqs, frames)``, made by :func:`stft` at ``sr``.
    sr : int
        Sample rate of the signal.
    noise_seconds : float
        Length of the leading noise-only stretch.

    Returns
    -------
    np.ndarray
        Shape ``(freqs, 1)``.

    Notebook: 05_speech_enhancement § Spectral subtraction ; 05_speech_enhancement_solutions § Task 2 — Spectral subtraction with a floor
    """
    _, hop = stft_params(sr)
    n = max(1, int(round(noise_seconds * sr / hop)))
    if power.shape[1] < n:
        raise AudioError(
            f"noise_seconds={noise_seconds}: the signal has only {power.shape[1]} frames "
            f"({power.shape[1] * hop / sr:.3f} s), fewer than the noise estimate needs"
        )
    return power[:, :n].mean(axis=1, keepdims=True)


def _noise_power(Y: np.ndarray, sr: int, noise: np.ndarray | None, noise_seconds: float) -> np.ndarray:
    if noise is not None:
        noise, _ = _prepare(noise, sr, name="noise")
        return (np.abs(stft(noise, sr)) ** 2).mean(axis=1, keepdims=True)
    return estimate_noise_psd(np.abs(Y) ** 2, sr, noise_seconds=noise_seconds)


def subtract_noise_power(power: np.ndarray, noise_power: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Berouti's rule: the clean power estimate by over-subtraction with a spectral floor.

    .. math::
        |\\hat S|^2 = \\begin{cases} |Y|^2 - \\alpha |\\hat N|^2 & \\text{if } |Y|^2 - \\alpha|\\hat N|^2 > \\beta |\\hat N|^2 \\\\
                                      \\beta |\\hat N|^2 & \\text{otherwise} \\end{cases}

    Parameters
    ----------
    power : np.ndarray
        Noisy power ``|Y|^2``, ``(freqs, frames)``.
    noise_power : np.ndarray
        Noise power ``|N|^2``, ``(freqs, 1)`` (broadcast over frames).
    alpha, beta : float
        Over-subtraction factor and spectral floor (a fraction of the noise power).

    Returns
    -------
    np.ndarray
        The clean power estimate, shape of ``power``.

    Notebook: 05_speech_enhancement § Spectral subtraction ; 05_speech_enhancement_solutions § Task 2 — Spectral subtraction with a floor
    """
    sub = power - alpha * noise_power
    return np.where(sub > beta * noise_power, sub, beta * noise_power)


def spectral_subtraction(
    y: np.ndarray,
    sr: int,
    *,
    alpha: float = 4.0,
    beta: float = 0.02,
    noise: np.ndarray | None = None,
    noise_seconds: float = 0.25,
) -> np.ndarray:
    """Power spectral subtraction with over-subtraction ``alpha`` and spectral floor ``beta``.

    Berouti, Schwartz & Makhoul (1979), the seed chapter's formula (:func:`subtract_noise_power`);
    the noisy phase is kept. ``alpha > 1`` removes more noise (and more speech); ``beta > 0``
    leaves a little smooth noise instead of isolated spectral peaks ("musical noise").

    Parameters
    ----------
    y : np.ndarray
        Noisy speech (any sample rate).
    sr : int
        Its sample rate.
    alpha : float
        Over-subtraction factor (>= 0).
    beta : float
        Spectral floor, a fraction of the noise power (>= 0).
    noise : np.ndarray, optional
        A noise-only recording; by default the first ``noise_seconds`` of ``y`` are used.
    noise_seconds : float
        Length of the leading noise-only stretch.

    Returns
    -------
    np.ndarray
        Enhanced speech, same length and rate as ``y``.

    Notebook: 05_speech_enhancement § Spectral subtraction
    """
    y, sr = _prepare(y, sr)
    if alpha < 0 or beta < 0:
        raise ValueError(f"spectral_subtraction: alpha and beta must be >= 0, got alpha={alpha}, beta={beta}")
    Y = stft(y, sr)
    P = np.abs(Y) ** 2
    S2 = subtract_noise_power(P, _noise_power(Y, sr, noise, noise_seconds), alpha, beta)
    gain = np.sqrt(S2 / np.maximum(P, 1e-20))
    return istft(gain * Y, sr, y.size)


def spectral_subtraction_seed(y: np.ndarray, sr: int, **kwargs) -> np.ndarray:
    """The seed chapter's version: ``alpha=2`` and no floor (``beta=0``), which leaves musical noise.

    Parameters
    ----------
    y : np.ndarray
        Noisy speech.
    sr : int
        Its sample rate.
    **kwargs
        ``noise`` or ``noise_seconds``, as in :func:`spectral_subtraction`.

    Returns
    -------
    np.ndarray
        Enhanced speech, same length as ``y``.

    Notebook: 05_speech_enhancement § Spectral subtraction
    """
    return spectral_subtraction(y, sr, alpha=2.0, beta=0.0, **kwargs)


def decision_directed_gain(
    power: np.ndarray, noise_power: np.ndarray, *, a: float = 0.98, xi_min_db: float = -25.0
) -> np.ndarray:
    """Wiener gains with the decision-directed a-priori SNR (Ephraim & Malah, 1984), frame by frame.

    For frame ``l`` and bin ``k``, with a-posteriori SNR :math:`\\gamma = |Y|^2/\\lambda_N`:

    .. math::
        \\xi(l) = a \\frac{|\\hat S(l-1)|^2}{\\lambda_N} + (1-a)\\max(\\gamma(l) - 1, 0),\\qquad
        G = \\frac{\\xi}{1+\\xi},\\qquad |\\hat S(l)|^2 = G^2 |Y(l)|^2

    Parameters
    ----------
    power : np.ndarray
        Noisy power ``|Y|^2``, ``(freqs, frames)``.
    noise_power : np.ndarray
        Noise power :math:`\\lambda_N`, ``(freqs,)`` or ``(freqs, 1)``.
    a : float
        Smoothing of ξ over time (close to 1: what suppresses musical noise).
    xi_min_db : float
        Lower bound of ξ (a gain floor).

    Returns
    -------
    np.ndarray
        Gains in [0, 1), shape of ``power``.

    Notebook: 05_speech_enhancement § Wiener filter with a decision-directed a-priori SNR
    """
    lam = np.maximum(np.asarray(noise_power).reshape(-1), 1e-20)
    xi_min = 10 ** (xi_min_db / 10)
    G = np.empty_like(power)
    prev = np.zeros(power.shape[0])
    for t in range(power.shape[1]):
        gamma = power[:, t] / lam
        xi = a * prev / lam + (1 - a) * np.maximum(gamma - 1, 0)
        xi = np.maximum(xi, xi_min)
        G[:, t] = xi / (1 + xi)
        prev = G[:, t] ** 2 * power[:, t]
    return G


def wiener_filter(
    y: np.ndarray,
    sr: int,
    *,
    a: float = 0.98,
    xi_min_db: float = -25.0,
    noise: np.ndarray | None = None,
    noise_seconds: float = 0.25,
) -> np.ndarray:
    """Wiener filter with the decision-directed a-priori SNR (:func:`decision_directed_gain`).

    Parameters
    ----------
    y : np.ndarray
        Noisy speech (any sample rate).
    sr : int
        Its sample rate.
    a : float
        Smoothing of the a-priori SNR, in [0, 1).
    xi_min_db : float
        Lower bound of the a-priori SNR in dB.
    noise, noise_seconds : np.ndarray or None, float
        The noise estimate's source, as in :func:`spectral_subtraction`.

    Returns
    -------
    np.ndarray
        The filtered speech (``y``'s length).

    Notebook: 05_speech_enhancement § Wiener filter with a decision-directed a-priori SNR
    """
    y, sr = _prepare(y, sr)
    if not 0 <= a < 1:
        raise ValueError(f"wiener_filter: a must be in [0, 1), got {a}")
    Y = stft(y, sr)
    G = decision_directed_gain(np.abs(Y) ** 2, _noise_power(Y, sr, noise, noise_seconds), a=a, xi_min_db=xi_min_db)
    return istft(G * Y, sr, y.size)


def _noisereduce(y: np.ndarray, sr: int, stationary: bool, kwargs: dict) -> np.ndarray:
    import noisereduce as nr  # optional dependency: imported when used

    y, sr = _prepare(y, sr)
    out = nr.reduce_noise(y=y, sr=sr, stationary=stationary, **kwargs)
    return np.asarray(out, dtype=np.float32)[: y.size]


def noisereduce_stationary(y: np.ndarray, sr: int, **kwargs) -> np.ndarray:
    """``noisereduce.reduce_noise(stationary=True)``: spectral gating with a fixed noise threshold.

    The threshold is the mean + ``n_std_thresh_stationary`` std of each bin over the whole clip.

    Parameters
    ----------
    y : np.ndarray
        Noisy speech.
    sr : int
        Its sample rate.
    **kwargs
        Passed to ``noisereduce.reduce_noise``.

    Returns
    -------
    np.ndarray
        float32, same length as ``y``.

    Notebook: 05_speech_enhancement § noisereduce, and the oracle masks (the ceiling)
    """
    return _noisereduce(y, sr, True, kwargs)


def noisereduce_nonstationary(y: np.ndarray, sr: int, **kwargs) -> np.ndarray:
    """``noisereduce.reduce_noise(stationary=False)``: the threshold follows a smoothed noise floor.

    The floor is smoothed over ``time_constant_s``, so slowly varying noise is tracked; arguments and
    result as :func:`noisereduce_stationary`.

    Parameters
    ----------
    y, sr : np.ndarray, int
        Noisy speech and its rate.
    **kwargs
        Options of ``noisereduce.reduce_noise`` (e.g. ``time_constant_s``).

    Returns
    -------
    np.ndarray
        The gated signal.

    Notebook: 05_speech_enhancement § noisereduce, and the oracle masks (the ceiling)
    """
    return _noisereduce(y, sr, False, kwargs)
