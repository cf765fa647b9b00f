"""Auto-checks for ``solutions/09_sound_classification_solutions.ipynb`` (and its exercises).

Each check runs the student's function on small cases with known answers and recognises the usual
mistakes: a random split, mixing only the inputs, softmax over classes instead of time, macro
instead of micro averaging, time-major patches or a forgotten [CLS] token.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ..mir.tagging import patchify
from ..sound_events.sed import segment_metrics
from . import ExerciseFeedback, call_student, expect_close, passed

__all__ = ["check_fold_respecting_split", "check_mixup", "check_attention_pooling", "check_segment_f1",
           "check_patch_tokens"]


def _toy_table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(60):
        fold = 1 + i % 5
        rows.append(dict(path=f"{fold}-{1000 + i // 2}-{'AB'[i % 2]}.ogg", fold=fold, class_id=int(rng.integers(0, 3)),
                         source_id=str(1000 + i // 10 * 10 + fold)))
    return pd.DataFrame(rows)


def check_fold_respecting_split(func: Callable) -> bool:
    """Check ``func(df, test_fold) -> (train_index, test_index)``: row positions, official folds only.

    Parameters
    ----------
    func : callable
        The student's split.

    Returns
    -------
    bool
        True when every case passes.

    Raises
    ------
    ExerciseFeedback
        With a hint.

    Notebook: 09_sound_classification_solutions § Task 1 — A fold-respecting split
    """
    df = _toy_table()
    for fold in (1, 4):
        tr, te = (np.asarray(a) for a in call_student(func, df, fold))
        want_te = np.flatnonzero(df["fold"].to_numpy() == fold)
        if set(te.tolist()) != set(want_te.tolist()):
            hint = ("a random split puts takes of one source recording on both sides; test on exactly the clips "
                    "whose `fold` equals test_fold" if len(te) and set(df.fold.iloc[te]) != {fold} else
                    "return row positions (0..len(df)-1), e.g. np.flatnonzero(df['fold'] == test_fold)")
            raise ExerciseFeedback(f"test fold {fold}: the test side is not exactly fold {fold}. {hint}")
        if set(tr.tolist()) != set(range(len(df))) - set(want_te.tolist()):
            raise ExerciseFeedback(f"test fold {fold}: training must be every clip of the other four folds "
                                   "(no clip twice, none of the test fold)")
    return passed("fold-respecting split")


def check_mixup(func: Callable) -> bool:
    """Check ``func(X, Y, lam, perm) -> (X_mixed, Y_mixed)``: mixup with a given ``lam`` and permutation.

    Parameters
    ----------
    func : callable
        The student's mixup.

    Returns
    -------
    bool
        True when every case passes.

    Raises
    ------
    ExerciseFeedback
        With a hint.

    Notebook: 09_sound_classification_solutions § Task 2 — Mixup
    """
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 3, 5)).astype(np.float32)
    Y = np.eye(3, dtype=np.float32)[[0, 1, 2, 1]]
    perm = np.array([2, 0, 3, 1])
    for lam in (0.7, 0.25):
        Xm, Ym = call_student(func, X.copy(), Y.copy(), lam, perm)
        want_X, want_Y = lam * X + (1 - lam) * X[perm], lam * Y + (1 - lam) * Y[perm]
        if np.allclose(np.asarray(Xm), (1 - lam) * X + lam * X[perm]):
            raise ExerciseFeedback(f"lam={lam}: the weights are swapped; the example itself gets lam, its partner 1 - lam")
        expect_close(Xm, want_X, f"mixed inputs (lam={lam})", hint="x_mixed = lam * X + (1 - lam) * X[perm]")
        if np.allclose(np.asarray(Ym), Y):
            raise ExerciseFeedback("the targets are not mixed: a mixed input needs the same mixture of the labels")
        expect_close(Ym, want_Y, f"mixed targets (lam={lam})", hint="y_mixed = lam * Y + (1 - lam) * Y[perm]")
    return passed("mixup")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _softmax(a: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def check_attention_pooling(func: Callable) -> bool:
    """Check ``func(z, a) -> clip probabilities``: class-wise attention pooling over time.

    ``z`` and ``a`` are ``(frames, classes)`` frame logits and attention logits.

    Parameters
    ----------
    func : callable
        The student's pooling.

    Returns
    -------
    bool
        True when every case passes.

    Raises
    ------
    ExerciseFeedback
        With a hint.

    Notebook: 09_sound_classification_solutions § Task 3 — Attention pooling
    """
    rng = np.random.default_rng(2)
    z, a = rng.standard_normal((7, 4)) * 2, rng.standard_normal((7, 4)) * 2
    got = np.asarray(call_student(func, z, a), float)
    want = (_softmax(a, 0) * _sigmoid(z)).sum(0)
    wrong = {"the softmax runs over classes; the weights must sum to 1 over time (axis 0) for each class":
             (_softmax(a, 1) * _sigmoid(z)).sum(0),
             "that is plain mean pooling; weight each frame by softmax(a) over time":
             _sigmoid(z).mean(0),
             "apply the sigmoid to the frame logits z before weighting them":
             (_softmax(a, 0) * z).sum(0)}
    for hint, value in wrong.items():
        if got.shape == value.shape and np.allclose(got, value):
            raise ExerciseFeedback(hint)
    expect_close(got, want, "clip probabilities", hint="sum over time of softmax_t(a) * sigmoid(z)")
    return passed("attention pooling")


def check_segment_f1(func: Callable) -> bool:
    """Check ``func(reference, estimate) -> F1``: segment-based F1, micro-averaged over segments and classes.

    Parameters
    ----------
    func : callable
        The student's metric on bool ``(segments, classes)`` arrays.

    Returns
    -------
    bool
        True when every case passes.

    Raises
    ------
    ExerciseFeedback
        With a hint.

    Notebook: 09_sound_classification_solutions § Task 4 — Segment-based F1
    """
    rng = np.random.default_rng(3)
    R = rng.random((30, 4)) < 0.3
    E = R ^ (rng.random((30, 4)) < 0.2)
    R[:, 3] = False  # a class never active: macro averaging would differ
    got = float(call_student(func, R.copy(), E.copy()))
    want = segment_metrics(R, E)["f1"]
    if np.isclose(got, np.mean(R == E)):
        raise ExerciseFeedback("that is the fraction of agreeing cells (accuracy); F1 ignores true negatives")
    per_class = [2 * (R[:, c] & E[:, c]).sum() / max(R[:, c].sum() + E[:, c].sum(), 1) for c in range(4)]
    if np.isclose(got, np.mean(per_class)):
        raise ExerciseFeedback("that is a per-class (macro) average; sum TP, FP and FN over all segments and "
                               "classes first, then compute F1 once (micro)")
    expect_close(got, want, "segment-based F1", hint="F1 = 2 TP / (2 TP + FP + FN) with counts over all cells")
    return passed("segment-based F1")


def check_patch_tokens(func: Callable) -> bool:
    """Check ``func(S, W, b, cls, pos, patch) -> tokens``: 16x16 patches, linear embedding, [CLS], positions.

    Parameters
    ----------
    func : callable
        The student's embedding of a ``(n_mels, frames)`` spectrogram into ``(1 + n_patches, dim)`` tokens.

    Returns
    -------
    bool
        True when every case passes.

    Raises
    ------
    ExerciseFeedback
        With a hint.

    Notebook: 09_sound_classification_solutions § Task 5 — Patches, [CLS] token and positions
    """
    rng = np.random.default_rng(4)
    S = rng.standard_normal((64, 100)).astype(np.float32)   # 4 x 6 whole patches; 4 frames left over
    dim = 8
    W = rng.standard_normal((256, dim)).astype(np.float32) / 16
    b, cls = rng.standard_normal(dim).astype(np.float32), rng.standard_normal(dim).astype(np.float32)
    pos = rng.standard_normal((1 + 24, dim)).astype(np.float32)
    got = np.asarray(call_student(func, S, W, b, cls, pos, 16))
    P, (nf, nt) = patchify(S, 16)
    want = np.concatenate([cls[None], P @ W + b]) + pos
    if got.shape == (24, dim):
        raise ExerciseFeedback("24 tokens: prepend the [CLS] token (one row before the patches), then add pos")
    if got.shape != want.shape:
        raise ExerciseFeedback(f"expected {want.shape} = (1 + {nf} x {nt} patches, dim); got {got.shape}. Keep "
                               "whole 16x16 patches only (drop the frames left over)")
    time_major = np.concatenate([P.reshape(nf, nt, -1).transpose(1, 0, 2).reshape(nf * nt, -1)])
    if np.allclose(got, np.concatenate([cls[None], time_major @ W + b]) + pos, atol=1e-4):
        raise ExerciseFeedback("patches in time-major order; go through frequency first (row i*n_time + j is "
                               "frequency patch i, time patch j), as Conv2d + flatten does")
    if np.allclose(got, np.concatenate([cls[None], P @ W + b]), atol=1e-4):
        raise ExerciseFeedback("the position embeddings are missing: add pos to every token, [CLS] included")
    expect_close(got, want, "tokens", rtol=1e-4, atol=1e-4,
                 hint="tokens = concat([cls], patches @ W + b) + pos, patches flattened row by row")
    return passed("patch tokens")
