"""A source-filter speech synthesizer: the offline fallback and a lab with known ground truth.

A glottal pulse train (Rosenberg pulses with jitter and shimmer, plus aspiration noise for
breathiness) is shaped by a spectral tilt and a cascade of formant resonators whose targets
follow a sequence of vowel-like units. Speakers differ in F0, vocal tract length (all formants
scaled), spectral tilt, jitter/shimmer and breathiness; emotions are rendered as prosody
(pitch level and range, energy, speaking rate, tremor) following :data:`EMOTION_PROSODY`.

Explained in ``notebooks/01_speaker_recognition.ipynb`` (what a speaker is made of, acoustically)
and ``notebooks/04_emotion_recognition.ipynb`` (the emotion table). Everything is deterministic
from a seed.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, lfilter, sosfilt

from ..cache import atomic_path
from ..progress import progress_bar

__all__ = [
    "EMOTIONS",
    "EMOTION_PROSODY",
    "SpeakerProfile",
    "make_speaker",
    "synthesize_utterance",
    "write_ravdess_like",
    "write_fsdd_like",
]

#: RAVDESS emotion names, in the order of their codes 01..08.
EMOTIONS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")

#: How each emotion changes prosody relative to neutral speech (multiplicative factors unless noted).
#: f0: pitch level; f0_range: size of pitch movements; energy: loudness; rate: speaking rate;
#: tremor: depth of a 6 Hz pitch/amplitude tremor (0 = none); tilt_db: extra spectral tilt in dB
#: (positive = brighter, more high-frequency energy). The directions follow the literature summarised
#: in chapter 4 (e.g. Scherer 2003; Juslin & Laukka 2003).
EMOTION_PROSODY: dict[str, dict[str, float]] = {
    "neutral":   dict(f0=1.00, f0_range=1.0, energy=1.00, rate=1.00, tremor=0.00, tilt_db=0.0),
    "calm":      dict(f0=0.95, f0_range=0.7, energy=0.75, rate=0.90, tremor=0.00, tilt_db=-2.0),
    "happy":     dict(f0=1.25, f0_range=1.6, energy=1.35, rate=1.10, tremor=0.00, tilt_db=2.0),
    "sad":       dict(f0=0.88, f0_range=0.5, energy=0.60, rate=0.78, tremor=0.01, tilt_db=-4.0),
    "angry":     dict(f0=1.30, f0_range=1.4, energy=1.90, rate=1.15, tremor=0.00, tilt_db=5.0),
    "fearful":   dict(f0=1.40, f0_range=1.2, energy=1.10, rate=1.22, tremor=0.04, tilt_db=1.0),
    "disgust":   dict(f0=0.90, f0_range=0.9, energy=1.05, rate=0.82, tremor=0.00, tilt_db=0.0),
    "surprised": dict(f0=1.38, f0_range=2.0, energy=1.25, rate=1.00, tremor=0.00, tilt_db=2.0),
}

# Unit inventory: (F1, F2, F3, F4) targets in Hz for an adult male tract, and the source type.
_UNITS: dict[str, tuple[tuple[float, float, float, float], str]] = {
    "a": ((730, 1090, 2440, 3400), "voiced"),
    "e": ((530, 1840, 2480, 3500), "voiced"),
    "i": ((270, 2290, 3010, 3700), "voiced"),
    "o": ((570, 840, 2410, 3400), "voiced"),
    "u": ((300, 870, 2240, 3300), "voiced"),
    "@": ((500, 1500, 2500, 3500), "voiced"),
    "m": ((250, 1100, 2300, 3300), "nasal"),
    "n": ((250, 1700, 2600, 3400), "nasal"),
    "s": ((4500, 6000, 7000, 7500), "fricative"),
    "f": ((1500, 3500, 5500, 6500), "fricative"),
    "_": ((500, 1500, 2500, 3500), "silence"),
}
_BASE_DUR = {"voiced": 0.12, "nasal": 0.07, "fricative": 0.09, "silence": 0.06}

#: The two RAVDESS statements and the ten FSDD digits as unit strings (rough phonetic sketches).
STATEMENTS = {1: "kids are talking by the door", 2: "dogs are sitting by the door"}
_STATEMENT_UNITS = {1: "i_sa_o_i_ba_i@_do", 2: "o_sa_i_i_ba_i@_do"}
_DIGIT_UNITS = {
    0: "si@ou", 1: "w@n", 2: "tu", 3: "sri", 4: "fo@", 5: "fa_iv", 6: "si_s", 7: "se_v@n",
    8: "ei_", 9: "na_in",
}
for _k, _v in list(_STATEMENT_UNITS.items()):
    _STATEMENT_UNITS[_k] = "".join(c if c in _UNITS else "@" for c in _v)
for _k, _v in list(_DIGIT_UNITS.items()):
    _DIGIT_UNITS[_k] = "".join(c if c in _UNITS else "@" for c in _v)


@dataclass(frozen=True)
class SpeakerProfile:
    """Acoustic identity of a synthetic speaker.

    Parameters
    ----------
    name : str
        Speaker name (``"spk01"``...).
    gender : str
        ``"male"`` or ``"female"``.
    f0 : float
        Mean pitch in Hz.
    vtl_scale : float
        Formant scale factor (a shorter vocal tract gives higher formants).
    tilt_db : float
        The speaker's own spectral tilt offset in dB.
    jitter : float
        Relative cycle-to-cycle pitch perturbation.
    shimmer : float
        Relative cycle-to-cycle amplitude perturbation.
    breathiness : float
        Aspiration noise level relative to the voiced source.
    formant_shift : tuple of 4 float
        Idiosyncratic factors for F1-F4.

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
    """

    name: str
    gender: str  # "male" or "female"
    f0: float  # mean pitch in Hz
    vtl_scale: float  # formant scale factor (shorter tract -> higher formants)
    tilt_db: float  # speaker's own spectral tilt offset in dB
    jitter: float  # relative cycle-to-cycle pitch perturbation
    shimmer: float  # relative cycle-to-cycle amplitude perturbation
    breathiness: float  # aspiration noise level relative to the voiced source
    formant_shift: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)  # idiosyncratic F1-F4 factors

    def to_dict(self) -> dict:
        """The profile as a plain dict (field name -> value)."""
        return asdict(self)


def _seed_from(*parts: object) -> int:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def make_speaker(index: int, gender: str | None = None, seed: int = 0) -> SpeakerProfile:
    """Draw speaker ``index`` deterministically (odd indices male, even female, as in RAVDESS).

    Parameters
    ----------
    index : int
        Speaker number; it and ``seed`` determine every parameter.
    gender : str, optional
        ``"male"`` or ``"female"``; ``None`` follows the parity of ``index``.
    seed : int
        Selects another population of speakers.

    Returns
    -------
    SpeakerProfile
        Pitch, vocal tract length, tilt, jitter, shimmer and breathiness drawn from
        gender-typical ranges.

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ
    """
    rng = np.random.default_rng(_seed_from("speaker", seed, index))
    if gender is None:
        gender = "male" if index % 2 == 1 else "female"
    male = gender == "male"
    return SpeakerProfile(
        name=f"spk{index:02d}",
        gender=gender,
        f0=float(rng.uniform(85, 155) if male else rng.uniform(165, 260)),
        vtl_scale=float(rng.uniform(0.86, 1.02) if male else rng.uniform(1.04, 1.22)),
        tilt_db=float(rng.uniform(-4, 4)),
        jitter=float(rng.uniform(0.002, 0.008)),
        shimmer=float(rng.uniform(0.02, 0.10)),
        breathiness=float(rng.uniform(0.01, 0.12)),
        formant_shift=tuple(float(v) for v in rng.uniform(0.9, 1.1, size=4)),
    )


def _resonator(freq: float, bw: float, sr: int) -> tuple[np.ndarray, np.ndarray]:
    r = np.exp(-np.pi * bw / sr)
    theta = 2 * np.pi * freq / sr
    a = np.array([1.0, -2 * r * np.cos(theta), r * r])
    b = np.array([a.sum()])  # unity gain at DC
    return b, a


def _rosenberg(f0: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Glottal phase (cycles) and Rosenberg pulse shape for the pitch track ``f0``."""
    phase = np.cumsum(f0 / sr)
    frac = phase % 1.0
    pulse = np.where(
        frac < 0.4, 0.5 * (1 - np.cos(np.pi * frac / 0.4)),
        np.where(frac < 0.56, np.cos(0.5 * np.pi * (frac - 0.4) / 0.16), 0.0),
    )
    return phase, pulse


