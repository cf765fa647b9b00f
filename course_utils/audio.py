"""Loading audio with clear errors, and the small signal helpers every chapter needs.

Taught first in ``notebooks/01_speaker_recognition.ipynb``; ``mix_at_snr`` is the workhorse of
``notebooks/05_speech_enhancement.ipynb``.

Every function takes and returns NumPy arrays (``y``, ``sr`` keywords as in librosa).
Problems with the input raise :class:`AudioError`, a ``ValueError`` whose message names the file
(or the argument) and what is wrong with it.
"""
from __future__ import annotations

import struct
import warnings
from pathlib import Path
from typing import Literal

import librosa
import numpy as np
import soundfile as sf

__all__ = [
    "AudioError",
    "AudioWarning",
    "check_sr",
    "load_audio",
    "check_audio",
    "mix_at_snr",
    "fix_length",
    "normalize_peak",
    "normalize_rms",
    "rms_db",
]

#: A signal whose peak is below this is treated as silent (about -100 dBFS).
SILENCE_PEAK = 1e-5
#: A float signal whose peak exceeds this (+30 dBFS) is integer PCM stored as float, not audio in [-1, 1].
MAX_PEAK = 32.0


class AudioError(ValueError):
    """Audio that the course cannot use: the message names the source and the reason.

    A ``ValueError``, so code that already catches bad values catches it too.

    Notebook: 03_speaker_verification § 10. `SpeakerVerifier`: the whole pipeline in one object ; 07_integrated_pipeline § 8. Bad input through the whole pipeline
    """


class AudioWarning(UserWarning):
    """Audio that was read but is not what its file promises (e.g. a WAV cut short).

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
    """


def check_sr(sr, name: str = "sr") -> int:
    """Validate a sample rate: a positive whole number of Hz (``22050.0`` is fine, ``16000.5`` is not).

    Parameters
    ----------
    sr : int
        The sample rate.
    name : str
        What to call it in an error message.

    Returns
    -------
    int
        ``sr`` as an ``int``.

    Raises
    ------
    AudioError
        ``sr`` is not a number, not whole, zero or negative.

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
    """
    if isinstance(sr, (bool, np.bool_)) or not isinstance(sr, (int, float, np.integer, np.floating)):
        raise AudioError(f"{name}: the sample rate must be a whole number of Hz, got {sr!r}")
    if not np.isfinite(sr) or float(sr) != int(sr):
        raise AudioError(f"{name}: the sample rate must be a whole number of Hz, got {sr!r}")
    if sr <= 0:
        raise AudioError(f"{name}: the sample rate must be positive, got {sr!r}")
    return int(sr)


