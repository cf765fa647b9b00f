"""The recordings of chapter 0 ("Audio foundations"), with the offline fallback kept out of the notebook.

``notebooks/00_audio_foundations.ipynb`` derives sampling, the STFT, the mel filterbank, the MFCC,
LPC and pitch from scratch on three real recordings: a RAVDESS sentence, the shortest FSDD digit and
one of librosa's music examples. :func:`load_foundation_clips` finds them; without the data (offline,
``COURSE_OFFLINE=1``) it takes the course's synthetic speech and digits and generated music instead,
says so in a banner, and sets ``df.attrs["synthetic"]``. The from-scratch algorithms themselves live
in the notebook (the point of the chapter); the library versions they are checked against are
librosa's, scipy's and :mod:`course_utils.features`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import soundfile as sf

from .audio import load_audio
from .corruptions import synthetic_music
from .datasets import DatasetError, librosa_example, load_fsdd, load_ravdess

__all__ = ["FOUNDATION_MUSIC_KEY", "load_foundation_clips"]

#: The librosa example of chapter 0: a solo trumpet, rich in harmonics up to 10 kHz (aliasing is easy to hear).
FOUNDATION_MUSIC_KEY = "trumpet"


def _music(sr: int, seconds: float) -> tuple[np.ndarray, str, bool]:
    try:
        path = librosa_example(FOUNDATION_MUSIC_KEY)
    except DatasetError:
        print("\u26a0 OFFLINE FALLBACK: librosa's trumpet example is not available; the music clip is "
              "GENERATED (course_utils.corruptions.synthetic_music), not a recording.")
        return synthetic_music(seconds, sr, seed=0), "generated music (offline stand-in)", True
    y = load_audio(path, sr=sr)[: int(seconds * sr)]
    return y, f"librosa example {FOUNDATION_MUSIC_KEY!r} ({path.name})", False


def load_foundation_clips(*, actor: int = 1, speech_sr: int = 16000, digit_sr: int = 8000,
                          music_sr: int = 22050, music_seconds: float = 5.0) -> pd.DataFrame:
    """The three recordings of chapter 0 as a table ``role, title, path, sr, seconds, y``.

    Rows, by ``role``: ``"sentence"`` (RAVDESS actor ``actor`` saying "Kids are talking by the door",
    neutral, first take), ``"digit"`` (the shortest FSDD recording: fewer samples than a default
    2048-point FFT) and ``"music"`` (librosa's :data:`FOUNDATION_MUSIC_KEY` example). Offline, the
    course's synthetic corpora and generated music stand in; ``df.attrs["synthetic"]`` is then True
    and a banner says so (:func:`course_utils.datasets.show_banner` for the speech corpora).

    Parameters
    ----------
    actor : int
        RAVDESS actor (1-24) of the sentence.
    speech_sr, digit_sr, music_sr : int
        Sample rates the sentence, the digit and the music are loaded at.
    music_seconds : float
        Length kept of the music clip.

    Returns
    -------
    pd.DataFrame
        One row per recording, indexed by ``role``; ``y`` holds float32 mono audio.

    Notebook: 00_audio_foundations § Three recordings
    """
    ravdess = load_ravdess(allow_synthetic=True)
    fsdd = load_fsdd(allow_synthetic=True)
    take = ravdess.query("statement == 1 and emotion == 'neutral' and repetition == 1")
    row = take[take.actor == actor] if (take.actor == actor).any() else take.iloc[:1]
    sentence = row.path.iloc[0]
    infos = [sf.info(p) for p in fsdd.path]
    shortest = int(np.argmin([i.frames / i.samplerate for i in infos]))
    digit = fsdd.path.iloc[shortest]
    music, music_title, music_synthetic = _music(music_sr, music_seconds)
    rows = [
        dict(role="sentence", title=f"RAVDESS {row.speaker.iloc[0]}: 'Kids are talking by the door'",
             path=sentence, sr=speech_sr, y=load_audio(sentence, sr=speech_sr)),
        dict(role="digit", title=f"FSDD digit {fsdd.digit.iloc[shortest]} (shortest clip)",
             path=digit, sr=digit_sr, y=load_audio(digit, sr=digit_sr)),
        dict(role="music", title=music_title, path="", sr=music_sr, y=music),
    ]
    df = pd.DataFrame(rows).set_index("role")
    df["seconds"] = [r.y.size / r.sr for r in df.itertuples()]
    df.attrs.update(synthetic=bool(ravdess.attrs["synthetic"] or fsdd.attrs["synthetic"] or music_synthetic),
                    speech_synthetic=bool(ravdess.attrs["synthetic"]), music_synthetic=music_synthetic)
    return df[["title", "path", "sr", "seconds", "y"]]

