"""The chapter 2 auto-checks accept the reference answers and reject typical mistakes with a useful hint."""
from __future__ import annotations

import pytest
import torch

from course_utils.checks import ExerciseFeedback
from course_utils.checks import ch02
from course_utils.embeddings.xvector import stats_pooling

GOOD = {"fixed_size_part": "statistics pooling", "context_frames": 15, "pooled_dim": 3000,
        "embedding_layer": "segment6", "frame_order_matters": False, "tv_matrix_uses_speaker_labels": False}


def test_quiz_accepts_right_answers_and_explains_wrong_ones():
    assert ch02.check_pooling_quiz(dict(GOOD))
    assert ch02.check_pooling_quiz(dict(GOOD, fixed_size_part="Stats pooling"))
    with pytest.raises(ExerciseFeedback, match="missing"):
        ch02.check_pooling_quiz({"pooled_dim": 3000})
    with pytest.raises(ExerciseFeedback, match="mean AND standard deviation"):
        ch02.check_pooling_quiz(dict(GOOD, pooled_dim=1500))
    with pytest.raises(ExerciseFeedback, match="kernel - 1"):
        ch02.check_pooling_quiz(dict(GOOD, context_frames=5))
    with pytest.raises(ExerciseFeedback, match="frame_order_matters"):
        ch02.check_pooling_quiz(dict(GOOD, frame_order_matters="no"))
    with pytest.raises(ExerciseFeedback):
        ch02.check_pooling_quiz(None)


def test_stats_pooling_check():
    assert ch02.check_stats_pooling(stats_pooling)
    mistakes = {
        "unbiased": lambda h: torch.cat([h.mean(2), h.std(2, unbiased=True)], 1),
        "swapped": lambda h: torch.cat([h.std(2, unbiased=False), h.mean(2)], 1),
        "over channels": lambda h: torch.cat([h.mean(1), h.std(1, unbiased=False)], 1),
        "mean only": lambda h: h.mean(2),
        "cat dim 0": lambda h: torch.cat([h.mean(2), h.std(2, unbiased=False)], 0),
        "numpy": lambda h: h.numpy().mean(2),
        "nan": lambda h: torch.cat([h.mean(2), torch.sqrt((h * h).mean(2) - h.mean(2) ** 2 - 1e-9)], 1),
    }
    hints = {"unbiased": "unbiased", "swapped": "swapped", "over channels": "over the channels",
             "mean only": "both statistics", "cat dim 0": "dim=1", "numpy": "torch tensor", "nan": "NaN|standard deviations"}
    for name, func in mistakes.items():
        with pytest.raises(ExerciseFeedback, match=hints[name]):
            ch02.check_stats_pooling(func)

    def stub(h):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError, match="not implemented yet"):
        ch02.check_stats_pooling(stub)


def _count(n_in, channels, kernels, emb_dim, seg_dim, bn=True, bias=True, two=2, use_kernel=True):
    total, c_in = 0, n_in
    for c, k in zip(channels, kernels):
        total += c_in * (k if use_kernel else 1) * c + (c if bias else 0) + (2 * c if bn else 0)
        c_in = c
    total += two * c_in * emb_dim + (emb_dim if bias else 0) + (2 * emb_dim if bn else 0)
    total += emb_dim * seg_dim + (seg_dim if bias else 0) + (2 * seg_dim if bn else 0)
    return total


def test_param_count_check():
    assert ch02.check_xvector_param_count(_count)
    cases = [(dict(bn=False), "batch norm"), (dict(bias=False), "biases"), (dict(bn=False, bias=False), "weights only"),
             (dict(two=1), "mean AND std"), (dict(use_kernel=False), "kernel size")]
    for kw, hint in cases:
        with pytest.raises(ExerciseFeedback, match=hint):
            ch02.check_xvector_param_count(lambda *a, **k: _count(*a, **k, **kw))
    with pytest.raises(ExerciseFeedback, match="return an int"):
        ch02.check_xvector_param_count(lambda *a, **k: float(_count(*a, **k)))
