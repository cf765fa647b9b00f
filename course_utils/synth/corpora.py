"""Synthetic stand-ins for LibriSpeech (readers with a sex label) and Speech Commands (spoken words).

Both are spoken by the voices of :mod:`course_utils.synth.speech`, laid out and named like the real
corpora, so that :func:`course_utils.datasets.load_librispeech` and
:func:`course_utils.datasets.load_speech_commands` read them unchanged. Deterministic from a seed.

Not yet taught: chapter work of issues #17 (LibriSpeech) and #20 (Speech Commands) will use them.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import soundfile as sf

from ..cache import atomic_path, atomic_write_text
from ..progress import progress_bar
from .speech import _DIGIT_UNITS, _STATEMENT_UNITS, make_speaker, synthesize_utterance

__all__ = ["WORD_UNITS", "write_librispeech_like", "write_speech_commands_like"]

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: The 30 Speech Commands words as unit strings (rough phonetic sketches, like the FSDD digits).
WORD_UNITS = {
    "yes": "ies", "no": "nou", "up": "@_", "down": "_aun", "left": "e_f_", "right": "ai_", "on": "on",
    "off": "of", "stop": "s_o_", "go": "_ou", "bed": "_e_", "bird": "_@_", "cat": "_a_", "dog": "_o_",
    "happy": "a_i", "house": "aus", "marvin": "ma_in", "sheila": "si_a", "tree": "_i", "wow": "uau",
    **{w: _DIGIT_UNITS[d] for d, w in enumerate(_DIGIT_WORDS)},
}


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "little")


def _write(path: Path, y: np.ndarray, sr: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), y, sr, subtype="PCM_16")


def write_librispeech_like(root: str | Path, n_readers: int = 20, sentences: int = 6, sr: int = 16000,
                           seed: int = 0) -> Path:
    """Write synthetic readers laid out like the LibriSpeech sample, with ``SPEAKERS.TXT``.

    ``root/train-clean-100/R-C-0000.flac``: one utterance of ``sentences`` sentence sketches per
    reader R (ids 90001..., half female), chapter C; ``root/train-clean-100/SPEAKERS.TXT`` gives
    each reader's sex in LibriSpeech's format.

    Parameters
    ----------
    root : str or Path
        Target folder (created).
    n_readers : int
        Number of readers (the first half female, the rest male).
    sentences : int
        Sentence sketches per utterance (about 1.5 s each).
    sr : int
        Sample rate of the 16-bit FLAC files.
    seed : int
        Selects the voices and what they read.

    Returns
    -------
    Path
        ``root``.

    Notebook: 10_keyword_spotting_and_asr § Segmentation: music vs speech, female vs male
    """
    folder = Path(root) / "train-clean-100"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [";ID  |SEX| SUBSET           |MINUTES| NAME"]
    for i in progress_bar(range(n_readers), desc="synthesizing readers"):
        reader, female = 90001 + i, i < n_readers // 2
        spk = make_speaker(301 + i, gender="female" if female else "male", seed=seed)
        rng = np.random.default_rng(_seed("reader", seed, reader))
        units = "_".join(_STATEMENT_UNITS[1 + int(rng.integers(2))] for _ in range(sentences))
        y = synthesize_utterance(units, spk, sr=sr, seed=_seed("utterance", seed, reader))
        _write(folder / f"{reader}-{1000 + i}-0000.flac", y, sr)
        lines.append(f"{reader:<5}| {'F' if female else 'M'} | train-clean-100  | {y.size / sr / 60:5.2f} | synthetic {i}")
    atomic_write_text(folder / "SPEAKERS.TXT", "\n".join(lines) + "\n")
    return Path(root)


def write_speech_commands_like(root: str | Path, clips_per_word: int = 10, n_speakers: int = 12,
                               sr: int = 16000, seed: int = 0) -> Path:
    """Write synthetic one-second words laid out like Speech Commands, with the two split lists.

    ``root/<word>/<speaker>_nohash_<n>.wav`` for the 30 words of :data:`WORD_UNITS`, spoken in turn
    by ``n_speakers`` voices (8-hex-digit ids); ``validation_list.txt`` holds the clips of the first
    two speakers and ``testing_list.txt`` those of the next two, so the splits share no speaker.

    Parameters
    ----------
    root : str or Path
        Target folder (created).
    clips_per_word : int
        Clips per word.
    n_speakers : int
        Number of voices.
    sr : int
        Sample rate of the 16-bit WAV files (every clip is exactly one second).
    seed : int
        Selects the voices and the take-to-take variation.

    Returns
    -------
    Path
        ``root``.

    Notebook: 10_keyword_spotting_and_asr § Explore the data
    """
    root = Path(root)
    ids = [hashlib.sha256(f"speaker|{seed}|{k}".encode()).hexdigest()[:8] for k in range(n_speakers)]
    voices = [make_speaker(401 + k, seed=seed) for k in range(n_speakers)]
    lists: dict[str, list[str]] = {"validation": [], "testing": []}
    for w, (word, units) in enumerate(progress_bar(sorted(WORD_UNITS.items()), desc="synthesizing words")):
        for c in range(clips_per_word):
            k = (w + c) % n_speakers
            rel = f"{word}/{ids[k]}_nohash_{c // n_speakers}.wav"
            y = synthesize_utterance(units, voices[k], sr=sr, seed=_seed("word", seed, rel), pad=0.0)[:sr]
            start = (sr - y.size) // 2
            _write(root / rel, np.pad(y, (start, sr - y.size - start)), sr)
            if k < 4:
                lists["validation" if k < 2 else "testing"].append(rel)
    for split, rels in lists.items():
        atomic_write_text(root / f"{split}_list.txt", "".join(f"{r}\n" for r in sorted(rels)))
    return root
