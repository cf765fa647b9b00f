"""Speech-enhancement metrics: SNR, segmental SNR, SI-SDR, and PESQ (wide band) / STOI wrappers.

Taught in ``notebooks/05_speech_enhancement.ipynb``.

Every metric compares a *reference* (the clean speech) with an *estimate* (the enhanced or noisy
signal) sample by sample, so both must have the same length and sample rate: a mismatch raises
:class:`~course_utils.audio.AudioError` instead of silently cropping (the bug of the seed chapter,
which compared signals of different lengths and scales). Use :func:`align` first when an
enhancement method delays or pads its output.

* :func:`snr` is *not* scale invariant: halving the estimate changes it. Use it for mixtures,
  where the scale is known.
* :func:`si_sdr` (Le Roux et al., 2019) projects the estimate on the reference first, so a gain
  change does not count as distortion; it is the headline metric of the chapter.
* :func:`pesq_wb` (ITU-T P.862.2 via the ``pesq`` package, MOS-LQO 1.04-4.64) and :func:`stoi`
  (Taal et al., 2011, via ``pystoi``, 0-1) are perceptual: quality and intelligibility.
"""
from __future__ import annotations

import warnings

import librosa
import numpy as np
from pystoi import stoi as _stoi
from scipy.signal import correlate, correlation_lags

from ..audio import SILENCE_PEAK, AudioError, check_audio

__all__ = [
    "check_pair",
    "align",
    "snr",
    "segmental_snr",
    "si_sdr",
    "pesq_wb",
    "stoi",
    "evaluate",
    "PESQ_SR",
]

#: Wide-band PESQ is defined at 16 kHz only.
PESQ_SR = 16000
_EPS = 1e-12


def _check_sr(sr: int, name: str = "sr") -> int:
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise AudioError(f"{name}: the sample rate must be a positive integer, got {sr!r}")
    return int(sr)


