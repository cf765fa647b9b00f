"""The seed chapter's emotion feature vector, computed exactly as its code is written.

The seed's text says its ``extract_emotion_features`` returns 194 dimensions; counted, it returns 338
(and the course once printed 193 for a version with 40 MFCCs and means only, which is not the seed's
code either). Chapter 4 shows the count block by block.

Notebook: 04_emotion_recognition § 2.2 Spectral and voice-quality features
"""
from __future__ import annotations

import warnings

import librosa
import numpy as np

from .features import _check

__all__ = ["SEED_FEATURE_BLOCKS", "SEED_FEATURE_NAMES", "SEED_SR", "seed_features"]

#: The seed chapter's ``extract_emotion_features`` as written: (block, size) in order; each block's
#: mean over frames and then its standard deviation. Counted, this is 338 values, not the 194 its text says.
SEED_FEATURE_BLOCKS = (("mfcc", 13), ("chroma", 12), ("mel", 128), ("contrast", 7), ("tonnetz", 6),
                       ("zcr", 1), ("rms", 1), ("pitch", 1))
SEED_FEATURE_NAMES = [f"{block}{i}_{stat}" for block, size in SEED_FEATURE_BLOCKS
                      for stat in ("mean", "std") for i in range(size)]
#: The rate the seed loads every file at (``librosa.load(path, sr=22050)``).
SEED_SR = 22050

def seed_features(y: np.ndarray, sr: int) -> np.ndarray:
    """The seed chapter's ``extract_emotion_features``, computed as written: 338 values, not 194.

    The seed loads the file at 22,050 Hz and appends, for each block, its mean over frames and then
    its standard deviation: 13 MFCCs, 12 chroma bins, 128 mel bands, 7 spectral-contrast bands,
    6 tonnetz dimensions, the zero-crossing rate, the RMS energy, and the ``piptrack`` pitch of the
    strongest bin of each frame (frames with a positive pitch; 0 and 0 when there is none). All with
    librosa's defaults (:data:`SEED_FEATURE_BLOCKS`, :data:`SEED_FEATURE_NAMES`).

    Parameters
    ----------
    y : np.ndarray
        Mono speech, at least 0.3 s.
    sr : int
        Its sample rate (resampled to 22,050 Hz as the seed's ``librosa.load`` does).

    Returns
    -------
    np.ndarray
        float32, ``len(SEED_FEATURE_NAMES)`` values.

    Notebook: 04_emotion_recognition § 2.2 Spectral and voice-quality features
    """
    y = _check(y, sr)
    if sr != SEED_SR:
        y = librosa.resample(y, orig_sr=sr, target_sr=SEED_SR, res_type="soxr_hq")
    sr = SEED_SR
    with warnings.catch_warnings():
        # tonnetz's CQT decimates the signal octave by octave; on a clip under about a second (the offline
        # stand-in) its lowest octaves are shorter than their window and librosa warns. The values are still
        # what the seed's code computes, which is the point here.
        warnings.filterwarnings("ignore", message=r"n_fft=\d+ is too large", category=UserWarning)
        blocks = [librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13), librosa.feature.chroma_stft(y=y, sr=sr),
                  librosa.feature.melspectrogram(y=y, sr=sr), librosa.feature.spectral_contrast(y=y, sr=sr),
                  librosa.feature.tonnetz(y=y, sr=sr), librosa.feature.zero_crossing_rate(y), librosa.feature.rms(y=y)]
    out = [v for b in blocks for v in (*np.mean(b, axis=1), *np.std(b, axis=1))]
    pitches, magnitudes = librosa.piptrack(y=y, sr=sr)
    strongest = pitches[magnitudes.argmax(axis=0), np.arange(pitches.shape[1])]
    voiced = strongest[strongest > 0]
    out += [float(np.mean(voiced)), float(np.std(voiced))] if voiced.size else [0.0, 0.0]
    return np.asarray(out, dtype=np.float32)
