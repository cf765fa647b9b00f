"""Music information retrieval: beats, chords, fingerprints, tagging and separation.

Taught in ``notebooks/06_music_information_retrieval.ipynb``; one module per topic:

* :mod:`course_utils.mir.beat`: beat tracking, ``mir_eval.beat`` scores, octave errors, clicks.
* :mod:`course_utils.mir.chords`: chroma, 24-triad template matching, HMM/Viterbi smoothing.
* :mod:`course_utils.mir.fingerprint`: Shazam-style constellation hashing and matching.
* :mod:`course_utils.mir.tagging`: style features, multi-label tagging, AST patch embedding.
* :mod:`course_utils.mir.separation`: HPSS and soft-mask foreground/background separation.
* :func:`load_tracks`: the chapter's real recordings (librosa's examples), or generated music
  when they are unavailable (offline fallback, with a visible banner).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["MUSIC_KEYS", "load_tracks", "cached"]

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
    """The chapter's recordings as a table ``key, title, y, sr, seconds``: the first ``seconds``
    of each of librosa's examples, mono at ``sr``.

    When none of them is available (offline, ``COURSE_OFFLINE=1``) and ``allow_synthetic`` is
    true, ``len(keys)`` generated songs (:func:`course_utils.synth.music.generated_song`) take
    their place, ``df.attrs["synthetic"]`` is True and a banner says so. Examples that are
    missing while others exist are listed in ``df.attrs["missing"]``.
    """
    from ..audio import load_audio
    from ..datasets import DatasetError, librosa_example
    from ..synth.music import generated_song

    if seconds <= 5:
        raise ValueError(f"seconds must be more than 5 (queries are 5 s long), got {seconds}")
    rows, missing = [], []
    for key in keys:
        try:
            path = librosa_example(key)
        except DatasetError:
            missing.append(key)
            continue
        import soundfile as sf

        info = sf.info(str(path))
        y = load_audio(path, sr=None)
        y = y[: int(seconds * info.samplerate)]
        if info.samplerate != sr:
            import librosa

            y = librosa.resample(y, orig_sr=info.samplerate, target_sr=sr, res_type="soxr_hq")
        rows.append(dict(key=key, title=path.stem.replace("_", " "), y=y.astype(np.float32), sr=sr,
                         seconds=y.size / sr, path=str(path)))
    synthetic = False
    if not rows:
        if not allow_synthetic:
            raise DatasetError(f"none of librosa's examples {list(keys)} is available (offline?)")
        synthetic = True
        for i, key in enumerate(keys):
            y, info = generated_song(i, duration=seconds, sr=sr)
            rows.append(dict(key=f"gen{i}", title=info["title"], y=y, sr=sr, seconds=y.size / sr, path=""))
        if banner:
            _banner("OFFLINE FALLBACK: librosa's example recordings are not available, so this chapter uses "
                    "GENERATED music (course_utils.synth.music) in their place. Numbers below describe the "
                    "generated songs, not real recordings.")
    df = pd.DataFrame(rows)
    df.attrs.update(dataset="librosa", synthetic=synthetic, missing=missing)
    return df


def cached(name: str, compute, **key) -> dict[str, np.ndarray]:
    """Run ``compute()`` (returning a dict of arrays) once and keep the result as NPZ in
    ``cache_dir("mir")``; the key covers ``key`` and the source of the chapter's modules, so
    editing the generators or features recomputes. Used for generated data sets and features."""
    import hashlib
    import inspect
    import json
    import os

    from .. import cache_dir
    from ..synth import music
    from . import beat, chords, fingerprint, separation, tagging

    src = "".join(inspect.getsource(m) for m in (music, beat, chords, fingerprint, separation, tagging))
    digest = hashlib.sha256((src + json.dumps(key, sort_keys=True, default=str)).encode()).hexdigest()[:16]
    target = cache_dir("mir") / f"{name}-{digest}.npz"
    if target.exists():
        with np.load(target, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    out = {k: np.asarray(v) for k, v in compute().items()}
    tmp = target.with_name(target.stem + f".{os.getpid()}.tmp.npz")
    np.savez(tmp, **out)
    os.replace(tmp, target)
    return out
