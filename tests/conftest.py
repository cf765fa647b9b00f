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
