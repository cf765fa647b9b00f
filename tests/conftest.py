"""Shared fixtures: audio files written at test time (no audio is committed)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


@pytest.fixture
def tone():
    """A 1 s, 220 Hz tone at 16 kHz with a little noise: ``(y, sr)``."""
    sr = 16000
    t = np.arange(sr) / sr
    rng = np.random.default_rng(0)
    y = 0.5 * np.sin(2 * np.pi * 220 * t) + 0.01 * rng.normal(size=sr)
    return y.astype(np.float32), sr


@pytest.fixture
def write_wav(tmp_path: Path):
    """``write_wav(name, y, sr, subtype="PCM_16")`` writes into a temporary folder, returns the path."""

    def _write(name: str, y: np.ndarray, sr: int, subtype: str | None = "PCM_16") -> Path:
        path = tmp_path / name
        sf.write(str(path), y, sr, subtype=subtype)
        return path

    return _write


@pytest.fixture
def speaker_table(write_wav):
    """``speaker_table(n_speakers, n_utts)``: a table (``path``, ``speaker``) of short synthetic
    utterances at 16 kHz, ``n_utts`` per speaker, written by :func:`write_wav`."""
    import pandas as pd

    from course_utils.synth import make_speaker, synthesize_utterance

    def _table(n_speakers: int, n_utts: int) -> "pd.DataFrame":
        rows = []
        for s in range(n_speakers):
            spk = make_speaker(s, seed=1)
            for k in range(n_utts):
                y = synthesize_utterance("mamasi_nofe"[: 6 + k], spk, seed=k, sr=16000)
                rows.append(dict(path=str(write_wav(f"s{s}_{k}.wav", y, 16000)), speaker=f"spk{s}"))
        return pd.DataFrame(rows)

    return _table