def check_audio(
    y: np.ndarray,
    sr: int | None = None,
    *,
    name: str = "signal",
    min_duration: float = 0.0,
    allow_silent: bool = False,
    max_peak: float | None = MAX_PEAK,
) -> np.ndarray:
    """Validate a signal and return it as a contiguous float32 mono array.

    Float samples must be on the [-1, 1] scale: a float signal that peaks above ``max_peak``
    (+30 dBFS) is integer PCM stored as float (an int16 recording peaks in the thousands) and is
    rejected with the scaling that fixes it, instead of being analysed as a signal 60-90 dB too loud.

    Parameters
    ----------
    y : np.ndarray
        Samples, shape ``(n,)``. A 2-D array is rejected (call :func:`load_audio`, which mixes down).
    sr : int, optional
        Sample rate (validated with :func:`check_sr` when given); needed with ``min_duration``.
    name : str
        What to call the signal in an error message (a file name, or an argument name).
    min_duration : float
        Shortest acceptable duration in seconds.
    allow_silent : bool
        Accept an all-zero (or nearly) signal.
    max_peak : float or None
        Largest accepted absolute value of float samples; ``None`` accepts any scale.

    Returns
    -------
    np.ndarray
        The samples as contiguous float32 (integer PCM scaled to [-1, 1]).

    Raises
    ------
    AudioError
        Empty, not 1-D, NaN/inf samples, float samples on an integer scale, silent, shorter than
        ``min_duration``, or a sample rate that is not a positive whole number.

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ ; 07_integrated_pipeline § 8. Bad input through the whole pipeline
    """
    if isinstance(y, (str, Path)):
        raise AudioError(f"{name}: got the file name {str(y)!r}, not samples; read it first with "
                         "course_utils.audio.load_audio(path, sr)")
    if sr is not None:
        sr = check_sr(sr, f"{name}: sr")
    y = np.asarray(y)
    if y.ndim != 1:
        raise AudioError(f"{name}: expected a mono 1-D signal, got shape {y.shape}")
    if y.size == 0:
        raise AudioError(f"{name}: the signal is empty (0 samples)")
    if not np.issubdtype(y.dtype, np.number):
        raise AudioError(f"{name}: samples must be numbers, got dtype {y.dtype}")
    if np.issubdtype(y.dtype, np.integer):
        y = y.astype(np.float32) / float(np.iinfo(y.dtype).max)
    y = np.ascontiguousarray(y, dtype=np.float32)
    finite = np.isfinite(y)
    if not finite.all():
        raise AudioError(f"{name}: {int(y.size - finite.sum())} samples are NaN or infinite")
    peak = float(max(y.max(), -y.min()))  # max |y| without a temporary array
    if max_peak is not None and peak > max_peak:
        raise AudioError(
            f"{name}: float samples reach {peak:.6g}, but audio must lie in [-1, 1]; this looks like "
            f"integer PCM stored as float (int16 recordings peak near 32767). Scale it first: "
            f"y / 32768 for int16 values (y / 2**31 for int32), or read files with load_audio"
        )
    if not allow_silent and peak < SILENCE_PEAK:
        raise AudioError(f"{name}: the signal is silent (peak below {SILENCE_PEAK:g})")
    if min_duration > 0:
        if sr is None:
            raise ValueError("check_audio: min_duration needs sr")
        if y.size < min_duration * sr:
            raise AudioError(
                f"{name}: too short ({y.size / sr:.3f} s); at least {min_duration:g} s is needed"
            )
    return y


