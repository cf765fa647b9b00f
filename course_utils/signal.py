"""The recordings of chapter 0 ("Audio foundations"), with the offline fallback kept out of the notebook.

``notebooks/00_audio_foundations.ipynb`` derives sampling, the STFT, the mel filterbank, the MFCC,
LPC and pitch from scratch on three real recordings: a RAVDESS sentence, the shortest FSDD digit and
one of librosa's music examples. :func:`load_foundation_clips` finds them; without the data (offline,
``COURSE_OFFLINE=1``) it synthesises one sentence and one short digit with :mod:`course_utils.synth`
(three clips, not a whole stand-in corpus: seconds instead of a minute) and takes generated music,
says so in a banner, and sets ``df.attrs["synthetic"]``. The from-scratch algorithms themselves live
in the notebook (the point of the chapter); the library versions they are checked against are
librosa's, scipy's and :mod:`course_utils.features`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from .audio import load_audio
from .corruptions import synthetic_music
from .datasets import DataSource, DatasetError, librosa_example, load_fsdd, load_ravdess, show_banner
from .synth.speech import make_speaker, synthesize_utterance

__all__ = ["FOUNDATION_MUSIC_KEY", "load_foundation_clips"]

#: The librosa example of chapter 0: a solo trumpet, rich in harmonics up to 10 kHz (aliasing is easy to hear).
FOUNDATION_MUSIC_KEY = "trumpet"


#: Units of the synthetic stand-ins (see :func:`course_utils.synth.speech.synthesize_utterance`).
_SENTENCE_UNITS, _DIGIT_UNITS = "i_sa_o_i_@a_i@_@o", "si"


def _sentence(actor: int, sr: int) -> tuple[np.ndarray, str, str, bool]:
    try:
        ravdess = load_ravdess()
    except DatasetError:
        show_banner(DataSource("ravdess", Path(), True, "synthetic"))
        y = synthesize_utterance(_SENTENCE_UNITS, make_speaker(actor), sr=sr, seed=actor)
        return y.astype(np.float32), "", f"synthetic speaker {actor} (offline stand-in for RAVDESS)", True
    take = ravdess.query("statement == 1 and emotion == 'neutral' and repetition == 1")
    row = take[take.actor == actor] if (take.actor == actor).any() else take.iloc[:1]
    path = row.path.iloc[0]
    return load_audio(path, sr=sr), path, f"RAVDESS {row.speaker.iloc[0]}: 'Kids are talking by the door'", False


def _digit(sr: int) -> tuple[np.ndarray, str, str, bool]:
    try:
        fsdd = load_fsdd()
    except DatasetError:
        show_banner(DataSource("fsdd", Path(), True, "synthetic"))
        y = synthesize_utterance(_DIGIT_UNITS, make_speaker(101), sr=sr, seed=0, pad=0.0)
        return y.astype(np.float32), "", "synthetic digit (offline stand-in for FSDD)", True
    infos = [sf.info(p) for p in fsdd.path]
    shortest = int(np.argmin([i.frames / i.samplerate for i in infos]))
    path = fsdd.path.iloc[shortest]
    return load_audio(path, sr=sr), path, f"FSDD digit {fsdd.digit.iloc[shortest]} (shortest clip)", False


def _music(sr: int, seconds: float) -> tuple[np.ndarray, str, str, bool]:
    try:
        path = librosa_example(FOUNDATION_MUSIC_KEY)
    except DatasetError:
        print("\u26a0 OFFLINE FALLBACK: librosa's trumpet example is not available; the music clip is "
              "GENERATED (course_utils.corruptions.synthetic_music), not a recording.")
        return synthetic_music(seconds, sr, seed=0), "", "generated music (offline stand-in)", True
    y = load_audio(path, sr=sr)[: int(seconds * sr)]
    return y, str(path), f"librosa example {FOUNDATION_MUSIC_KEY!r} ({path.name})", False


def load_foundation_clips(*, actor: int = 1, speech_sr: int = 16000, digit_sr: int = 8000,
                          music_sr: int = 22050, music_seconds: float = 5.0) -> pd.DataFrame:
    """The three recordings of chapter 0 as a table ``role, title, path, sr, seconds, y``.

    Rows, by ``role``: ``"sentence"`` (RAVDESS actor ``actor`` saying "Kids are talking by the door",
    neutral, first take), ``"digit"`` (the shortest FSDD recording: fewer samples than a default
    2048-point FFT) and ``"music"`` (librosa's :data:`FOUNDATION_MUSIC_KEY` example). Offline, a
    synthesised sentence and digit (:mod:`course_utils.synth`) and generated music stand in;
    ``df.attrs["synthetic"]`` is then True and a banner says so.

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
    parts = {"sentence": (*_sentence(actor, speech_sr), speech_sr), "digit": (*_digit(digit_sr), digit_sr),
             "music": (*_music(music_sr, music_seconds), music_sr)}
    df = pd.DataFrame([dict(role=role, title=title, path=path, sr=sr, seconds=y.size / sr, y=y)
                       for role, (y, path, title, _, sr) in parts.items()]).set_index("role")
    flags = {role: part[3] for role, part in parts.items()}
    df.attrs.update(synthetic=any(flags.values()), **{f"{role}_synthetic": flag for role, flag in flags.items()})
    return df