def check_pair(
    reference: np.ndarray,
    estimate: np.ndarray,
    *,
    sr: int | None = None,
    sr_estimate: int | None = None,
    allow_silent_estimate: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a (reference, estimate) pair and return both as float64 arrays.

    Parameters
    ----------
    reference, estimate : np.ndarray
        Mono signals of the same length.
    sr, sr_estimate : int, optional
        Sample rates; when both are given they must agree.
    allow_silent_estimate : bool
        An all-zero estimate is a legal (terrible) output of an enhancer.

    Raises
    ------
    AudioError
        Empty/NaN/2-D signals, a silent reference, different sample rates, or different lengths
        (the message suggests :func:`align`).

    Notebook: 05_speech_enhancement § 2. Measuring first: why the seed's SNR was wrong
    """
    ref = check_audio(reference, name="reference")
    est = check_audio(estimate, name="estimate", allow_silent=allow_silent_estimate)
    if sr is not None:
        _check_sr(sr)
    if sr is not None and sr_estimate is not None and _check_sr(sr_estimate, "sr_estimate") != sr:
        raise AudioError(
            f"reference is at {sr} Hz but estimate at {sr_estimate} Hz: resample one of them "
            f"(librosa.resample) before comparing"
        )
    if ref.size != est.size:
        raise AudioError(
            f"reference has {ref.size} samples but estimate has {est.size}: metrics compare sample by "
            f"sample, so cropping silently would compare shifted signals; use "
            f"course_utils.metrics.enhancement.align(reference, estimate) first"
        )
    return ref.astype(np.float64), est.astype(np.float64)


def align(
    reference: np.ndarray,
    estimate: np.ndarray,
    *,
    max_lag: int | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Undo a delay between two signals and crop them to their common part.

    The lag is the peak of the cross-correlation (FFT based), searched within ``±max_lag``
    samples (default: a quarter of the shorter signal).

    Parameters
    ----------
    reference, estimate : np.ndarray
        Mono signals, possibly of different lengths.
    max_lag : int, optional
        Largest delay searched, in samples.

    Returns
    -------
    reference, estimate : np.ndarray
        The overlapping parts, same length.
    lag : int
        How many samples the estimate lags behind the reference (negative: it leads).

    Notebook: 05_speech_enhancement § 2. Measuring first: why the seed's SNR was wrong
    """
    ref = check_audio(reference, name="reference").astype(np.float64)
    est = check_audio(estimate, name="estimate", allow_silent=True).astype(np.float64)
    if max_lag is None:
        max_lag = min(ref.size, est.size) // 4
    if max_lag < 0:
        raise ValueError(f"align: max_lag must be >= 0, got {max_lag}")
    xc = correlate(est, ref, mode="full", method="fft")
    lags = correlation_lags(est.size, ref.size, mode="full")
    ok = np.abs(lags) <= max_lag
    lag = int(lags[ok][np.argmax(xc[ok])])
    if lag >= 0:
        est = est[lag:]
    else:
        ref = ref[-lag:]
    n = min(ref.size, est.size)
    if n == 0:
        raise AudioError("align: the signals do not overlap after removing the delay")
    return ref[:n].astype(np.float32), est[:n].astype(np.float32), lag


def snr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Signal-to-noise ratio in dB, ``10 log10(||s||² / ||s - ŝ||²)``.

    Not scale invariant: ``snr(s, 0.5 * s)`` is only 6 dB although nothing but the level changed.

    Parameters
    ----------
    reference, estimate : np.ndarray
        Clean reference and enhanced (or noisy) estimate: mono, same length.

    Returns
    -------
    float
        SNR in dB.

    Notebook: 05_speech_enhancement § 2. Measuring first: why the seed's SNR was wrong
    """
    ref, est = check_pair(reference, estimate)
    err = float(np.sum((ref - est) ** 2))
    return float(10 * np.log10(np.sum(ref**2) / max(err, _EPS)))


def segmental_snr(
    reference: np.ndarray,
    estimate: np.ndarray,
    sr: int,
    *,
    frame_ms: float = 30.0,
    min_db: float = -10.0,
    max_db: float = 35.0,
    active_db: float = 40.0,
) -> float:
    """Segmental SNR in dB: the mean of per-frame SNRs clipped to ``[min_db, max_db]``.

    Frames (``frame_ms``, half overlapping) whose reference energy is more than ``active_db``
    below the loudest frame are skipped, so silence does not dominate the average.

    Parameters
    ----------
    reference, estimate : np.ndarray
        Clean reference and enhanced (or noisy) estimate: mono, same length.
    sr : int
        Their sample rate.
    frame_ms : float
        Frame length in milliseconds (hop: half of it).
    min_db, max_db : float
        Clipping range of the per-frame SNRs.
    active_db : float
        Frames more than this far below the loudest reference frame are skipped.

    Returns
    -------
    float
        Segmental SNR in dB.

    Notebook: 05_speech_enhancement § 2. Measuring first: why the seed's SNR was wrong
    """
    ref, est = check_pair(reference, estimate, sr=sr)
    n = max(1, int(round(frame_ms * sr / 1000)))
    if ref.size < n:
        raise AudioError(f"segmental_snr: signals of {ref.size} samples are shorter than one {frame_ms} ms frame")
    hop = max(1, n // 2)
    starts = np.arange(0, ref.size - n + 1, hop)
    idx = starts[:, None] + np.arange(n)[None, :]
    e_ref = np.sum(ref[idx] ** 2, axis=1)
    e_err = np.sum((ref[idx] - est[idx]) ** 2, axis=1)
    active = e_ref > e_ref.max() * 10 ** (-active_db / 10)
    seg = 10 * np.log10((e_ref[active] + _EPS) / (e_err[active] + _EPS))
    return float(np.mean(np.clip(seg, min_db, max_db)))


def si_sdr(reference: np.ndarray, estimate: np.ndarray, *, zero_mean: bool = True) -> float:
    """Scale-invariant signal-to-distortion ratio in dB (Le Roux et al., 2019).

    .. math::
        \\alpha = \\frac{\\langle \\hat s, s\\rangle}{\\|s\\|^2},\\quad
        \\text{SI-SDR} = 10\\log_{10}\\frac{\\|\\alpha s\\|^2}{\\|\\alpha s - \\hat s\\|^2}

    Any gain applied to the estimate cancels out; a delay does not (use :func:`align`).

    A silent estimate (all zeros, peak below ``course_utils.audio.SILENCE_PEAK``, or a constant when
    ``zero_mean``) has no projection on the reference: its SI-SDR is ``-inf`` (the worst possible
    value), not the 0 dB that the ``10 log10(0/0)`` floor would give and that a 0 dB noisy input
    also scores.

    Parameters
    ----------
    reference, estimate : np.ndarray
        Clean reference and enhanced (or noisy) estimate: mono, same length.
    zero_mean : bool
        Remove both signals' means first (the usual definition).

    Returns
    -------
    float
        SI-SDR in dB; ``-inf`` for a silent estimate.

    Notebook: 05_speech_enhancement § 2. Measuring first: why the seed's SNR was wrong ; 05_speech_enhancement_solutions § Task 3 — SI-SDR
    """
    ref, est = check_pair(reference, estimate)
    silent = float(np.max(np.abs(est))) < SILENCE_PEAK
    if zero_mean:
        ref = ref - ref.mean()
        est = est - est.mean()
    if silent or not np.any(est):
        return float("-inf")
    alpha = float(np.dot(est, ref) / max(float(np.dot(ref, ref)), _EPS))
    target = alpha * ref
    noise = est - target
    return float(10 * np.log10(max(float(np.sum(target**2)), _EPS) / max(float(np.sum(noise**2)), _EPS)))


def _resample(y: np.ndarray, sr: int, target: int) -> np.ndarray:
    return librosa.resample(y.astype(np.float32), orig_sr=sr, target_sr=target, res_type="soxr_hq")


def pesq_wb(reference: np.ndarray, estimate: np.ndarray, sr: int) -> float:
    """Wide-band PESQ (ITU-T P.862.2) MOS-LQO, from 1.04 (bad) to 4.64 (transparent).

    Signals above 16 kHz are resampled to 16 kHz; below 16 kHz a clear error is raised
    (upsampling cannot create the 4-8 kHz band that wide-band PESQ scores).

    Parameters
    ----------
    reference, estimate : np.ndarray
        Clean reference and enhanced (or noisy) estimate: mono, same length.
    sr : int
        Their sample rate, at least 16 kHz.

    Returns
    -------
    float
        MOS-LQO.

    Raises
    ------
    AudioError
        A rate below 16 kHz, signals shorter than 0.25 s, a silent estimate (PESQ is undefined
        for it; the ``pesq`` package would fail with "cannot convert float NaN to integer"), or
        another pair PESQ cannot score.

    Notebook: 05_speech_enhancement § 2. Measuring first: why the seed's SNR was wrong
    """
    from pesq import PesqError, pesq  # lazy: an optional compiled dependency, needed only here

    sr = _check_sr(sr)
    ref, est = check_pair(reference, estimate, sr=sr)
    if sr < PESQ_SR:
        raise AudioError(
            f"pesq_wb: wide-band PESQ needs 16 kHz audio, got {sr} Hz (narrow-band speech such as "
            f"FSDD's 8 kHz cannot be scored in wide band)"
        )
    if sr != PESQ_SR:
        ref, est = _resample(ref, sr, PESQ_SR), _resample(est, sr, PESQ_SR)
    if ref.size < PESQ_SR // 4:
        raise AudioError(f"pesq_wb: signals of {ref.size / PESQ_SR:.3f} s are too short (PESQ needs >= 0.25 s)")
    if float(np.max(np.abs(est))) < SILENCE_PEAK:
        raise AudioError(f"pesq_wb: the estimate is silent (peak below {SILENCE_PEAK:g}); PESQ is undefined "
                         "for silence (report SI-SDR, which is -inf for it, or treat it as the floor 1.04)")
    try:
        return float(pesq(PESQ_SR, ref.astype(np.float32), est.astype(np.float32), "wb"))
    except (PesqError, ValueError) as exc:  # e.g. NoUtterancesError for a reference without speech
        raise AudioError(f"pesq_wb: PESQ could not score this pair ({type(exc).__name__}: {exc})") from None


def stoi(reference: np.ndarray, estimate: np.ndarray, sr: int, *, extended: bool = False) -> float:
    """Short-time objective intelligibility (0-1; ``extended=True`` gives ESTOI) via ``pystoi``.

    pystoi resamples to 10 kHz internally, so any rate works; signals must hold at least
    about 0.4 s of speech (30 frames of 384 ms analysis after silence removal).

    Parameters
    ----------
    reference, estimate : np.ndarray
        Clean reference and enhanced (or noisy) estimate: mono, same length.
    sr : int
        Their sample rate.
    extended : bool
        Compute ESTOI (Jensen & Taal, 2016) instead.

    Returns
    -------
    float
        STOI (or ESTOI), 0-1.

    Raises
    ------
    AudioError
        Signals shorter than 0.4 s, or too few speech frames to score.

    Notebook: 05_speech_enhancement § 2. Measuring first: why the seed's SNR was wrong
    """
    sr = _check_sr(sr)
    ref, est = check_pair(reference, estimate, sr=sr)
    if ref.size < 0.4 * sr:
        raise AudioError(f"stoi: signals of {ref.size / sr:.3f} s are too short (STOI needs >= 0.4 s)")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            return float(_stoi(ref, est, sr, extended=extended))
        except RuntimeWarning as exc:
            raise AudioError(f"stoi: not enough speech frames to score ({exc})") from None


def evaluate(
    reference: np.ndarray,
    estimate: np.ndarray,
    sr: int,
    metrics: tuple[str, ...] = ("si_sdr", "stoi", "pesq"),
) -> dict[str, float]:
    """Several metrics at once: a dict keyed by ``"snr"``, ``"segsnr"``, ``"si_sdr"``, ``"stoi"``, ``"pesq"``.

    Parameters
    ----------
    reference, estimate : np.ndarray
        Clean reference and enhanced (or noisy) estimate: mono, same length.
    sr : int
        Their sample rate.
    metrics : tuple of str
        Which metrics, from the keys above.

    Returns
    -------
    dict of str to float
        One value per metric asked for.

    Notebook: 05_speech_enhancement § 7. Every method, every noise, every SNR
    """
    funcs = {
        "snr": lambda r, e: snr(r, e),
        "segsnr": lambda r, e: segmental_snr(r, e, sr),
        "si_sdr": lambda r, e: si_sdr(r, e),
        "stoi": lambda r, e: stoi(r, e, sr),
        "pesq": lambda r, e: pesq_wb(r, e, sr),
    }
    unknown = [m for m in metrics if m not in funcs]
    if unknown:
        raise ValueError(f"evaluate: unknown metrics {unknown}; choose from {sorted(funcs)}")
    return {m: funcs[m](reference, estimate) for m in metrics}
