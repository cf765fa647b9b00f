"""Corruptions and augmentation: noises, rooms, replay, speed and pitch, SpecAugment.

The one home of everything that degrades or perturbs a signal on purpose, for the attacks of chapter 3,
the augmentation of chapters 2 and 4 and the noisy mixtures of chapter 5. Mixing a noise in at a given
SNR is :func:`course_utils.audio.mix_at_snr`.

* Noises: :func:`white_noise`, :func:`pink_noise`, :func:`babble`, :func:`music_noise` (librosa's
  example tracks, :func:`synthetic_music` offline). Each is peak-normalised to 0.5; the level of a
  mixture is set by ``mix_at_snr``.
* Rooms and channels: :func:`room_impulse_response`, :func:`reverberate`, :func:`simulate_replay`.
* Augmentation: :func:`perturb` (noise, pitch shift, time stretch of a waveform),
  :func:`spec_augment` (frequency and time masks of a spectrogram).

Notebook: 05_speech_enhancement § Noise that matters
"""
from __future__ import annotations

from collections.abc import Sequence

import librosa
import numpy as np
import soundfile as sf
from scipy.signal import butter, fftconvolve, sosfilt

from .audio import AudioError, check_audio, mix_at_snr
from .datasets import load_librosa_examples
from .synth import chord_progression, drum_pattern

__all__ = [
    "MUSIC_NOISE_KEYS",
    "white_noise",
    "pink_noise",
    "babble",
    "synthetic_music",
    "music_noise",
    "room_impulse_response",
    "reverberate",
    "simulate_replay",
    "perturb",
    "spec_augment",
]

#: librosa examples used as music noise; each track's first 70 % feeds training, the rest testing.
MUSIC_NOISE_KEYS = ("brahms", "choice", "fishin", "nutcracker", "sweetwaltz", "vibeace")


def _n_samples(seconds: float, sr: int) -> int:
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise AudioError(f"sr: the sample rate must be a positive integer, got {sr!r}")
    n = int(round(seconds * int(sr)))
    if n <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    return n


def white_noise(seconds: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian white noise (flat spectrum), peak 0.5.

    Parameters
    ----------
    seconds : float
        Duration.
    sr : int
        Sample rate.
    rng : np.random.Generator
        Source of the samples.

    Returns
    -------
    np.ndarray
        float32 noise.

    Notebook: 05_speech_enhancement § Noise that matters
    """
    n = _n_samples(seconds, sr)
    y = rng.normal(size=n)
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def pink_noise(seconds: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Pink noise: white noise shaped to a 1/f power spectrum (-3 dB per octave) in the FFT domain.

    Parameters
    ----------
    seconds : float
        Duration.
    sr : int
        Sample rate.
    rng : np.random.Generator
        Source of the samples.

    Returns
    -------
    np.ndarray
        float32 noise, peak 0.5 (flat below 20 Hz).

    Notebook: 05_speech_enhancement § Noise that matters
    """
    n = _n_samples(seconds, sr)
    spec = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n, 1 / sr)
    spec /= np.sqrt(np.maximum(f, 20.0))  # flatten below 20 Hz
    y = np.fft.irfft(spec, n)
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def babble(
    signals: Sequence[np.ndarray],
    length: int,
    rng: np.random.Generator,
    *,
    n_talkers: int = 6,
    top_db: float = 30.0,
) -> np.ndarray:
    """Babble: ``n_talkers`` streams of speech summed, each a random chain of trimmed utterances.

    Each utterance has its leading and trailing silence trimmed (``librosa.effects.trim``) and is
    levelled to unit RMS; a stream chains utterances drawn at random until it is long enough and
    starts at a random offset. Pass utterances of *other* speakers than the target.

    Parameters
    ----------
    signals : sequence of np.ndarray
        At least two mono utterances (the same sample rate).
    length : int
        Length of the babble in samples.
    rng : np.random.Generator
        Chooses utterances and offsets.
    n_talkers : int
        Streams summed (more talkers: less intelligible, more stationary babble).
    top_db : float
        Trimming threshold below the utterance's peak.

    Returns
    -------
    np.ndarray
        float32 babble of ``length`` samples, peak 0.5.

    Notebook: 05_speech_enhancement § Noise that matters ; 03_speaker_verification § Noise at several SNRs, and a replay attack
    """
    n = int(length)
    if n <= 0:
        raise ValueError(f"babble: length must be a positive number of samples, got {length}")
    if len(signals) < 2:
        raise ValueError(f"babble: need at least 2 utterances, got {len(signals)}")
    trimmed = []
    for i, u in enumerate(signals):
        u = check_audio(u, name=f"signals[{i}]")
        t, _ = librosa.effects.trim(u, top_db=top_db)
        trimmed.append(t / (np.sqrt(np.mean(t**2)) + 1e-9))
    out = np.zeros(n)
    for _ in range(n_talkers):
        chain, total = [], 0
        while total < n:
            u = trimmed[int(rng.integers(len(trimmed)))]
            chain.append(u)
            total += u.size
        stream = np.concatenate(chain)
        start = int(rng.integers(0, stream.size - n + 1))
        out += stream[start : start + n]
    return (0.5 * out / np.max(np.abs(out))).astype(np.float32)


