"""Synthetic signals with known ground truth: speech and sound events (the offline fallbacks) and music.

See :mod:`course_utils.synth.speech`, :mod:`course_utils.synth.corpora`, :mod:`course_utils.synth.events`
and :mod:`course_utils.synth.music`.
"""
from .corpora import WORD_UNITS, write_librispeech_like, write_speech_commands_like
from .drums import drum_pattern, kick_demo
from .events import EVENT_CLASSES, sound_event, write_esc10_like
from .music import chord_progression, generated_song, style_clip, tagged_clip
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
    "EVENT_CLASSES",
    "sound_event",
    "write_esc10_like",
    "WORD_UNITS",
    "write_librispeech_like",
    "write_speech_commands_like",
]
