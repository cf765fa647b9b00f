"""Test conversations with known turns, composed from single-speaker utterances.

Taught in ``notebooks/08_speaker_diarization.ipynb`` (section 1).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import librosa
import numpy as np

from ..audio import check_audio, load_audio, normalize_rms

__all__ = ["make_conversation", "conversation_from_table"]


def make_conversation(
    utterances: Sequence[np.ndarray],
    speakers: Sequence[Any],
    sr: int,
    *,
    overlap_prob: float = 0.2,
    overlap_s: tuple[float, float] = (0.2, 0.6),
    gap_s: tuple[float, float] = (0.1, 0.5),
    top_db: float = 30.0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, list[tuple[float, float, Any]]]:
    """Concatenate single-speaker utterances into a conversation with known turns.

    Each utterance is trimmed of leading/trailing silence (``librosa.effects.trim``) and set to
    -20 dB RMS. Between consecutive utterances there is a pause drawn from ``gap_s``; when the
    speaker changes, with probability ``overlap_prob`` the next one starts early instead
    (an overlap drawn from ``overlap_s``, at most half the shorter utterance).

    Parameters
    ----------
    utterances : sequence of np.ndarray
        Mono single-speaker signals, in speaking order.
    speakers : sequence
        One speaker label per utterance.
    sr : int
        Sample rate of the utterances and of the result.
    overlap_prob : float
        Probability that a speaker change starts early (overlapping speech).
    overlap_s, gap_s : tuple of float
        Ranges (seconds) of the overlaps and of the pauses.
    top_db : float
        Trimming threshold of ``librosa.effects.trim``.
    rng : np.random.Generator, optional
        Random generator (default: seeded with 0).

    Returns
    -------
    (y, reference)
        The mixture (float32) and the reference segments ``(start, end, speaker)`` in seconds.

    Notebook: 08_speaker_diarization § Conversations with known turns
    """
    if len(utterances) != len(speakers) or not utterances:
        raise ValueError(f"need one speaker label per utterance, got {len(utterances)} utterances and {len(speakers)} labels")
    rng = rng or np.random.default_rng(0)
    clips = []
    for i, u in enumerate(utterances):
        u = check_audio(u, sr, name=f"utterances[{i}]", min_duration=0.1)
        u, _ = librosa.effects.trim(u, top_db=top_db)
        clips.append(normalize_rms(u, -20.0))
    starts = _turn_starts([c.size / sr for c in clips], speakers, rng, overlap_prob, overlap_s, gap_s)
    total = int(np.ceil((starts[-1] + clips[-1].size / sr) * sr)) + 1
    y = np.zeros(total, np.float32)
    ref = []
    for s, c, spk in zip(starts, clips, speakers):
        i0 = int(round(s * sr))
        y[i0:i0 + c.size] += c
        ref.append((i0 / sr, (i0 + c.size) / sr, spk))
    return y, ref


def _turn_starts(durations, speakers, rng, overlap_prob, overlap_s, gap_s) -> list[float]:
    starts = [0.0]
    for i in range(1, len(durations)):
        prev_end = starts[-1] + durations[i - 1]
        if speakers[i] != speakers[i - 1] and rng.random() < overlap_prob:
            ov = min(rng.uniform(*overlap_s), 0.5 * min(durations[i], durations[i - 1]))
            starts.append(max(starts[-1], prev_end - ov))
        else:
            starts.append(prev_end + rng.uniform(*gap_s))
    return starts


def conversation_from_table(
    df,
    actors: Sequence[Any],
    *,
    n_speakers: int = 3,
    n_turns: int = 10,
    max_utts_per_turn: int = 2,
    sr: int = 16000,
    rng: np.random.Generator | None = None,
    **kwargs,
) -> tuple[np.ndarray, list[tuple[float, float, Any]]]:
    """A conversation among ``n_speakers`` drawn from ``actors`` of a RAVDESS-like table.

    Turns alternate between different speakers (chosen at random); each turn is 1 to
    ``max_utts_per_turn`` utterances of that speaker. Labels are the table's ``speaker`` column.
    Extra keyword arguments go to :func:`make_conversation`.

    Parameters
    ----------
    df : pandas.DataFrame
        Files with columns ``path``, ``actor`` and ``speaker``.
    actors : sequence
        Actors to draw the speakers from.
    n_speakers : int
        Number of distinct speakers.
    n_turns : int
        Number of turns.
    max_utts_per_turn : int
        Most utterances in one turn.
    sr : int
        Sample rate the files are loaded at.
    rng : np.random.Generator, optional
        Random generator (default: seeded with 0).

    Returns
    -------
    (y, reference)
        As :func:`make_conversation`.

    Notebook: 08_speaker_diarization § Conversations with known turns
    """
    rng = rng or np.random.default_rng(0)
    pool = sorted(set(actors) & set(df["actor"]))
    if len(pool) < n_speakers:
        raise ValueError(f"need {n_speakers} actors, only {len(pool)} of {list(actors)} are in the table")
    chosen = list(rng.choice(pool, n_speakers, replace=False))
    utts, labels, prev = [], [], None
    for _ in range(n_turns):
        a = rng.choice([x for x in chosen if x != prev])
        prev = a
        rows = df[df["actor"] == a]
        k = int(rng.integers(1, max_utts_per_turn + 1))
        for path, spk in rows.sample(k, random_state=int(rng.integers(2**31)))[["path", "speaker"]].itertuples(index=False):
            utts.append(load_audio(path, sr=sr))
            labels.append(spk)
    return make_conversation(utts, labels, sr, rng=rng, **kwargs)
