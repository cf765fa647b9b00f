"""RAVDESS emotion labels and their coarser views (4 classes, arousal, valence).

Taught in ``notebooks/04_emotion_recognition.ipynb``.
"""
from __future__ import annotations

__all__ = ["EMOTIONS", "FOUR_CLASS", "AROUSAL", "VALENCE"]

#: RAVDESS emotions in code order (01..08).
EMOTIONS = ("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised")
#: The common 4-class subset.
FOUR_CLASS = ("neutral", "happy", "sad", "angry")
#: Arousal (activation) of each emotion: "high" or "low" (Russell's circumplex, as usually mapped).
AROUSAL = {"neutral": "low", "calm": "low", "sad": "low", "disgust": "low",
           "happy": "high", "angry": "high", "fearful": "high", "surprised": "high"}
#: Valence of each emotion: "positive", "neutral" or "negative".
VALENCE = {"neutral": "neutral", "calm": "positive", "happy": "positive", "surprised": "positive",
           "sad": "negative", "angry": "negative", "fearful": "negative", "disgust": "negative"}
