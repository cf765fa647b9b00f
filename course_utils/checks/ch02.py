"""Auto-checks for ``solutions/02_speaker_embeddings_solutions.ipynb`` (and the exercises made from it).

Each ``check_*`` raises :class:`~course_utils.checks.ExerciseFeedback` saying what is wrong and
where to look, or prints a success line.
"""
from __future__ import annotations

import numpy as np
import torch

from ..embeddings.xvector import XVector, count_parameters, stats_pooling, xvector_layer_table
from . import ExerciseFeedback, call_student, expect_close, passed

__all__ = ["check_pooling_quiz", "check_stats_pooling", "check_xvector_param_count"]


# --------------------------------------------------------------------------- task 1: the hard problem
_QUIZ = {
    "fixed_size_part": ("statistics pooling", "Which part of the x-vector turns a variable number of frames into "
                        "a fixed-size vector?"),
    "context_frames": (15, "How many input frames does one output frame of the TDNN see?"),
    "pooled_dim": (3000, "How many values does statistics pooling output for 1500 channels?"),
    "embedding_layer": ("segment6", "Whose output is the x-vector: 'frame5', 'pooling', 'segment6', 'segment7' or 'softmax'?"),
    "frame_order_matters": (False, "Does the pooled vector change if the frames after the TDNN are shuffled?"),
    "tv_matrix_uses_speaker_labels": (False, "Does EM training of the i-vector's T matrix use speaker labels?"),
}


def check_pooling_quiz(answers: dict) -> bool:
    """Check the quiz on x-vectors vs i-vectors and statistics pooling.

    Keys: ``fixed_size_part`` (str), ``context_frames`` (int), ``pooled_dim`` (int),
    ``embedding_layer`` (str), ``frame_order_matters`` (bool), ``tv_matrix_uses_speaker_labels`` (bool).

    Parameters
    ----------
    answers : dict
        The student's answers.

    Notebook: 02_speaker_embeddings_solutions § Chapter 2 solutions: speaker embeddings
    """
    if not isinstance(answers, dict):
        raise ExerciseFeedback(f"answers must be a dict, got {type(answers).__name__}")
    missing = sorted(set(_QUIZ) - set(answers))
    if missing:
        raise ExerciseFeedback(f"answers is missing {missing}")
    hints = {
        "fixed_size_part": "the frame layers output one vector per frame; which step averages over time?",
        "context_frames": "add (kernel - 1) * dilation over the five layers, plus 1.",
        "pooled_dim": "mean AND standard deviation of every channel.",
        "embedding_layer": "the first segment layer's affine output; the softmax is discarded after training.",
        "frame_order_matters": "a mean and a standard deviation are sums over frames: does a sum care about order?",
        "tv_matrix_uses_speaker_labels": "total variability models all variability (speaker and channel) without labels; "
                                          "speaker labels first enter in the LDA/PLDA back-end.",
    }
    for key, (want, question) in _QUIZ.items():
        got = answers[key]
        if isinstance(want, str):
            norm = str(got).strip().lower().replace("_", " ").replace("-", " ")
            ok = norm == want or norm.replace(" ", "") == want.replace(" ", "") or (want == "statistics pooling" and norm in ("stats pooling", "pooling"))
        elif isinstance(want, bool):
            ok = isinstance(got, (bool, np.bool_)) and bool(got) == want
        else:
            ok = not isinstance(got, bool) and isinstance(got, (int, np.integer, float)) and got == want
        if not ok:
            raise ExerciseFeedback(f"{key}: {question} You answered {got!r}. Hint: {hints[key]}")
    return passed("quiz on x-vectors, i-vectors and statistics pooling")


