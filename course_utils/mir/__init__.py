"""Music information retrieval: beats, chords, fingerprints, tagging and separation.

Taught in ``notebooks/06_music_information_retrieval.ipynb``; one module per topic:

* :mod:`course_utils.mir.beat`: beat tracking, ``mir_eval.beat`` scores, octave errors, clicks.
* :mod:`course_utils.mir.chords`: chroma, 24-triad template matching, HMM/Viterbi smoothing.
* :mod:`course_utils.mir.fingerprint`: Shazam-style constellation hashing and matching.
* :mod:`course_utils.mir.tagging`: style features, multi-label tagging, AST patch embedding.
* :mod:`course_utils.mir.separation`: HPSS and soft-mask foreground/background separation.
* :mod:`course_utils.mir.data`: the chapter's real recordings (librosa's examples), or generated
  music when they are unavailable (offline fallback, with a visible banner), and its cache.

This file only re-exports.
"""
from __future__ import annotations

from .data import MUSIC_KEYS, cached, fingerprint_index, load_tracks

__all__ = ["MUSIC_KEYS", "load_tracks", "cached", "fingerprint_index"]
