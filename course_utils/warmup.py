"""Compile and cache librosa's numba functions once, in a single process.

numba's on-disk cache is not safe when two processes compile the same function at the same time
(numba issue #10128: the cache files of a ``guvectorize`` function can end up inconsistent, and
every later call segfaults). A fresh environment that runs two notebooks at once — ``make test``
does — hits exactly that. ``make setup`` therefore runs ``python -m course_utils.warmup`` once after
installing, so that parallel runs only read the cache.

Course plumbing: no notebook teaches it.
"""
from __future__ import annotations

import time
import warnings

import librosa
import numpy as np

__all__ = ["warm_numba_cache"]


def warm_numba_cache(verbose: bool = True) -> list[str]:
    """Call the librosa functions the course uses, in float32 and float64; return those that failed.

    Course plumbing (``make setup`` runs it), listed with the chapter whose beat tracker the
    corrupted cache would crash.

    Parameters
    ----------
    verbose : bool
        Print each call's name, dtype and time.

    Returns
    -------
    list of str
        One line per call that raised (name, dtype, exception); empty when all compiled.

    Notebook: 06_music_information_retrieval § 1. Beats and tempo
    """
    sr = 22050
    t = np.arange(3 * sr) / sr
    clicks = np.zeros_like(t)
    clicks[(np.arange(6) * sr // 2)] = 1.0
    base = np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t)) + np.convolve(clicks, np.hanning(200), "same")
    failed = []
    for dtype in (np.float32, np.float64):
        y = base.astype(dtype)
        S = np.abs(librosa.stft(y))
        probs = np.abs(np.random.default_rng(0).random((3, 40))).astype(dtype)
        probs /= probs.sum(axis=0)
        calls = {
            "beat_track": lambda: librosa.beat.beat_track(y=y, sr=sr),
            "plp": lambda: librosa.beat.plp(y=y, sr=sr),
            "onset_detect": lambda: librosa.onset.onset_detect(y=y, sr=sr),
            "tempo": lambda: librosa.feature.tempo(y=y, sr=sr),
            "pyin": lambda: librosa.pyin(y[:sr], fmin=60, fmax=500, sr=sr),
            "yin": lambda: librosa.yin(y[:sr], fmin=60, fmax=500, sr=sr),
            "zero_crossings": lambda: librosa.feature.zero_crossing_rate(y),
            "istft": lambda: librosa.istft(librosa.stft(y), length=y.size),
            "cqt": lambda: librosa.feature.chroma_cqt(y=y, sr=sr),
            "localmax": lambda: librosa.util.localmax(S),
            "peak_pick": lambda: librosa.util.peak_pick(S[5], pre_max=3, post_max=3, pre_avg=3, post_avg=3, delta=0.1, wait=2),
            "viterbi": lambda: librosa.sequence.viterbi_discriminative(probs, librosa.sequence.transition_loop(3, 0.9)),
            "viterbi_binary": lambda: librosa.sequence.viterbi_binary(probs, librosa.sequence.transition_loop(2, 0.9)),
            "dtw": lambda: librosa.sequence.dtw(S[:, :20], S[:, 5:25]),
            "stack_memory": lambda: librosa.feature.stack_memory(S[:4]),
            "delta": lambda: librosa.feature.delta(S[:4]),
            "lpc": lambda: librosa.lpc(y[:2048], order=4),
            "reassigned": lambda: librosa.reassigned_spectrogram(y=y[:sr], sr=sr),
            "match_intervals": lambda: librosa.util.match_intervals(np.array([[0.0, 1.0]]), np.array([[0.1, 0.9]])),
            "match_events": lambda: librosa.util.match_events(np.array([0.5, 1.0]), np.array([0.4, 1.1])),
            "key_to_notes": lambda: librosa.key_to_notes("C:maj"),
            "hpss": lambda: librosa.effects.hpss(y[:sr]),
            "resample": lambda: librosa.resample(y[:sr], orig_sr=sr, target_sr=16000),
        }
        for name, call in calls.items():
            start = time.perf_counter()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    call()
            except Exception as exc:  # a warm-up must never break the set-up
                failed.append(f"{name} ({np.dtype(dtype).name}): {type(exc).__name__}: {exc}")
            if verbose:
                print(f"  {name:16s} {np.dtype(dtype).name:8s} {time.perf_counter() - start:6.2f} s")
    return failed


if __name__ == "__main__":
    print("Compiling librosa's numba functions once (see course_utils/warmup.py)...")
    problems = warm_numba_cache()
    for p in problems:
        print("  skipped:", p)
    print("done")