# --------------------------------------------------------------------------- task 2: statistics pooling
def check_stats_pooling(func) -> bool:
    """``func(h)`` takes a torch tensor ``(batch, channels, frames)`` and returns ``(batch, 2*channels)``:
    per-channel means, then per-channel (population) standard deviations over frames.

    Parameters
    ----------
    func : callable
        The student's function to check.

    Notebook: 02_speaker_embeddings_solutions § Chapter 2 solutions: speaker embeddings
    """
    g = torch.Generator().manual_seed(0)
    h = torch.randn(3, 4, 50, generator=g) * torch.arange(1, 5).view(1, 4, 1) + 2.0
    got = call_student(func, h.clone())
    if not isinstance(got, torch.Tensor):
        raise ExerciseFeedback(f"return a torch tensor, got {type(got).__name__}")
    want = stats_pooling(h)
    if tuple(got.shape) != tuple(want.shape):
        if tuple(got.shape) == (3, 100):
            hint = "you pooled over the channels: reduce over dim=2 (frames)."
        elif tuple(got.shape) == (6, 4):
            hint = "concatenate mean and std along dim=1 (torch.cat([mu, sd], dim=1)), not dim=0."
        elif tuple(got.shape) == (3, 4):
            hint = "return both statistics: the means and the standard deviations."
        else:
            hint = "for input (batch, C, frames) the output is (batch, 2*C)."
        raise ExerciseFeedback(f"for input shape {tuple(h.shape)} expected output shape {tuple(want.shape)}, "
                               f"got {tuple(got.shape)}: {hint}")
    got = got.detach()
    C = h.shape[1]
    if torch.allclose(got[:, :C], want[:, C:], atol=1e-4) and torch.allclose(got[:, C:], want[:, :C], atol=1e-4):
        raise ExerciseFeedback("the two halves are swapped: put the means first, then the standard deviations.")
    expect_close(got[:, :C].numpy(), want[:, :C].numpy(), "the first half (the means over frames)", rtol=1e-4, atol=1e-4,
                 hint="mean over dim=2 for every batch item and channel.")
    unbiased = torch.cat([h.mean(2), h.std(2, unbiased=True)], dim=1)
    if torch.allclose(got, unbiased, atol=1e-5) and not torch.allclose(got, want, atol=1e-5):
        raise ExerciseFeedback("the standard deviations use the unbiased estimate (divide by T-1); "
                               "statistics pooling uses the population one: h.std(2, unbiased=False) "
                               "or sqrt(E[h^2] - E[h]^2).")
    expect_close(got[:, C:].numpy(), want[:, C:].numpy(), "the second half (the standard deviations)",
                 rtol=1e-3, atol=1e-3, hint="the square root of the variance over frames, per channel.")
    # any number of frames, and frame order must not matter
    h2 = torch.randn(2, 4, 7, generator=g)
    expect_close(call_student(func, h2).detach().numpy(), stats_pooling(h2).numpy(), "output for 7 frames",
                 rtol=1e-3, atol=1e-3, hint="do not assume a fixed number of frames.")
    perm = h2[:, :, torch.randperm(7, generator=g)]
    expect_close(call_student(func, perm).detach().numpy(), stats_pooling(h2).numpy(),
                 "output for the same frames in another order", rtol=1e-3, atol=1e-3)
    const = call_student(func, torch.ones(1, 2, 5))
    if not torch.all(torch.isfinite(const)):
        raise ExerciseFeedback("a constant channel gives NaN/inf (sqrt of a negative rounding error?): "
                               "clamp the variance at a small positive value before the square root.")
    return passed("statistics pooling (matches course_utils.embeddings.xvector.stats_pooling)")


# --------------------------------------------------------------------------- task 3: parameter count
def check_xvector_param_count(func) -> bool:
    """``func(n_in, channels, kernels, emb_dim, seg_dim)`` -> total trainable parameters of the
    x-vector (Conv1d weights + biases, batch-norm scale + shift, the two segment layers with their
    batch norms; no softmax), compared with PyTorch's count of :class:`~course_utils.embeddings.xvector.XVector`.

    Parameters
    ----------
    func : callable
        The student's function to check.

    Notebook: 02_speaker_embeddings_solutions § Chapter 2 solutions: speaker embeddings
    """
    cases = [
        dict(n_in=40, channels=(512, 512, 512, 512, 1500), kernels=(5, 3, 3, 1, 1), emb_dim=512, seg_dim=512),
        dict(n_in=24, channels=(64, 64, 64, 64, 192), kernels=(5, 3, 3, 1, 1), emb_dim=128, seg_dim=64),
        dict(n_in=30, channels=(32, 16, 8, 8, 4), kernels=(3, 3, 1, 1, 1), emb_dim=10, seg_dim=6),
    ]
    for case in cases:
        got = call_student(func, **case)
        model = XVector(n_in=case["n_in"], channels=case["channels"], kernels=case["kernels"],
                        dilations=(1,) * 5, emb_dim=case["emb_dim"], seg_dim=case["seg_dim"])
        want = count_parameters(model)
        if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
            raise ExerciseFeedback(f"return an int, got {type(got).__name__} ({got!r})")
        if got == want:
            continue
        t = xvector_layer_table(case["n_in"], case["channels"], case["kernels"], (1,) * 5, case["emb_dim"], case["seg_dim"])
        diff = want - int(got)
        if diff == int(t.batchnorm.sum()):
            hint = "you left out batch norm: 2 parameters (scale, shift) per channel after every layer but the last."
        elif diff == int(t.biases.sum()):
            hint = "you left out the biases: one per output channel of every layer."
        elif diff == int(t.biases.sum() + t.batchnorm.sum()):
            hint = "you counted weights only: add biases and batch-norm parameters."
        elif diff == case["channels"][-1] * case["emb_dim"]:
            hint = "segment layer 6 reads mean AND std: its input is 2 x the last channel count."
        elif diff == sum(a * (k - 1) * b for a, k, b in
                         zip((case["n_in"],) + case["channels"][:-1], case["kernels"], case["channels"])):
            hint = "a Conv1d weight is in_channels x kernel x out_channels: multiply by the kernel size."
        else:
            hint = "count layer by layer: weights, biases and batch norm of each frame layer, then segment 6 (input 2 x last channels) and 7."
        raise ExerciseFeedback(f"for {case}: expected {want:,} parameters, got {int(got):,} (off by {diff:+,}). {hint}")
    return passed("x-vector parameter count (agrees with PyTorch on three configurations)")
