"""The "instruments" of :mod:`course_utils.synth.music`: kick, snare, hi-hat, notes, and the final mix.

Additive and noise sounds, chosen for exact labels rather than realism; taught with the music of
``notebooks/06_music_information_retrieval.ipynb``.
"""
from __future__ import annotations

import numpy as np

from ..audio import mix_at_snr

__all__: list[str] = []


def _kick(sr: int, dur: float = 0.15) -> np.ndarray:
    t = np.arange(int(dur * sr)) / sr
    freq = 50 + 100 * np.exp(-t * 40)
    return np.sin(2 * np.pi * np.cumsum(freq) / sr) * np.exp(-t * 25)


def _hat(sr: int, rng: np.random.Generator, dur: float = 0.05) -> np.ndarray:
    t = np.arange(int(dur * sr)) / sr
    noise = np.diff(rng.normal(size=t.size + 1))  # crude high-pass
    return 0.3 * noise * np.exp(-t * 80)


def _snare(sr: int, rng: np.random.Generator, dur: float = 0.12) -> np.ndarray:
    t = np.arange(int(dur * sr)) / sr
    return (0.5 * rng.normal(size=t.size) + 0.5 * np.sin(2 * np.pi * 190 * t)) * np.exp(-t * 30)


def _midi_hz(m: float) -> float:
    return 440.0 * 2 ** ((m - 69) / 12)


def _note(midi: float, dur: float, sr: int, rng: np.random.Generator, timbre: str = "pluck") -> np.ndarray:
    """One note; ``timbre`` in ``pluck`` (decaying), ``pad`` (slow attack), ``bright`` (many
    harmonics), ``bass`` (sine + 2nd harmonic), ``lead`` (vibrato, voice-like)."""
    n = max(int(dur * sr), 1)
    t = np.arange(n) / sr
    f = _midi_hz(midi)
    if timbre == "lead":
        phase = 2 * np.pi * np.cumsum(f * (1 + 0.012 * np.sin(2 * np.pi * 5.5 * t))) / sr
        sig = sum(np.sin(h * phase) * (0.6**h) for h in range(1, 7))
        env = np.minimum(1, t / 0.04) * np.minimum(1, (dur - t) / 0.05).clip(0)
        return sig * env
    weights = {"pluck": (1, 0.5, 0.33, 0.25, 0.2), "pad": (1, 0.3, 0.15), "bright": (1, 0.7, 0.5, 0.45, 0.35, 0.3, 0.25, 0.2),
               "bass": (1, 0.4)}[timbre]
    sig = sum(w * np.sin(2 * np.pi * f * h * t + rng.uniform(0, 2 * np.pi)) for h, w in enumerate(weights, start=1))
    if timbre == "pad":
        env = np.minimum(1, t / 0.25) * np.minimum(1, (dur - t) / 0.2).clip(0)
    elif timbre == "bass":
        env = np.minimum(1, t / 0.005) * np.exp(-t * 4)
    else:
        env = np.minimum(1, t / 0.01) * np.exp(-t * (2.0 if timbre == "pluck" else 1.2))
    return sig * env


def _add(y: np.ndarray, sig: np.ndarray, at: float, sr: int, gain: float = 1.0) -> None:
    i = int(round(at * sr))
    if i >= y.size or i < 0:
        return
    seg = y[i : i + sig.size]
    seg += gain * sig[: seg.size]


def _finish(y: np.ndarray, noise_snr_db: float | None, rng: np.random.Generator) -> np.ndarray:
    if noise_snr_db is not None:
        y = mix_at_snr(y.astype(np.float32), rng.normal(size=y.size).astype(np.float32), noise_snr_db)
    peak = float(np.max(np.abs(y)))
    if peak == 0:
        raise ValueError("the generated music is silent (no part plays)")
    return (0.9 * y / peak).astype(np.float32)