def synthetic_music(seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    """Offline stand-in for music: chords over a drum pattern, from :mod:`course_utils.synth`.

    Parameters
    ----------
    seconds : float
        Duration.
    sr : int
        Sample rate.
    seed : int
        Chooses chords and tempo.

    Returns
    -------
    np.ndarray
        float32 music, peak 0.5.

    Notebook: 05_speech_enhancement § Noise that matters
    """
    n = _n_samples(seconds, sr)
    rng = np.random.default_rng(seed)
    roots = ["C", "D", "E", "F", "G", "A"]
    chords = [f"{roots[int(rng.integers(6))]}:{'maj' if rng.random() < 0.6 else 'min'}" for _ in range(int(seconds) + 2)]
    chords_y, _, _ = chord_progression(chords, seconds_per_chord=1.0, sr=sr, seed=seed)
    tempo = float(rng.uniform(90, 140))
    drums, _, _ = drum_pattern(tempo=tempo, n_beats=int(seconds * tempo / 60) + 4, sr=sr, seed=seed)
    drums = np.resize(drums, chords_y.size)
    y = (chords_y + 0.6 * drums)[:n]
    if y.size < n:
        y = np.resize(y, n)
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def _music_part(path: str, part: str, sr: int, max_track_seconds: float) -> np.ndarray:
    info = sf.info(path)
    total = int(min(info.duration, max_track_seconds) * info.samplerate)
    cut = int(0.7 * total)
    start, stop = (0, cut) if part == "train" else (cut, total)
    data, file_sr = sf.read(path, start=start, stop=stop, dtype="float32", always_2d=True)
    y = data.mean(axis=1)
    if file_sr != sr:
        y = librosa.resample(y, orig_sr=file_sr, target_sr=sr, res_type="soxr_hq")
    return y


def music_noise(
    seconds: float,
    sr: int,
    rng: np.random.Generator,
    *,
    part: str = "test",
    keys: Sequence[str] = MUSIC_NOISE_KEYS,
    max_track_seconds: float = 30.0,
) -> tuple[np.ndarray, bool]:
    """Music noise from librosa's example tracks, or :func:`synthetic_music` offline.

    Of the first ``max_track_seconds`` of each track, the first 70 % is the ``"train"`` part and
    the rest the ``"test"`` part, so the two never share a sample.

    Parameters
    ----------
    seconds : float
        Duration.
    sr : int
        Sample rate.
    rng : np.random.Generator
        Chooses the stretch of the concatenated tracks.
    part : {"train", "test"}
        Which part of each track.
    keys : sequence of str
        librosa example names.
    max_track_seconds : float
        How much of each track is used.

    Returns
    -------
    noise : np.ndarray
        float32, peak 0.5.
    synthetic : bool
        True when no track was available and synthetic music was used.

    Notebook: 05_speech_enhancement § Noise that matters
    """
    n = _n_samples(seconds, sr)
    if part not in ("train", "test"):
        raise ValueError(f"music_noise: part must be 'train' or 'test', got {part!r}")
    df = load_librosa_examples(list(keys), download=False)
    pieces = []
    for path in df["path"]:
        y = _music_part(path, part, sr, max_track_seconds)
        if np.max(np.abs(y)) > 1e-4:
            pieces.append(y / (np.sqrt(np.mean(y**2)) + 1e-9))
    if not pieces:
        return synthetic_music(seconds, sr, seed=1 if part == "train" else 2), True
    music = np.concatenate(pieces)
    if music.size < n:
        music = np.tile(music, int(np.ceil(n / music.size)))
    start = int(rng.integers(0, music.size - n + 1))
    y = music[start : start + n]
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32), False


