"""Corrupted test conditions for chapter 3's robustness study: babble noise at several SNRs, a replay.

The corruptions themselves are the course's shared ones (:func:`course_utils.corruptions.babble`,
:func:`course_utils.corruptions.simulate_replay`, :func:`course_utils.audio.mix_at_snr`); this module
names each condition with a cache key that holds all its parameters, the noise's content included,
so that :func:`~course_utils.verification.embed_files` never serves embeddings of another noise.

Notebook: 03_speaker_verification § Noise at several SNRs, and a replay attack
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..audio import mix_at_snr
from ..corruptions import simulate_replay

__all__ = ["Corruption", "attack_conditions"]


@dataclass(frozen=True)
class Corruption:
    """A corruption of test audio and the cache key that names it with all its parameters.

    Parameters
    ----------
    transform : callable
        ``transform(y, sr, rng) -> y``.
    key : str
        The ``transform_key`` of :func:`~course_utils.verification.embed_files` (it also seeds the
        per-file generator, so the same key gives the same corruption).

    Notebook: 03_speaker_verification § Noise at several SNRs, and a replay attack
    """

    transform: Callable[[np.ndarray, int, np.random.Generator], np.ndarray]
    key: str


def _digest(noise: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(noise, dtype=np.float32).tobytes()).hexdigest()[:12]


def _babble_at(noise: np.ndarray, snr: float) -> Callable:
    return lambda y, sr, rng: mix_at_snr(y, noise, snr, rng=rng)


def attack_conditions(babble_noise: np.ndarray, snrs: Sequence[float] = (20, 10, 0), *,
                      band: tuple[float, float] = (300.0, 4000.0), rt60: float = 0.4) -> dict[str, Corruption | None]:
    """The test conditions of the robustness table: clean, babble at each SNR, and a replay.

    Babble is mixed with :func:`course_utils.audio.mix_at_snr` from a random segment (the per-file
    generator); the replay channel is :func:`course_utils.corruptions.simulate_replay` with a room
    drawn from the same generator.

    Parameters
    ----------
    babble_noise : np.ndarray
        The babble (e.g. from :func:`course_utils.corruptions.babble`), at the test audio's rate.
    snrs : sequence of float
        Babble SNRs in dB.
    band : tuple of float
        The replay loudspeaker's pass band (Hz).
    rt60 : float
        The replay room's reverberation time (s).

    Returns
    -------
    dict of str to Corruption or None
        ``{"clean": None, "babble 20 dB": ..., ..., "replay": ...}``, in that order.

    Notebook: 03_speaker_verification § Noise at several SNRs, and a replay attack
    """
    noise = np.asarray(babble_noise, dtype=np.float32)
    digest = _digest(noise)
    conditions: dict[str, Corruption | None] = {"clean": None}
    for snr in snrs:
        conditions[f"babble {snr:g} dB"] = Corruption(_babble_at(noise, snr), f"babble-snr{snr:g}-{digest}")

    def replay(y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
        return simulate_replay(y, sr, band=band, rt60=rt60, seed=int(rng.integers(1 << 30)))

    conditions["replay"] = Corruption(replay, f"replay-{band[0]:g}-{band[1]:g}-rt{rt60:g}")
    return conditions
