"""Music with known ground truth: beats, meters, swing, chords, styles and instrument tags.

Taught in ``notebooks/06_music_information_retrieval.ipynb``, where beat trackers, chord
recognisers, style classifiers and taggers are scored against the labels these functions return,
and where :func:`generated_song` stands in for real recordings when librosa's examples are not
available (the offline fallback).

Everything is rendered from a few additive/noise "instruments" (kick, snare, hi-hat, bass,
chord pad, plucked chords, vibrato lead). The point is not realism but *exact* labels: beat
times, downbeats, chord intervals, style and the set of instruments present are all known.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .drums import _check_tempo, drum_pattern, kick_demo  # noqa: F401  (music.drum_pattern, music.kick_demo)
from .instruments import _add, _finish, _hat, _kick, _note, _snare

__all__ = [
    "CHORD_ROOTS",
    "CHORD_LABELS",
    "STYLES",
    "TAGS",
    "chord_progression",
    "random_chord_labels",
    "render_music",
    "style_clip",
    "tagged_clip",
    "generated_song",
]

CHORD_ROOTS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
#: The 24 major/minor triads in mir_eval syntax: ``C:maj ... B:maj, C:min ... B:min``.
CHORD_LABELS = tuple(f"{r}:maj" for r in CHORD_ROOTS) + tuple(f"{r}:min" for r in CHORD_ROOTS)

#: Instrument tags of :func:`tagged_clip` (a clip has any non-empty subset of them).
TAGS = ("kick", "snare", "hihat", "bass", "chords", "melody")

#: Generated styles for classification: tempo range (BPM), meter, swing and which parts play.
STYLES: dict[str, dict] = {
    "rock": dict(tempo=(100, 140), meter=4, swing=0.0, parts=("kick", "snare", "hihat", "bass", "chords"),
                 chord_timbre="bright", bass_rhythm=2, four_on_floor=False),
    "techno": dict(tempo=(120, 135), meter=4, swing=0.0, parts=("kick", "hihat", "bass"),
                   chord_timbre="bright", bass_rhythm=4, four_on_floor=True),
    "swing": dict(tempo=(110, 170), meter=4, swing=0.33, parts=("hihat", "bass", "chords", "snare"),
                  chord_timbre="pluck", bass_rhythm=1, four_on_floor=False),
    "waltz": dict(tempo=(120, 170), meter=3, swing=0.0, parts=("bass", "chords", "melody"),
                  chord_timbre="pluck", bass_rhythm=1, four_on_floor=False),
    "ambient": dict(tempo=(60, 80), meter=4, swing=0.0, parts=("chords", "melody"),
                    chord_timbre="pad", bass_rhythm=1, four_on_floor=False),
}


# --------------------------------------------------------------------------- chords
def _chord_pitches(label: str) -> list[float]:
    root, quality = label.split(":") if ":" in label else (label, "maj")
    if root not in CHORD_ROOTS or quality not in ("maj", "min"):
        raise ValueError(f"chord label {label!r}: expected e.g. 'C:maj' or 'A:min' (sharps, maj/min only)")
    r = CHORD_ROOTS.index(root)
    third = 4 if quality == "maj" else 3
    return [48 + r, 60 + r, 60 + r + third, 60 + r + 7]  # bass + triad (MIDI numbers)


def random_chord_labels(n: int, seed: int = 0) -> list[str]:
    """``n`` chord labels drawn from the 24 triads, moving mostly by fourths/fifths (no repeats).

    Parameters
    ----------
    n : int
        Number of labels (at least 1).
    seed : int
        Seeds the draw.

    Returns
    -------
    list of str
        Labels in mir_eval syntax (``"C:maj"``, ``"A:min"``...), no two neighbours equal.

    Notebook: 06_music_information_retrieval § Evaluation on generated progressions with known labels
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    labels = [CHORD_LABELS[int(rng.integers(24))]]
    while len(labels) < n:
        root, quality = labels[-1].split(":")
        r = CHORD_ROOTS.index(root)
        step = int(rng.choice([5, 7, 9, 3, 2, 10, 4, 8]))
        q = quality if rng.random() < 0.5 else ("min" if quality == "maj" else "maj")
        nxt = f"{CHORD_ROOTS[(r + step) % 12]}:{q}"
        if nxt != labels[-1]:
            labels.append(nxt)
    return labels


