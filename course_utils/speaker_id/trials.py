"""Cosine scoring of chapter 1's first verification demo: voiceprints and target/non-target trials.

Notebook: 01_speaker_recognition § 7. A first verification demo
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["cosine_scores", "cosine_trials"]


def cosine_scores(
    enroll: np.ndarray, enroll_labels: Sequence, test: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity of every test vector to every enrolled speaker's voiceprint.

    A voiceprint is the mean of a speaker's L2-normalised enrollment vectors, normalised again.

    Parameters
    ----------
    enroll : np.ndarray
        Enrollment vectors, one row each.
    enroll_labels : sequence
        Speaker of each enrollment vector.
    test : np.ndarray
        Test vectors.

    Returns
    -------
    scores : np.ndarray
        ``(len(test), n_speakers)``.
    speakers : np.ndarray
        The speaker of each column, sorted.

    Notebook: 01_speaker_recognition § 7. A first verification demo
    """
    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    enroll_labels = np.asarray(enroll_labels)
    if len(enroll) != len(enroll_labels) or not len(enroll):
        raise ValueError("cosine_scores: need one label per enrollment vector, and at least one")
    speakers = np.array(sorted(set(enroll_labels.tolist())))
    prints = unit(np.stack([unit(enroll[enroll_labels == s]).mean(axis=0) for s in speakers]))
    return unit(np.asarray(test)) @ prints.T, speakers


def cosine_trials(
    enroll: np.ndarray, enroll_labels: Sequence, test: np.ndarray, test_labels: Sequence
) -> tuple[np.ndarray, np.ndarray]:
    """Every test vector scored against every voiceprint (:func:`cosine_scores`), split by trial type.

    Parameters
    ----------
    enroll : np.ndarray
        Enrollment vectors, one row each.
    enroll_labels : sequence
        Speaker of each enrollment vector.
    test : np.ndarray
        Test vectors.
    test_labels : sequence
        True speaker of each test vector.

    Returns
    -------
    target_scores, nontarget_scores : np.ndarray
        Scores of trials where the test speaker is the claimed speaker, and where it is not.

    Notebook: 01_speaker_recognition § 7. A first verification demo
    """
    scores, speakers = cosine_scores(enroll, enroll_labels, test)
    same = np.asarray(test_labels)[:, None] == speakers[None, :]
    return scores[same], scores[~same]
