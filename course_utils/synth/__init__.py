"""Synthetic signals with known ground truth: speech (the offline fallback) and music.

See :mod:`course_utils.synth.speech` and :mod:`course_utils.synth.music`.
"""
from .music import (
    chord_progression,
    drum_pattern,
    generated_song,
    kick_demo,
    style_clip,
    tagged_clip,
)
from .speech import (
    EMOTION_PROSODY,
    EMOTIONS,
    SpeakerProfile,
    make_speaker,
    synthesize_utterance,
    write_fsdd_like,
    write_ravdess_like,
)

__all__ = [
    "EMOTIONS",
    "EMOTION_PROSODY",
    "SpeakerProfile",
    "make_speaker",
    "synthesize_utterance",
    "write_ravdess_like",
    "write_fsdd_like",
    "drum_pattern",
    "chord_progression",
    "kick_demo",
    "style_clip",
    "tagged_clip",
    "generated_song",
]