def _formant_filter(src: np.ndarray, units: str, bounds: np.ndarray, speaker: SpeakerProfile, sr: int) -> np.ndarray:
    """Cascade of 4 resonators whose targets follow the units, interpolated in 5 ms blocks."""
    n = src.size
    block = max(1, int(0.005 * sr))
    n_blocks = int(np.ceil(n / block))
    centres = (np.arange(n_blocks) + 0.5) * block / sr
    targets = np.array([_UNITS[u][0] for u in units], dtype=float) * speaker.vtl_scale
    targets *= np.array(speaker.formant_shift)[None, :]
    mids = (bounds[:-1] + bounds[1:]) / 2
    formants = np.stack([np.interp(centres, mids, targets[:, k]) for k in range(4)], axis=1)
    formants = np.minimum(formants, 0.45 * sr)
    bws = np.array([90.0, 110.0, 160.0, 220.0])
    out = np.empty(n)
    zis = [np.zeros(2) for _ in range(4)]
    for bi in range(n_blocks):
        seg = src[bi * block : (bi + 1) * block]
        for k in range(4):
            b, a = _resonator(formants[bi, k], bws[k], sr)
            seg, zis[k] = lfilter(b, a, seg, zi=zis[k])
        out[bi * block : bi * block + seg.size] = seg
    return out


