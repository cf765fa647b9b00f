"""The recordings of chapter 6 (librosa's examples, or generated music offline) and its cache.

Taught in ``notebooks/06_music_information_retrieval.ipynb``.
"""
from __future__ import annotations

import hashlib

import librosa
import numpy as np
import pandas as pd
import soundfile as sf

from ..audio import load_audio
from ..cache import cached_arrays, entry_path, key_of, source_digest
from ..datasets import DatasetError, librosa_example
from ..synth import music
from . import beat, chords, fingerprint, separation, tagging
from .fingerprint import FingerprintIndex

__all__ = ["MUSIC_KEYS", "load_tracks", "cached", "fingerprint_index"]

#: librosa examples used in chapter 6 (all music).
MUSIC_KEYS = ("choice", "nutcracker", "vibeace", "brahms", "sweetwaltz", "pistachio")


def _banner(message: str) -> None:
    try:
        from IPython.display import HTML, display

        display(HTML(f'<div style="background:#fff3cd;border:2px solid #d39e00;padding:8px;margin:4px 0">'
                     f"<b>&#9888; {message}</b></div>"))
    except ImportError:  # pragma: no cover
        pass
    print("\u26a0 " + message)


def load_tracks(keys: tuple[str, ...] | list[str] = MUSIC_KEYS, *, sr: int = 22050, seconds: float = 45.0,
                allow_synthetic: bool = True, banner: bool = True) -> pd.DataFrame:
    """The chapter's recordings as a table ``key, title, y, sr, seconds, path, truth``: the first
    ``seconds`` of each of librosa's examples, mono at ``sr``. ``truth`` is None for a real
    recording and, for a generated song, its known tempo, beats and chords
    (:func:`course_utils.synth.music.generated_song`'s ``info``).

    When none of them is available (offline, ``COURSE_OFFLINE=1``) and ``allow_synthetic`` is
    true, ``len(keys)`` generated songs (:func:`course_utils.synth.music.generated_song`) take
    their place, ``df.attrs["synthetic"]`` is True and a banner says so. Examples that are
    missing while others exist are listed in ``df.attrs["missing"]``.

    Parameters
    ----------
    keys : sequence of str
        librosa example names.
    sr : int
        Its sample rate.
    seconds : float
        Length kept from the start of each track.
    allow_synthetic : bool
        Use generated songs when no example is available.
    banner : bool
        Show a banner when falling back.

    Notebook: 06_music_information_retrieval § Setup
    """
    if seconds <= 5:
        raise ValueError(f"seconds must be more than 5 (queries are 5 s long), got {seconds}")
    rows, missing = [], []
    for key in keys:
        try:
            path = librosa_example(key)
        except DatasetError:
            missing.append(key)
            continue
        info = sf.info(str(path))
        y = load_audio(path, sr=None)
        y = y[: int(seconds * info.samplerate)]
        if info.samplerate != sr:
            y = librosa.resample(y, orig_sr=info.samplerate, target_sr=sr, res_type="soxr_hq")
        rows.append(dict(key=key, title=path.stem.replace("_", " "), y=y.astype(np.float32), sr=sr,
                         seconds=y.size / sr, path=str(path), truth=None))
    synthetic = False
    if not rows:
        if not allow_synthetic:
            raise DatasetError(f"none of librosa's examples {list(keys)} is available (offline?)")
        synthetic = True
        for i, key in enumerate(keys):
            y, info = music.generated_song(i, duration=seconds, sr=sr)
            rows.append(dict(key=f"gen{i}", title=info["title"], y=y, sr=sr, seconds=y.size / sr, path="",
                             truth=info))
        if banner:
            _banner("OFFLINE FALLBACK: librosa's example recordings are not available, so this chapter uses "
                    "GENERATED music (course_utils.synth.music) in their place. Numbers below describe the "
                    "generated songs, not real recordings.")
    df = pd.DataFrame(rows)
    df.attrs.update(dataset="librosa", synthetic=synthetic, missing=missing)
    return df


def cached(name: str, compute, **key) -> dict[str, np.ndarray]:
    """Run ``compute()`` once and keep its arrays as an NPZ entry in ``cache_dir("mir")``.

    The content key covers ``key`` and the source of the chapter's modules (the music generators,
    beat, chords, fingerprint, separation, tagging), so editing the generators or features recomputes.

    Parameters
    ----------
    name : str
        Readable part of the entry's name.
    compute : callable
        Returns a dict of arrays.
    **key
        JSON-able values the result depends on (sizes, seeds, the tracks' content...).

    Returns
    -------
    dict of str to np.ndarray
        The arrays, computed now or loaded.

    Notebook: 06_music_information_retrieval § A generated ground-truth set: tempo, meter, swing, noise
    """
    digest = key_of(source_digest(music, beat, chords, fingerprint, separation, tagging), key, length=16)
    return cached_arrays(entry_path("mir", name, digest), compute)


def fingerprint_index(tracks: pd.DataFrame, sr: int, *, fan_out: int = 10, dt_max: int = 63,
                      density: float = 30.0) -> FingerprintIndex:
    """A :class:`~course_utils.mir.fingerprint.FingerprintIndex` of every track, built once and cached.

    The cache key is the tracks' content (names and a SHA-256 of each signal's samples), the rate and
    the fingerprint settings, so other recordings, the generated stand-ins or other settings get
    their own index.

    Parameters
    ----------
    tracks : pandas.DataFrame
        Columns ``key`` (track name) and ``y`` (mono signal), as from :func:`load_tracks`.
    sr : int
        Sample rate of the signals.
    fan_out, dt_max : int
        Target-zone size and reach (frames), as in :func:`course_utils.mir.fingerprint.hash_peaks`.
    density : float
        Peaks per second, as in :func:`course_utils.mir.fingerprint.constellation`.

    Returns
    -------
    FingerprintIndex
        Ready to ``identify`` queries.

    Notebook: 06_music_information_retrieval § 5. Audio fingerprinting the Shazam way
    """
    def build() -> dict[str, np.ndarray]:
        index = FingerprintIndex(fan_out=fan_out, dt_max=dt_max, density=density)
        for name, y in zip(tracks["key"], tracks["y"]):
            index.add(name, y, sr)
        return dict(zip(("hashes", "tracks", "times"), index._arrays()))

    audio = [hashlib.sha256(np.ascontiguousarray(y, dtype=np.float32).tobytes()).hexdigest() for y in tracks["y"]]
    arrays = cached("fingerprint_index", build, tracks=list(map(str, tracks["key"])), audio=audio, sr=sr,
                    fan_out=fan_out, dt_max=dt_max, density=density)
    index = FingerprintIndex(fan_out=fan_out, dt_max=dt_max, density=density)
    index.names = list(map(str, tracks["key"]))
    index._built = (arrays["hashes"], arrays["tracks"], arrays["times"])
    return index