def _wav_truncation(path: Path) -> tuple[int, int] | None:
    """``(frames the header promises, frames the file holds)`` for a RIFF/WAVE file cut short, else None."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return None
            block_align, pos = 0, 12
            while pos + 8 <= size:
                f.seek(pos)
                chunk_id, chunk_size = struct.unpack("<4sI", f.read(8))
                if chunk_id == b"fmt ":
                    fmt = f.read(min(chunk_size, 16))
                    if len(fmt) >= 14:
                        block_align = struct.unpack("<H", fmt[12:14])[0]
                elif chunk_id == b"data":
                    available = size - pos - 8
                    if block_align <= 0 or chunk_size in (0, 0xFFFFFFFF) or available >= chunk_size:
                        return None  # complete, or a streaming header that promises nothing
                    return chunk_size // block_align, available // block_align
                pos += 8 + chunk_size + (chunk_size & 1)
    except (OSError, struct.error):
        return None
    return None


def load_audio(
    path: str | Path,
    sr: int | None = 16000,
    mono: bool = True,
    *,
    min_duration: float = 0.0,
    allow_silent: bool = False,
) -> np.ndarray:
    """Read a wav/flac/ogg file as float32 at ``sr`` (``None`` keeps the file's rate).

    Integer PCM is scaled to [-1, 1]; stereo is averaged to mono when ``mono`` is true
    (otherwise the result has shape ``(channels, n)``); the signal is resampled with
    ``librosa.resample`` (soxr) when the file's rate differs from ``sr``.

    Parameters
    ----------
    path : str or Path
        The audio file.
    sr : int or None
        Target sample rate; ``None`` keeps the file's rate.
    mono : bool
        Average the channels to one; otherwise return shape ``(channels, n)``.
    min_duration : float
        Shortest acceptable duration in seconds.
    allow_silent : bool
        Accept an all-zero (or nearly) signal.

    Returns
    -------
    np.ndarray
        float32 samples, shape ``(n,)`` (or ``(channels, n)`` when ``mono`` is false).

    Raises
    ------
    AudioError
        The file is missing, is not audio or is corrupt, is empty, silent, too short,
        or holds NaN/inf samples. The message names the file.

    Warns
    -----
    AudioWarning
        A WAV file holds fewer samples than its header promises (a cut-short copy or download):
        the samples that are there are returned, and the warning says how many are missing.

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
    """
    path = Path(path)
    if sr is not None:
        sr = check_sr(sr, f"{path}: sr")
    if not path.exists():
        raise AudioError(f"{path}: file not found")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: the file is empty (0 bytes)")
    try:
        data, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises LibsndfileError/RuntimeError/TypeError
        raise AudioError(f"{path}: not a readable audio file ({type(exc).__name__}: {exc})") from None
    if data.shape[0] == 0:
        raise AudioError(f"{path}: the file holds no samples")
    cut = _wav_truncation(path)
    if cut is not None:
        promised, held = cut
        warnings.warn(f"{path}: truncated WAV: its header promises {promised} samples per channel "
                      f"({promised / file_sr:.3f} s) but the file holds only {held} "
                      f"({held / file_sr:.3f} s); re-copy or re-download it", AudioWarning, stacklevel=2)
    y = data.mean(axis=1) if mono else data.T
    if sr is not None and file_sr != sr:
        y = librosa.resample(y, orig_sr=file_sr, target_sr=sr, res_type="soxr_hq", axis=-1)
    out_sr = sr if sr is not None else file_sr
    if mono:
        return check_audio(y, out_sr, name=str(path), min_duration=min_duration, allow_silent=allow_silent)
    for ch in y:
        check_audio(ch, out_sr, name=str(path), min_duration=min_duration, allow_silent=allow_silent)
    return np.ascontiguousarray(y, dtype=np.float32)


def rms_db(y: np.ndarray) -> float:
    """Root-mean-square level of ``y`` in dB (re 1.0); -inf for silence.

    Parameters
    ----------
    y : np.ndarray
        Samples (any shape; all of them count).

    Returns
    -------
    float
        ``10 log10(mean(y**2))``, or ``-inf`` when the power is zero or ``y`` is empty.

    Notebook: 08_speaker_diarization § 1. Conversations with known turns
    """
    y = np.asarray(y, dtype=np.float64)
    power = float(np.mean(y**2)) if y.size else 0.0
    return 10.0 * np.log10(power) if power > 0 else float("-inf")


def normalize_peak(y: np.ndarray, peak: float = 0.99) -> np.ndarray:
    """Scale ``y`` so that its largest absolute sample equals ``peak``.

    Parameters
    ----------
    y : np.ndarray
        Mono signal (validated with :func:`check_audio`; silence is rejected).
    peak : float
        The target peak amplitude.

    Returns
    -------
    np.ndarray
        The scaled signal, float32.

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
    """
    y = check_audio(y, name="y")
    return (y * (peak / np.max(np.abs(y)))).astype(np.float32)


def normalize_rms(y: np.ndarray, target_db: float = -20.0) -> np.ndarray:
    """Scale ``y`` to an RMS level of ``target_db`` dB (re 1.0).

    Parameters
    ----------
    y : np.ndarray
        Mono signal (validated with :func:`check_audio`; silence is rejected).
    target_db : float
        The target level in dB re 1.0 (see :func:`rms_db`).

    Returns
    -------
    np.ndarray
        The scaled signal, float32.

    Notebook: 08_speaker_diarization § 1. Conversations with known turns
    """
    y = check_audio(y, name="y")
    gain = 10.0 ** ((target_db - rms_db(y)) / 20.0)
    return (y * gain).astype(np.float32)


def fix_length(
    y: np.ndarray,
    length: int,
    *,
    mode: Literal["start", "center", "random"] = "start",
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Crop or zero-pad ``y`` to exactly ``length`` samples.

    ``mode`` chooses which part is kept when cropping (and where the padding goes):
    ``"start"`` keeps the beginning and pads at the end, ``"center"`` keeps the middle and pads
    both sides, ``"random"`` takes a random window (``rng``, seeded by the caller).

    Parameters
    ----------
    y : np.ndarray
        Samples; the last axis is time.
    length : int
        Number of samples wanted (positive).
    mode : {"start", "center", "random"}
        Which part is kept, and where the padding goes.
    rng : np.random.Generator, optional
        Draws the window for ``mode="random"`` (``None``: a generator seeded with 0).

    Returns
    -------
    np.ndarray
        float32 array whose last axis has exactly ``length`` samples.

    Notebook: 01_speaker_recognition § 6. What was said vs who said it
    """
    y = np.asarray(y, dtype=np.float32)
    if length <= 0:
        raise ValueError(f"fix_length: length must be positive, got {length}")
    n = y.shape[-1]
    if n >= length:
        if mode == "start":
            start = 0
        elif mode == "center":
            start = (n - length) // 2
        elif mode == "random":
            start = int((rng or np.random.default_rng(0)).integers(0, n - length + 1))
        else:
            raise ValueError(f"fix_length: unknown mode {mode!r}")
        return y[..., start : start + length].copy()
    missing = length - n
    if mode == "center":
        before = missing // 2
    elif mode == "random":
        before = int((rng or np.random.default_rng(0)).integers(0, missing + 1))
    else:
        before = 0
    pad = [(0, 0)] * (y.ndim - 1) + [(before, missing - before)]
    return np.pad(y, pad)


def mix_at_snr(
    clean: np.ndarray,
    noise: np.ndarray,
    snr_db: float,
    *,
    rng: np.random.Generator | None = None,
    return_noise: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Add ``noise`` to ``clean`` so that the mixture has the given signal-to-noise ratio.

    The noise is cut to the clean signal's length (from a random offset when ``rng`` is given,
    else from the start), looped if it is shorter, and scaled so that
    ``10 log10(sum(clean**2) / sum(scaled_noise**2)) == snr_db``.

    Parameters
    ----------
    clean, noise : np.ndarray
        Mono signals at the same sample rate.
    snr_db : float
        Target SNR in dB.
    rng : np.random.Generator, optional
        Picks the noise segment; ``None`` takes the first samples.
    return_noise : bool
        Also return the scaled noise that was added (the exact ground truth of the mixture).

    Returns
    -------
    np.ndarray or (np.ndarray, np.ndarray)
        The mixture (float32), and the scaled noise when ``return_noise`` is true.

    Notebook: 05_speech_enhancement § 1. Noise that matters
    """
    clean = check_audio(clean, name="clean")
    noise = check_audio(noise, name="noise")
    if not np.isfinite(snr_db):
        raise ValueError(f"mix_at_snr: snr_db must be finite, got {snr_db}")
    n = clean.size
    if noise.size < n:
        noise = np.tile(noise, int(np.ceil(n / noise.size)))
    start = 0 if rng is None else int(rng.integers(0, noise.size - n + 1))
    noise = noise[start : start + n].astype(np.float64)
    p_clean = float(np.sum(clean.astype(np.float64) ** 2))
    p_noise = float(np.sum(noise**2))
    scale = np.sqrt(p_clean / (p_noise * 10.0 ** (snr_db / 10.0)))
    scaled = (noise * scale).astype(np.float32)
    mix = (clean + scaled).astype(np.float32)
    return (mix, scaled) if return_noise else mix
