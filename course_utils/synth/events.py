"""Synthetic environmental sound events with known labels: the offline stand-in for ESC-10.

Ten classes, named after ESC-10's and built from textbook ingredients so that each has a clear
acoustic signature: barks (short falling harmonic bursts), rain (dense faint clicks on
high-passed noise), sea waves (noise swelling every few seconds), a baby's cry (a high harmonic
tone with vibrato, in bursts), a clock (regular clicks), a sneeze (one sharp broadband burst),
a helicopter (noise chopped by the blade rate), a chainsaw (a buzzing sawtooth), a rooster (a
rising-falling harmonic chirp) and a fire (sparse random crackles on a low rumble). Clips of one
"source" share its parameters and its fold, as in ESC-10. Deterministic from a seed.

Not yet taught: chapter work of issue #19 will use it.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, sosfilt

from ..cache import atomic_path
from ..progress import progress_bar

__all__ = ["EVENT_CLASSES", "sound_event", "write_esc10_like"]

#: The ten classes, in ESC-10's order (folder ``001 - Dog bark`` ... ``010 - Fire crackling``).
EVENT_CLASSES = ("Dog bark", "Rain", "Sea waves", "Baby cry", "Clock tick", "Person sneeze",
                 "Helicopter", "Chainsaw", "Rooster", "Fire crackling")


def _rng(*parts: object) -> np.random.Generator:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def _band(x: np.ndarray, sr: int, lo: float | None, hi: float | None) -> np.ndarray:
    """Band-, low- or high-pass ``x`` (4th-order Butterworth); edges above 0.45 ``sr`` are dropped."""
    lo = lo if lo and lo < 0.45 * sr else None
    hi = hi if hi and hi < 0.45 * sr else None
    if not (lo or hi):
        return x
    if lo and hi:
        sos = butter(4, [lo, hi], btype="band", fs=sr, output="sos")
    else:
        sos = butter(4, lo or hi, btype="high" if lo else "low", fs=sr, output="sos")
    return sosfilt(sos, x)


def _harmonic(f0: np.ndarray, sr: int, n_harm: int, rolloff: float) -> np.ndarray:
    """A harmonic tone following the pitch track ``f0`` (Hz per sample)."""
    phase = 2 * np.pi * np.cumsum(f0) / sr
    return sum(rolloff ** k * np.sin((k + 1) * phase) for k in range(n_harm))


def _envelope(n: int, sr: int, starts: np.ndarray, dur: float, decay: float) -> np.ndarray:
    """Bursts starting at ``starts`` (s), each ``dur`` s long with an exponential decay."""
    env = np.zeros(n)
    m = int(dur * sr)
    shape = np.exp(-np.arange(m) / (decay * sr)) * np.minimum(1, np.arange(m) / (0.005 * sr))
    for s in (int(t * sr) for t in starts):
        k = min(m, n - s)
        if k > 0:
            env[s:s + k] += shape[:k]
    return env


def _event(cls: int, p: np.random.Generator, q: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Class ``cls``: ``p`` draws the source's parameters, ``q`` this take's variation."""
    t = np.arange(n) / sr
    noise = q.standard_normal(n)
    if cls == 0:  # dog bark: falling harmonic bursts
        f0 = p.uniform(350, 650) * (1 - 0.4 * (t % 0.2) / 0.2)
        return _harmonic(f0, sr, 6, 0.6) * _envelope(n, sr, np.sort(q.uniform(0, 4.5, q.integers(2, 6))), 0.2, 0.06)
    if cls == 1:  # rain: dense faint clicks on high-passed noise
        clicks = (q.random(n) < p.uniform(0.002, 0.006)) * q.standard_normal(n)
        return _band(0.3 * noise + clicks, sr, p.uniform(1500, 3000), None)
    if cls == 2:  # sea waves: low-passed noise swelling every few seconds
        swell = 0.55 + 0.45 * np.sin(2 * np.pi * t / p.uniform(2.5, 4.5) + q.uniform(0, 2 * np.pi))
        return _band(noise, sr, None, p.uniform(600, 1200)) * swell ** 2
    if cls == 3:  # baby cry: high harmonic tone with vibrato, in bursts
        f0 = p.uniform(380, 520) * (1 + 0.03 * np.sin(2 * np.pi * 6 * t))
        return _harmonic(f0, sr, 8, 0.7) * _envelope(n, sr, np.arange(q.uniform(0, 0.5), 4.5, 1.4), 1.0, 0.6)
    if cls == 4:  # clock tick: regular short clicks
        env = _envelope(n, sr, np.arange(q.uniform(0, 0.5), 5, p.choice([0.5, 1.0])), 0.01, 0.002)
        return _band(noise, sr, 2000, 6000) * env
    if cls == 5:  # sneeze: one sharp broadband burst
        return _band(noise, sr, p.uniform(1000, 2500), None) * _envelope(n, sr, q.uniform(0.5, 3.5, 1), 0.5, 0.12)
    if cls == 6:  # helicopter: low noise chopped at the blade rate
        chop = 0.5 + 0.5 * np.sign(np.sin(2 * np.pi * p.uniform(12, 22) * t))
        return _band(noise, sr, None, 500) * chop
    if cls == 7:  # chainsaw: a buzzing sawtooth plus engine noise
        f0 = p.uniform(90, 160) * (1 + 0.05 * np.sin(2 * np.pi * q.uniform(0.3, 1) * t))
        saw = 2 * ((np.cumsum(f0) / sr) % 1) - 1
        return saw + 0.2 * _band(noise, sr, 500, 4000)
    if cls == 8:  # rooster: rising-falling harmonic chirp
        start = q.uniform(0.3, 3.0)
        arc = np.clip((t - start) / 1.2, 0, 1)
        f0 = p.uniform(500, 700) * (1 + 0.6 * np.sin(np.pi * arc))
        return _harmonic(f0, sr, 5, 0.5) * _envelope(n, sr, [start], 1.2, 0.8)
    clicks = (q.random(n) < p.uniform(2e-4, 6e-4)) * q.standard_normal(n) * 3  # fire: crackles on a rumble
    return _band(clicks, sr, 800, None) + 0.3 * _band(noise, sr, None, 300)