def room_impulse_response(sr: int, rt60: float = 0.4, *, drr_db: float = 3.0, seed: int = 0) -> np.ndarray:
    """A synthetic room impulse response: a direct path plus exponentially decaying noise.

    Parameters
    ----------
    sr : int
        Sample rate.
    rt60 : float
        Seconds for the tail to decay by 60 dB.
    drr_db : float
        Direct-to-reverberant energy ratio in dB.
    seed : int
        Seeds the tail.

    Returns
    -------
    np.ndarray
        float32 impulse response of ``rt60 * sr`` samples, unit energy.

    Notebook: 03_speaker_verification § Noise at several SNRs, and a replay attack
    """
    if rt60 <= 0:
        raise ValueError(f"room_impulse_response: rt60 must be positive, got {rt60}")
    rng = np.random.default_rng(seed)
    n = max(2, int(rt60 * sr))
    t = np.arange(n) / sr
    tail = rng.normal(size=n) * 10.0 ** (-3.0 * t / rt60)
    tail[0] = 0.0
    tail *= np.sqrt(10.0 ** (-drr_db / 10.0) / np.sum(tail**2))
    h = tail
    h[0] = 1.0
    return (h / np.linalg.norm(h)).astype(np.float32)


def reverberate(y: np.ndarray, sr: int, *, rt60: float = 0.4, drr_db: float = 3.0, seed: int = 0) -> np.ndarray:
    """``y`` in a room: convolved with :func:`room_impulse_response`, same length and RMS level.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    rt60, drr_db, seed
        As in :func:`room_impulse_response`.

    Returns
    -------
    np.ndarray
        float32 reverberant audio.

    Notebook: 03_speaker_verification § Noise at several SNRs, and a replay attack
    """
    y = check_audio(y, sr, name="y")
    z = fftconvolve(y.astype(np.float64), room_impulse_response(sr, rt60, drr_db=drr_db, seed=seed).astype(np.float64))
    return _match_rms(z[: y.size], y)


def _match_rms(z: np.ndarray, ref: np.ndarray) -> np.ndarray:
    rms_in, rms_out = np.sqrt(np.mean(ref.astype(np.float64) ** 2)), np.sqrt(np.mean(z**2))
    return (z * (rms_in / max(rms_out, 1e-12))).astype(np.float32)


def simulate_replay(y: np.ndarray, sr: int, *, band: tuple[float, float] = (300.0, 4000.0), rt60: float = 0.4,
                    drr_db: float = 3.0, seed: int = 0) -> np.ndarray:
    """A recording played back through a small loudspeaker into a room and re-recorded.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    band : tuple of float
        Pass band (Hz) of the loudspeaker and microphone, a 4th-order Butterworth band-pass.
    rt60, drr_db, seed
        The room, as in :func:`room_impulse_response`.

    Returns
    -------
    np.ndarray
        float32 replayed audio, same length and RMS level as ``y``.

    Notebook: 03_speaker_verification § Noise at several SNRs, and a replay attack
    """
    y = check_audio(y, sr, name="y")
    lo, hi = band
    if not 0 < lo < hi < sr / 2:
        raise ValueError(f"simulate_replay: band must satisfy 0 < low < high < sr/2, got {band} at sr={sr}")
    sos = butter(4, [lo, hi], btype="bandpass", fs=sr, output="sos")
    z = sosfilt(sos, y.astype(np.float64))
    z = fftconvolve(z, room_impulse_response(sr, rt60, drr_db=drr_db, seed=seed).astype(np.float64))[: y.size]
    return _match_rms(z, y)