def chord_progression(
    chords: list[str] | None = None,
    seconds_per_chord: float | Sequence[float] = 1.0,
    sr: int = 22050,
    seed: int = 0,
    *,
    noise_snr_db: float | None = None,
    drums: bool = False,
    tempo: float = 120.0,
    timbre: str = "pluck",
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Render chords (``"C:maj"``, ``"A:min"``, ...) as harmonic tones with known labels.

    ``seconds_per_chord`` is one duration or one per chord; ``drums`` adds a drum pattern at
    ``tempo`` (noise for the chroma), ``noise_snr_db`` white noise, ``timbre`` is ``pluck``,
    ``pad`` or ``bright``.

    Parameters
    ----------
    chords : list of str, optional
        Chord labels (``None``: a fixed eight-chord progression in C major).
    seconds_per_chord : float or Sequence of float
        One duration for all chords, or one per chord.
    sr : int
        Sample rate.
    seed : int
        Seeds the note rendering, the drums and the noise.
    noise_snr_db : float, optional
        Add white noise at this SNR in dB (``None``: clean).
    drums : bool
        Add a drum pattern at ``tempo``.
    tempo : float
        Tempo of the drums in BPM.
    timbre : str
        ``"pluck"``, ``"pad"`` or ``"bright"``.

    Returns
    -------
    y : np.ndarray
        float32 audio.
    intervals : np.ndarray
        ``(n, 2)`` start/end times in seconds, mir_eval's chord annotation format.
    labels : list of str
        The chord label of each interval (mir_eval syntax).

    Notebook: 06_music_information_retrieval § 2. Chroma and chords
    """
    rng = np.random.default_rng(seed)
    if chords is None:
        chords = ["C:maj", "A:min", "F:maj", "G:maj", "E:min", "A:min", "D:min", "G:maj"]
    if len(chords) == 0:
        raise ValueError("chords: give at least one chord label")
    durs = np.broadcast_to(np.asarray(seconds_per_chord, dtype=float), (len(chords),)).copy()
    if np.any(durs <= 0):
        raise ValueError(f"seconds_per_chord must be positive, got {seconds_per_chord}")
    out = []
    for label, dur in zip(chords, durs):
        seg = np.zeros(int(round(dur * sr)))
        for midi in _chord_pitches(label):
            note = _note(midi, dur, sr, rng, timbre)
            seg[: note.size] += note[: seg.size]
        out.append(seg)
    y = np.concatenate(out)
    if drums:
        d, _, _ = drum_pattern(tempo, n_beats=int(y.size / sr * tempo / 60) + 1, sr=sr, seed=seed)
        d = d[int(0.5 * sr):]  # the pattern starts with a 0.5 s lead-in
        n = min(d.size, y.size)
        y[:n] = y[:n] / np.max(np.abs(y)) + 0.5 * d[:n]
    starts = np.concatenate([[0.0], np.cumsum(durs)[:-1]])
    intervals = np.stack([starts, starts + durs], axis=1)
    return _finish(y, noise_snr_db, rng), intervals, list(chords)


# --------------------------------------------------------------------------- styles and tags
def _melody(y: np.ndarray, key: int, duration: float, period: float, sr: int, rng: np.random.Generator,
            gain: float) -> None:
    """Add a vibrato lead wandering by small steps on the major scale of ``key`` (some notes rest)."""
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    t0 = 0.0
    m = 72 + key
    while t0 < duration:
        dur = period * float(rng.choice([0.5, 1.0, 1.0, 2.0]))
        m = int(np.clip(m + rng.choice([-2, -1, 1, 2, 0, 3, -3]), 67 + key, 84 + key))
        pc = (m - key) % 12
        m = m - pc + int(scale[np.argmin(np.abs(scale - pc))])  # snap to the scale
        if rng.random() > 0.15:
            _add(y, _note(m, dur * 0.95, sr, rng, "lead"), t0, sr, gain)
        t0 += dur


def render_music(
    parts: Sequence[str],
    *,
    tempo: float = 120.0,
    meter: int = 4,
    swing: float = 0.0,
    duration: float = 5.0,
    key: int = 0,
    chord_timbre: str = "pluck",
    bass_rhythm: int = 1,
    four_on_floor: bool = False,
    sr: int = 22050,
    noise_snr_db: float | None = None,
    seed: int = 0,
    loop: bool = True,
    melody_gain: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float, str]]]:
    """Render a loop-based piece from ``parts`` (a subset of :data:`TAGS`).

    A I-vi-IV-V style progression in ``key`` (0 = C) changes chord every bar (``loop=False``:
    a random diatonic chord each bar instead of a repeating 4- or 8-bar loop); ``bass_rhythm``
    notes per beat; the melody is a vibrato lead on scale steps (its level scaled by ``melody_gain``).

    Parameters
    ----------
    parts : Sequence of str
        The instruments that play, a non-empty subset of :data:`TAGS`.
    tempo : float
        Beats per minute (20-400).
    meter : int
        Beats per bar.
    swing : float
        Delay of the off-beat hi-hat eighths as a fraction of a beat.
    duration : float
        Length in seconds.
    key : int
        Key as a pitch class (0 = C, 1 = C#, ...).
    chord_timbre : str
        ``"pluck"``, ``"pad"`` or ``"bright"``.
    bass_rhythm : int
        Bass notes per beat.
    four_on_floor : bool
        Kick on every beat instead of beats 1 and 3.
    sr : int
        Sample rate.
    noise_snr_db : float, optional
        Add white noise at this SNR in dB (``None``: clean).
    seed : int
        Seeds the progression, the mix and the notes.
    loop : bool
        Repeat a 4- or 8-bar progression; ``False`` draws a new diatonic chord each bar.
    melody_gain : float
        Level factor of the melody.

    Returns
    -------
    y : np.ndarray
        float32 audio of ``duration`` seconds.
    beats : np.ndarray
        Beat times in seconds.
    chords : list of (start, end, label)
        The chord of each bar.

    Notebook: 06_music_information_retrieval § 3. Style (genre) classification
    """
    unknown = sorted(set(parts) - set(TAGS))
    if unknown or not parts:
        raise ValueError(f"parts must be a non-empty subset of {TAGS}, got {list(parts)}")
    _check_tempo(tempo)
    rng = np.random.default_rng(seed)
    period = 60.0 / tempo
    n = int(duration * sr)
    y = np.zeros(n)
    beats = np.arange(0, duration, period)
    degrees = [(0, "maj"), (9, "min"), (5, "maj"), (7, "maj"), (4, "min"), (2, "min")]
    order = [0, 1, 2, 3] if rng.random() < 0.5 else [0, 2, 3, 0, 4, 5, 3, 0]
    kick, snare = _kick(sr), _snare(sr, rng)
    chords = []
    gains = {p: float(rng.uniform(0.6, 1.0)) for p in TAGS}
    bar = meter * period
    prev = 0
    for b_idx, start in enumerate(np.arange(0, duration, bar)):
        if loop or b_idx == 0:
            deg, q = degrees[order[b_idx % len(order)]]
        else:
            prev = (prev + int(rng.integers(1, len(degrees)))) % len(degrees)
            deg, q = degrees[prev]
        root = (key + deg) % 12
        label = f"{CHORD_ROOTS[root]}:{q}"
        chords.append((float(start), float(min(start + bar, duration)), label))
        triad = [60 + root, 60 + root + (4 if q == "maj" else 3), 60 + root + 7]
        if "chords" in parts:
            if chord_timbre == "pad":
                for m in triad:
                    _add(y, _note(m, bar, sr, rng, "pad"), start, sr, 0.35 * gains["chords"])
            else:  # stabs on beats 2.. of the bar (oom-pah-pah) or every beat
                for k in range(meter):
                    if meter == 3 and k == 0:
                        continue
                    for m in triad:
                        _add(y, _note(m, period * 0.9, sr, rng, chord_timbre), start + k * period, sr, 0.25 * gains["chords"])
        for k in range(meter):
            t0 = start + k * period
            if "bass" in parts:
                for j in range(bass_rhythm):
                    step = [0, 7, 12, 7][(k * bass_rhythm + j) % 4] if bass_rhythm > 1 else [0, 4 if q == "maj" else 3, 7, 5][k % 4]
                    _add(y, _note(36 + root + step, period / bass_rhythm * 0.95, sr, rng, "bass"),
                         t0 + j * period / bass_rhythm, sr, 0.8 * gains["bass"])
            if "kick" in parts and (four_on_floor or k == 0 or (meter == 4 and k == 2)):
                _add(y, kick, t0, sr, 1.0 * gains["kick"])
            if "snare" in parts and k % 2 == 1:
                _add(y, snare, t0, sr, 0.6 * gains["snare"])
            if "hihat" in parts:
                _add(y, _hat(sr, rng), t0, sr, 0.5 * gains["hihat"])
                _add(y, _hat(sr, rng), t0 + period * (0.5 + swing), sr, 0.35 * gains["hihat"])
    if "melody" in parts:
        _melody(y, key, duration, period, sr, rng, 0.3 * melody_gain * gains["melody"])
    return _finish(y, noise_snr_db, rng), beats, chords


def style_clip(style: str, duration: float = 5.0, sr: int = 22050, seed: int = 0,
               noise_snr_db: float | None = None) -> tuple[np.ndarray, dict]:
    """A clip of a generated ``style`` (a key of :data:`STYLES`) with random tempo, key and mix.

    Parameters
    ----------
    style : str
        A key of :data:`STYLES`.
    duration : float
        Length in seconds.
    sr : int
        Sample rate.
    seed : int
        Seeds tempo, key and mix (different per style).
    noise_snr_db : float, optional
        Add white noise at this SNR in dB (``None``: clean).

    Returns
    -------
    y : np.ndarray
        float32 audio.
    info : dict
        ``style``, ``tempo``, ``meter``, ``key`` and ``parts``.

    Notebook: 06_music_information_retrieval § 3. Style (genre) classification
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; choose from {sorted(STYLES)}")
    cfg = STYLES[style]
    rng = np.random.default_rng([seed, sorted(STYLES).index(style)])
    tempo = float(rng.uniform(*cfg["tempo"]))
    key = int(rng.integers(12))
    y, beats, _ = render_music(cfg["parts"], tempo=tempo, meter=cfg["meter"], swing=cfg["swing"], duration=duration,
                               key=key, chord_timbre=cfg["chord_timbre"], bass_rhythm=cfg["bass_rhythm"],
                               four_on_floor=cfg["four_on_floor"], sr=sr, noise_snr_db=noise_snr_db,
                               seed=int(rng.integers(2**31)))
    return y, dict(style=style, tempo=tempo, meter=cfg["meter"], key=key, parts=tuple(cfg["parts"]))


def tagged_clip(tags: Sequence[str] | None = None, duration: float = 3.0, sr: int = 22050, seed: int = 0,
                noise_snr_db: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A clip in which exactly the instruments ``tags`` play (random non-empty subset if None).

    Parameters
    ----------
    tags : Sequence of str, optional
        Instruments from :data:`TAGS` (``None``: a random non-empty subset).
    duration : float
        Length in seconds.
    sr : int
        Sample rate.
    seed : int
        Seeds the subset, tempo, meter, key, timbre and mix.
    noise_snr_db : float, optional
        Add white noise at this SNR in dB (``None``: clean).

    Returns
    -------
    y : np.ndarray
        float32 audio.
    target : np.ndarray
        float32 0/1 vector over :data:`TAGS` (multi-label ground truth).

    Notebook: 06_music_information_retrieval § 4. Music tagging and the Audio Spectrogram Transformer's patch embedding
    """
    rng = np.random.default_rng(seed)
    if tags is None:
        while True:
            mask = rng.random(len(TAGS)) < 0.5
            if mask.any():
                break
        tags = [t for t, m in zip(TAGS, mask) if m]
    y, _, _ = render_music(tags, tempo=float(rng.uniform(80, 150)), meter=int(rng.choice([3, 4])),
                           swing=float(rng.choice([0.0, 0.0, 0.25])), duration=duration, key=int(rng.integers(12)),
                           chord_timbre=str(rng.choice(["pluck", "pad", "bright"])), bass_rhythm=int(rng.choice([1, 2])),
                           sr=sr, noise_snr_db=noise_snr_db, seed=int(rng.integers(2**31)))
    return y, np.array([t in tags for t in TAGS], dtype=np.float32)


def generated_song(index: int, duration: float = 30.0, sr: int = 22050) -> tuple[np.ndarray, dict]:
    """A distinct generated "track" (style, tempo and key vary with ``index``).

    The offline stand-in for real recordings (fingerprinting, beat tracking, chords). Songs cycle
    through the styles with drums or plucked notes (not "ambient": long sustained pads give
    spectral peaks without a sharp time position), with a non-repeating chord sequence and a
    prominent melody, so that every 5-s excerpt is unique.

    Parameters
    ----------
    index : int
        Song number; it determines style, tempo, key and notes.
    duration : float
        Length in seconds.
    sr : int
        Sample rate.

    Returns
    -------
    y : np.ndarray
        float32 audio.
    info : dict
        ``title``, ``style``, ``tempo``, ``key``, ``beats`` (seconds) and ``chords``
        (``(start, end, label)`` per bar).

    Notebook: 06_music_information_retrieval § Real recordings, with clicks to listen to
    """
    styles = [s for s in sorted(STYLES) if s != "ambient"]
    style = styles[index % len(styles)]
    rng = np.random.default_rng(1000 + index)
    cfg = STYLES[style]
    parts = tuple(sorted(set(cfg["parts"]) | {"melody"}))
    tempo = float(rng.uniform(*cfg["tempo"]))
    key = int(rng.integers(12))
    y, beats, chords = render_music(parts, tempo=tempo, meter=cfg["meter"], swing=cfg["swing"], duration=duration,
                                    key=key, chord_timbre=cfg["chord_timbre"], bass_rhythm=cfg["bass_rhythm"],
                                    four_on_floor=cfg["four_on_floor"], sr=sr, seed=int(rng.integers(2**31)),
                                    loop=False, melody_gain=2.0)
    return y, dict(title=f"generated {style} #{index} ({tempo:.0f} BPM)", style=style, tempo=tempo, key=key,
                   beats=beats, chords=chords)
