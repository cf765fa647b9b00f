"""The seed chapter's genre features as its code is written, to count them.

The seed's ``extract_music_features`` keeps the mean and standard deviation of 20 MFCCs and 12 chroma
bins, of the spectral centroid, the roll-off and the zero-crossing rate, then the tempo and the
harmonic share of the energy: 72 values. Its genre demo then trains on random vectors of 51 values,
so the model it shows could not even take its own features. Chapter 6 counts them.

Notebook: 06_music_information_retrieval § 3. Style (genre) classification
"""
from __future__ import annotations

import librosa
import numpy as np

from ..audio import check_audio

__all__ = ["SEED_DEMO_DIMENSIONS", "seed_music_features"]

#: The feature size the seed's genre demo builds its model for.
SEED_DEMO_DIMENSIONS = 51


def seed_music_features(y: np.ndarray, sr: int) -> np.ndarray:
    """The seed chapter's ``extract_music_features``, computed as written (librosa's defaults).

    Parameters
    ----------
    y : np.ndarray
        Mono music, at least 0.5 s.
    sr : int
        Its sample rate.

    Returns
    -------
    np.ndarray
        float64: MFCC (20) and chroma (12) means then standard deviations, the mean and standard
        deviation of the spectral centroid, roll-off and zero-crossing rate, the tempo (BPM) and the
        harmonic share of the energy.

    Notebook: 06_music_information_retrieval § 3. Style (genre) classification
    """
    y = check_audio(y, sr, name="y", min_duration=0.5)
    out: list[float] = []
    for block in (librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20), librosa.feature.chroma_stft(y=y, sr=sr)):
        out += [*np.mean(block, axis=1), *np.std(block, axis=1)]
    for track in (librosa.feature.spectral_centroid(y=y, sr=sr)[0], librosa.feature.spectral_rolloff(y=y, sr=sr)[0],
                  librosa.feature.zero_crossing_rate(y)[0]):
        out += [float(np.mean(track)), float(np.std(track))]
    tempo, _ = librosa.beat.beat_track(y=y, sr=sr)
    harmonic, _ = librosa.effects.hpss(y)
    out += [float(np.atleast_1d(tempo)[0]), float(np.sum(harmonic**2) / (np.sum(y**2) + 1e-6))]
    return np.asarray(out, dtype=np.float64)
