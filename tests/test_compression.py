"""Quantization and pruning helpers of chapter 7 on a tiny LSTM + linear encoder."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.compression import (
    cpu_ms_per_call, pruned, speed_up, quantized, state_bytes, utterance_embeddings, weight_zero_fraction,
)


class _Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(8, 16, batch_first=True)
        self.linear = torch.nn.Linear(16, 4)

    def forward(self, x):
        return self.linear(self.lstm(x)[0][:, -1])


def test_pruning_quantization_and_sizes():
    torch.manual_seed(0)
    m = _Tiny().eval()
    p = pruned(m, 0.3)
    assert weight_zero_fraction(m) == 0.0 and 0.25 < weight_zero_fraction(p) < 0.35
    assert weight_zero_fraction(m) == 0.0  # the original is left unchanged
    assert state_bytes(p, compressed=True) < state_bytes(m, compressed=True)
    q = quantized(m)
    assert any("quantized" in type(mod).__module__ for mod in q.modules())
    x = torch.randn(3, 10, 8)
    assert (cpu_ms_per_call(q, x, repeats=2) >= 0.0).all()


def test_utterance_embeddings_are_unit_means_of_partials():
    torch.manual_seed(0)
    m = _Tiny().eval()
    mels = [np.random.default_rng(i).normal(size=(n, 10, 8)).astype(np.float32) for i, n in enumerate((2, 3))]
    E = utterance_embeddings(m, mels)
    assert E.shape == (2, 4) and np.allclose(np.linalg.norm(E, axis=1), 1.0)
    with torch.no_grad():
        first = m(torch.from_numpy(mels[0])).numpy().mean(0)
    assert np.allclose(E[0], first / np.linalg.norm(first), atol=1e-6)


def test_speed_up_counts_only_non_overlapping_timings():
    assert speed_up(np.array([10.0, 12, 14]), np.array([5.0, 6, 7])) == (2.0, "faster")
    assert speed_up(np.array([10.0, 11, 12]), np.array([20.0, 22, 24]))[1] == "slower"
    ratio, verdict = speed_up(np.array([10.0, 11, 14]), np.array([9.0, 10, 12]))
    assert verdict == "no clear difference" and ratio > 1
    with pytest.raises(ValueError):
        speed_up(np.array([]), np.array([1.0]))
    with pytest.raises(ValueError):
        cpu_ms_per_call(None, None, repeats=0)
