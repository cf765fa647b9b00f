"""Drums with exact beat labels: the kick-drum demo and drum patterns in any meter, with swing.

Part of the generated music of :mod:`course_utils.synth.music`; taught in
``notebooks/06_music_information_retrieval.ipynb`` (beat tracking).
"""
from __future__ import annotations

import numpy as np

from .instruments import _add, _finish, _hat, _kick, _snare

__all__ = ["kick_demo", "drum_pattern"]


def _check_tempo(tempo: float) -> None:
    if not 20 <= tempo <= 400:
        raise ValueError(f"tempo must be in 20..400 BPM, got {tempo}")


# --------------------------------------------------------------------------- beats
def kick_demo(tempo: float = 120.0, duration: float = 10.0, sr: int = 22050) -> tuple[np.ndarray, np.ndarray]:
    """A bare kick drum on every beat: the simplest beat-tracking test signal.

    Parameters
    ----------
    tempo : float
        Beats per minute (20-400).
    duration : float
        Length in seconds.
    sr : int
        Sample rate.

    Returns
    -------
    y : np.ndarray
        float32 audio, peak 0.9.
    beats : np.ndarray
        The exact beat times in seconds (first kick at 0 s).

    Notebook: 06_music_information_retrieval § The 120 BPM kick demo
    """
    _check_tempo(tempo)
    if duration <= 0:
        raise ValueError(f"duration must be positive, got {duration}")
    beats = np.arange(0, duration, 60.0 / tempo)
    y = np.zeros(int(duration * sr))
    kick = _kick(sr)
    for b in beats:
        _add(y, kick, b, sr)
    return (0.9 * y / np.max(np.abs(y))).astype(np.float32), beats


def drum_pattern(
    tempo: float = 120.0,
    n_beats: int = 32,
    meter: int = 4,
    swing: float = 0.0,
    sr: int = 22050,
    noise_snr_db: float | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A kick/snare/hi-hat pattern with exactly known beat times.

    Kick on the downbeat (and beat 3 in 4/4), snare on the other beats, hi-hats on eighth notes;
    ``swing`` (0-0.5) delays the off-beat eighths by that fraction of a beat; ``meter`` is the
    number of beats per bar (2-7); ``noise_snr_db`` adds white noise at that SNR.

    Parameters
    ----------
    tempo : float
        Beats per minute (20-400).
    n_beats : int
        Number of beats (the first at 0.5 s).
    meter : int
        Beats per bar, 2-7.
    swing : float
        Delay of the off-beat eighths as a fraction of a beat, in [0, 0.5).
    sr : int
        Sample rate.
    noise_snr_db : float, optional
        Add white noise at this SNR in dB (``None``: clean).
    seed : int
        Seeds the hi-hat and snare noise and the added noise.

    Returns
    -------
    y : np.ndarray
        float32 audio.
    beats : np.ndarray
        Beat times in seconds (the ground truth for beat tracking).
    downbeats : np.ndarray
        Times of the first beat of each bar.

    Notebook: 06_music_information_retrieval § A generated ground-truth set: tempo, meter, swing, noise
    """
    _check_tempo(tempo)
    if not 2 <= meter <= 7:
        raise ValueError(f"meter must be 2..7 beats per bar, got {meter}")
    if not 0 <= swing < 0.5:
        raise ValueError(f"swing must be in [0, 0.5), got {swing}")
    if n_beats < 1:
        raise ValueError(f"n_beats must be at least 1, got {n_beats}")
    rng = np.random.default_rng(seed)
    period = 60.0 / tempo
    lead = 0.5
    beats = lead + np.arange(n_beats) * period
    y = np.zeros(int((beats[-1] + period + 0.5) * sr))
    kick, snare = _kick(sr), _snare(sr, rng)
    for k, b in enumerate(beats):
        pos = k % meter
        if pos == 0 or (meter == 4 and pos == 2):
            _add(y, kick, b, sr, 1.0 if pos == 0 else 0.8)
        else:
            _add(y, snare, b, sr, 0.6)
        _add(y, _hat(sr, rng), b, sr, 0.5)
        _add(y, _hat(sr, rng), b + period * (0.5 + swing), sr, 0.35)
    return _finish(y, noise_snr_db, rng), beats, beats[::meter]