def _unit_envelope(out: np.ndarray, units: str, unit_idx: np.ndarray, sr: int) -> np.ndarray:
    """Per-unit loudness (each unit brought to its own level, then smoothed), nasals damped."""
    unit_gain = {"voiced": 1.0, "nasal": 0.35, "fricative": 0.5, "silence": 0.0}
    gain_per_unit = np.array([unit_gain[_UNITS[u][1]] for u in units])
    # each unit is brought to its own loudness (resonators differ wildly in gain), then smoothed
    unit_rms = np.array([np.sqrt(np.mean(out[unit_idx == k] ** 2)) + 1e-12 for k in range(len(units))])
    scale = (gain_per_unit / unit_rms)[unit_idx]
    win = np.hanning(int(0.02 * sr) | 1)
    env = np.convolve(scale, win / win.sum(), mode="same")
    return env


def synthesize_utterance(
    units: str,
    speaker: SpeakerProfile,
    emotion: str = "neutral",
    intensity: float = 1.0,
    sr: int = 16000,
    seed: int = 0,
    pad: float = 0.15,
) -> np.ndarray:
    """Render a unit string (see ``STATEMENTS``/digits) for a speaker and an emotion.

    Parameters
    ----------
    units : str
        Characters from the unit inventory (vowels ``aeiou@``, nasals ``mn``, fricatives ``sf``,
        ``_`` for a short pause).
    speaker : SpeakerProfile
        Who speaks.
    emotion : str
        One of :data:`EMOTIONS`.
    intensity : float
        1.0 normal, 2.0 strong: scales how far the prosody departs from neutral.
    sr : int
        Sample rate.
    seed : int
        Seeds the take-to-take variation (jitter, shimmer, noise, timing).
    pad : float
        Seconds of near-silence (a -70 dB noise floor) before and after.

    Returns
    -------
    np.ndarray
        float32 samples, peak at most 0.9.

    Notebook: 01_speaker_recognition § 2. Listen: what makes voices differ ; 04_emotion_recognition § 3. The textbook table, tested
    """
    if emotion not in EMOTION_PROSODY:
        raise ValueError(f"unknown emotion {emotion!r}; choose from {EMOTIONS}")
    bad = set(units) - set(_UNITS)
    if bad or not units:
        raise ValueError(f"units {units!r}: unknown symbols {sorted(bad)}")
    rng = np.random.default_rng(_seed_from("utt", seed, speaker.name, units, emotion, intensity))
    neutral = EMOTION_PROSODY["neutral"]
    pros = {k: neutral[k] + intensity * (v - neutral[k]) for k, v in EMOTION_PROSODY[emotion].items()}

    # --- timing: unit durations at the emotion's rate, with a little take-to-take variation
    durs = np.array([_BASE_DUR[_UNITS[u][1]] for u in units]) / max(pros["rate"], 0.3)
    durs *= rng.uniform(0.85, 1.15, size=len(units))
    bounds = np.concatenate([[0], np.cumsum(durs)])
    n = int(round(bounds[-1] * sr))
    t = np.arange(n) / sr
    unit_idx = np.minimum(np.searchsorted(bounds, t, side="right") - 1, len(units) - 1)

    # --- pitch contour: level, declination, accent peaks scaled by range, tremor, jitter
    total = bounds[-1]
    accents = sum(
        np.exp(-0.5 * ((t - c) / 0.08) ** 2) * rng.uniform(0.5, 1.0)
        for c in rng.uniform(0.15, 0.85, size=max(1, int(total / 0.5))) * total
    )
    contour = 0.12 * pros["f0_range"] * (accents - 0.5 * t / total)
    tremor = pros["tremor"] * np.sin(2 * np.pi * 6.0 * t)
    jitter = np.repeat(rng.normal(0, speaker.jitter, size=n // 64 + 1), 64)[:n]
    f0 = speaker.f0 * pros["f0"] * np.exp(contour + tremor + jitter)

    # --- glottal source: Rosenberg pulses, differentiated (lip radiation), with shimmer
    phase, pulse = _rosenberg(f0, sr)
    period = phase.astype(int)
    shimmer = 1 + speaker.shimmer * rng.normal(size=period[-1] + 2)[period]
    # lip radiation only partly differentiates the flow: keeps H1 strong, as in real voices
    voiced_src = (pulse - 0.7 * np.concatenate([[0.0], pulse[:-1]])) * shimmer * 3
    noise = rng.normal(size=n)
    kinds = np.array([_UNITS[u][1] for u in units])[unit_idx]
    voiced = np.isin(kinds, ["voiced", "nasal"]).astype(float)
    src = voiced * (voiced_src + speaker.breathiness * 3 * noise * (0.5 + 0.5 * pulse))
    src += (kinds == "fricative") * noise * 0.25

    # --- spectral tilt: one-pole low-pass whose strength depends on speaker + emotion
    tilt = speaker.tilt_db + pros["tilt_db"]
    pole = float(np.clip(0.75 - 0.03 * tilt, 0.3, 0.95))
    src = lfilter([1 - pole], [1, -pole], src)

    # --- formant filter: cascade of 4 resonators, targets interpolated in 5 ms blocks
    out = _formant_filter(src, units, bounds, speaker, sr)

    # --- energy envelope: per-unit loudness with smooth onsets, emotion energy, nasal damping
    env = _unit_envelope(out, units, unit_idx, sr)
    amp_tremor = 1 + 2 * pros["tremor"] * np.sin(2 * np.pi * 6.0 * t + 1.0)
    y = out * env * amp_tremor
    y = sosfilt(butter(2, 70.0, btype="highpass", fs=sr, output="sos"), y)  # no DC, like a real microphone
    y = y / (np.max(np.abs(y)) + 1e-12) * 0.3 * pros["energy"] * rng.uniform(0.9, 1.1)
    y = np.clip(y, -0.9, 0.9)
    n_pad = int(pad * sr)
    y = np.concatenate([np.zeros(n_pad), y, np.zeros(n_pad)])
    y += rng.normal(0, 10 ** (-70 / 20), size=y.size)  # a faint noise floor, like a real room
    return y.astype(np.float32)


def _write_all(jobs: list[tuple[Path, str, SpeakerProfile, str, float, int]], sr: int) -> None:
    for path, units, spk, emotion, intensity, seed in progress_bar(jobs, desc="synthesizing"):
        y = synthesize_utterance(units, spk, emotion, intensity, sr=sr, seed=seed)
        with atomic_path(path) as tmp:
            sf.write(str(tmp), y, sr, subtype="PCM_16")


def write_ravdess_like(
    root: str | Path, n_actors: int = 24, sr: int = 16000, seed: int = 0
) -> Path:
    """Write a synthetic corpus laid out and named exactly like RAVDESS speech.

    ``root/Actor_XX/03-01-EE-II-SS-RR-XX.wav`` for 8 emotions, 2 intensities (none strong for
    neutral), 2 statements and 2 repetitions: 60 files per actor, odd actors male.

    Parameters
    ----------
    root : str or Path
        Target folder (created).
    n_actors : int
        Number of actors.
    sr : int
        Sample rate of the 16-bit WAV files.
    seed : int
        Selects the speakers and the take-to-take variation.

    Returns
    -------
    Path
        ``root``.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    root = Path(root)
    jobs = []
    for actor in range(1, n_actors + 1):
        spk = make_speaker(actor, seed=seed)
        folder = root / f"Actor_{actor:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for e_code, emotion in enumerate(EMOTIONS, start=1):
            for inten in (1, 2):
                if emotion == "neutral" and inten == 2:
                    continue
                for stmt in (1, 2):
                    for rep in (1, 2):
                        name = f"03-01-{e_code:02d}-{inten:02d}-{stmt:02d}-{rep:02d}-{actor:02d}.wav"
                        jobs.append((folder / name, _STATEMENT_UNITS[stmt], spk, emotion, float(inten),
                                     _seed_from(seed, name)))
    _write_all(jobs, sr)
    return root


#: Synthetic stand-ins for the six FSDD speakers.
FSDD_SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")


def write_fsdd_like(root: str | Path, takes: int = 20, sr: int = 8000, seed: int = 0) -> Path:
    """Write synthetic digits laid out like FSDD: ``root/recordings/{digit}_{speaker}_{take}.wav``.

    Parameters
    ----------
    root : str or Path
        Target folder (``recordings/`` is created in it).
    takes : int
        Takes per digit and speaker.
    sr : int
        Sample rate of the 16-bit WAV files.
    seed : int
        Selects the speakers and the take-to-take variation.

    Returns
    -------
    Path
        ``root``.

    Notebook: 01_speaker_recognition § Chapter 1 — Speaker recognition: identification vs verification
    """
    rec = Path(root) / "recordings"
    rec.mkdir(parents=True, exist_ok=True)
    jobs = []
    for s_idx, name in enumerate(FSDD_SPEAKERS):
        spk = make_speaker(101 + s_idx, gender="male" if s_idx != 5 else "female", seed=seed)
        for digit in range(10):
            for take in range(takes):
                fname = f"{digit}_{name}_{take}.wav"
                jobs.append((rec / fname, _DIGIT_UNITS[digit], spk, "neutral", 1.0, _seed_from(seed, fname)))
    _write_all(jobs, sr)
    return Path(root)
