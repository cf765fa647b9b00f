"""Splits of chapter 1: unseen takes and unseen emotions of the same speakers.

Notebook: 01_speaker_recognition § 4. Closed-set identification with an SVM
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["split_unseen_takes", "split_unseen_emotions"]


def split_unseen_takes(df: pd.DataFrame, test_repetition: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """RAVDESS split whose test utterances are takes never seen in training.

    Every actor says every sentence in every emotion twice; repetition ``test_repetition`` of each
    is held out, so training and test cover the same speakers, emotions and sentences.

    Parameters
    ----------
    df : pandas.DataFrame
        RAVDESS table (:func:`course_utils.datasets.load_ravdess`).
    test_repetition : int
        The repetition (1 or 2) held out for testing.

    Notebook: 01_speaker_recognition § 4. Closed-set identification with an SVM
    """
    test = df["repetition"] == test_repetition
    return df[~test].reset_index(drop=True), df[test].reset_index(drop=True)


def split_unseen_emotions(
    df: pd.DataFrame, test_emotions: Sequence[str] = ("angry", "fearful", "surprised", "disgust")
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The harder split: the test emotions never occur in training (the voice changes with them).

    Parameters
    ----------
    df : pandas.DataFrame
        RAVDESS table (:func:`course_utils.datasets.load_ravdess`).
    test_emotions : sequence of str
        Emotions held out for testing.

    Notebook: 01_speaker_recognition § 4. Closed-set identification with an SVM
    """
    test = df["emotion"].isin(list(test_emotions))
    return df[~test].reset_index(drop=True), df[test].reset_index(drop=True)