def perturb(y: np.ndarray, sr: int, kind: str, *, rng: np.random.Generator | None = None) -> np.ndarray:
    """One randomly drawn waveform augmentation: ``"noise"``, ``"pitch"`` or ``"stretch"``.

    ``"noise"`` adds white noise at 10-25 dB SNR, ``"pitch"`` shifts the pitch by 1 to 2 semitones up or
    down (duration kept), ``"stretch"`` changes the speed by 0.85-1.15 (pitch kept). Emotion labels
    survive all three at these strengths; a 4-semitone shift would start to change the perceived
    emotion (pitch *is* an emotion cue).

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    kind : {"noise", "pitch", "stretch"}
        The augmentation.
    rng : np.random.Generator, optional
        Draws its strength (default: seeded with 0).

    Returns
    -------
    np.ndarray
        float32 augmented audio.

    Notebook: 04_emotion_recognition § Data augmentation
    """
    y = check_audio(y, sr, name="y")
    rng = rng or np.random.default_rng(0)
    if kind == "noise":
        return mix_at_snr(y, rng.normal(size=y.size).astype(np.float32), float(rng.uniform(10, 25)))
    if kind == "pitch":
        steps = float(rng.choice([-1, 1]) * rng.uniform(1, 2))
        return librosa.effects.pitch_shift(y, sr=sr, n_steps=steps).astype(np.float32)
    if kind == "stretch":
        return librosa.effects.time_stretch(y, rate=float(rng.uniform(0.85, 1.15))).astype(np.float32)
    raise ValueError(f"perturb: kind must be 'noise', 'pitch' or 'stretch', got {kind!r}")


def spec_augment(S, rng: np.random.Generator, *, n_freq: int = 2, max_freq: int = 6, n_time: int = 2,
                 max_time: int = 15, fill: float | None = None):
    """SpecAugment masks (Park et al., 2019): bands of mel bins and stretches of frames set to ``fill``.

    For each of ``n_freq`` masks a width ``w`` is drawn from 0..``max_freq`` and a first bin from
    0..``n_mels - w``; then the same for ``n_time`` masks over frames. The same masks apply to every
    leading dimension (a batch); call it once per example for per-example masks.

    Parameters
    ----------
    S : np.ndarray or torch.Tensor
        ``(..., n_mels, frames)``; not changed (a copy is masked).
    rng : np.random.Generator
        Draws the masks.
    n_freq, max_freq : int
        Number and maximal width (bins) of the frequency masks.
    n_time, max_time : int
        Number and maximal width (frames) of the time masks.
    fill : float, optional
        Value written into the masks (default: the mean of ``S``).

    Returns
    -------
    np.ndarray or torch.Tensor
        The masked copy, of the type of ``S`` (float32 for arrays).

    Notebook: 04_emotion_recognition § Data augmentation ; 02_speaker_embeddings § Training the CPU-sized x-vector
    """
    if hasattr(S, "clone"):  # a torch tensor
        S = S.clone()
    else:
        S = np.array(S, dtype=np.float32, copy=True)
    n_mels, n_frames = S.shape[-2:]
    value = float(S.mean()) if fill is None else fill
    for _ in range(n_freq):
        w = int(rng.integers(0, max_freq + 1))
        f0 = int(rng.integers(0, max(1, n_mels - w + 1)))
        S[..., f0:f0 + w, :] = value
    for _ in range(n_time):
        w = int(rng.integers(0, max_time + 1))
        t0 = int(rng.integers(0, max(1, n_frames - w + 1)))
        S[..., :, t0:t0 + w] = value
    return S