def sound_event(cls: int, source: int, take: int, *, seconds: float = 5.0, sr: int = 44100,
                seed: int = 0) -> np.ndarray:
    """One clip of synthetic class ``cls`` from ``source``, take ``take``.

    Parameters
    ----------
    cls : int
        Class index 0-9 (see :data:`EVENT_CLASSES`).
    source : int
        The source recording: it fixes the class's parameters (pitch, rates, filters).
    take : int
        The clip cut from it: timing and noise vary.
    seconds : float
        Length.
    sr : int
        Sample rate.
    seed : int
        Selects another population of sources.

    Returns
    -------
    np.ndarray
        float32, peak 0.8 (nothing is silent).

    Notebook: 09_sound_classification § Look and listen first
    """
    if not 0 <= cls < len(EVENT_CLASSES):
        raise ValueError(f"class index {cls} is not 0-{len(EVENT_CLASSES) - 1}")
    n = int(round(seconds * sr))
    y = _event(cls, _rng("source", seed, cls, source), _rng("take", seed, cls, source, take), n, sr)
    y = y + 1e-4 * _rng("floor", seed, cls, source, take).standard_normal(n)
    return (0.8 * y / np.max(np.abs(y))).astype(np.float32)


def write_esc10_like(root: str | Path, sources_per_fold: int = 2, takes: int = 2, seconds: float = 5.0,
                     sr: int = 44100, seed: int = 0) -> Path:
    """Write synthetic sound events laid out and named like ESC-10.

    ``root/NNN - Class/F-ID-T.ogg``: fold F in 1-5, a made-up source id ID, take letter T;
    every class has ``sources_per_fold`` sources per fold and ``takes`` clips per source (the
    defaults give 20 clips per class, half of ESC-10's 40), all clips of a source in one fold.

    Parameters
    ----------
    root : str or Path
        Target folder (created).
    sources_per_fold : int
        Sources per class and fold.
    takes : int
        Clips per source (letters A, B, ...).
    seconds : float
        Clip length.
    sr : int
        Sample rate of the Ogg Vorbis files.
    seed : int
        Selects the sources and the take-to-take variation.

    Returns
    -------
    Path
        ``root``.

    Notebook: 09_sound_classification § Look and listen first
    """
    root = Path(root)
    jobs = []
    for cls, name in enumerate(EVENT_CLASSES):
        folder = root / f"{cls + 1:03d} - {name}"
        folder.mkdir(parents=True, exist_ok=True)
        for fold in range(1, 6):
            for s in range(sources_per_fold):
                source = 100000 + 1000 * cls + 10 * fold + s
                jobs += [(folder / f"{fold}-{source}-{chr(65 + k)}.ogg", cls, source, k) for k in range(takes)]
    for path, cls, source, take in progress_bar(jobs, desc="synthesizing sound events"):
        y = sound_event(cls, source, take, seconds=seconds, sr=sr, seed=seed)
        with atomic_path(path) as tmp:
            sf.write(str(tmp), y, sr, format="OGG", subtype="VORBIS")
    return root
