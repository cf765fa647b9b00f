"""The chapter 1 auto-checks accept right answers and explain wrong ones."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import ExerciseFeedback
from course_utils.checks import ch01
from course_utils.features import deltas, mfcc, speaker_features


def test_task_quiz():
    right = dict(ch01.TASK_SCENARIOS)
    assert ch01.check_task_types(right)
    wrong = dict(right)
    first = next(iter(wrong))
    wrong[first] = "identification"
    with pytest.raises(ExerciseFeedback, match="1:1"):
        ch01.check_task_types(wrong)
    with pytest.raises(ExerciseFeedback, match="no answer"):
        ch01.check_task_types({})
    with pytest.raises(ExerciseFeedback, match="answer one of"):
        ch01.check_task_types({k: "maybe" for k in right})


def test_speaker_feature_check():
    assert ch01.check_speaker_features(speaker_features)

    def swapped(y, sr):
        m = mfcc(y, sr)
        s = np.concatenate([m, deltas(m, 1), deltas(m, 2)])
        return np.concatenate([s.std(1), s.mean(1)])

    with pytest.raises(ExerciseFeedback, match="swapped"):
        ch01.check_speaker_features(swapped)
    with pytest.raises(ExerciseFeedback, match="120 values"):
        ch01.check_speaker_features(lambda y, sr: mfcc(y, sr).mean(1))

    def stub(y, sr):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError, match="not implemented yet"):
        ch01.check_speaker_features(stub)


def test_nearest_mean_check():
    def right(X, y, Xt):
        classes = np.unique(y)
        means = np.stack([X[np.asarray(y) == c].mean(0) for c in classes])
        return classes[np.argmin(((Xt[:, None] - means[None]) ** 2).sum(-1), axis=1)]

    def nearest_neighbour(X, y, Xt):
        return np.asarray(y)[np.argmin(((Xt[:, None] - X[None]) ** 2).sum(-1), axis=1)]

    assert ch01.check_nearest_mean(right)
    with pytest.raises(ExerciseFeedback, match="class \\*means\\*"):
        ch01.check_nearest_mean(nearest_neighbour)
    with pytest.raises(ExerciseFeedback, match="mapped back to labels"):
        ch01.check_nearest_mean(lambda X, y, Xt: np.arange(len(Xt)))
