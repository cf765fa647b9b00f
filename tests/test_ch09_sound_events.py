"""Chapter 9: ``course_utils.sound_events`` and the exercise checks of ``course_utils.checks.ch09``."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from course_utils import sound_events as se
from course_utils.checks import ExerciseFeedback
from course_utils.checks import ch09


def _table():
    rows = [dict(path=f"{f}-{s}-A.ogg", fold=f, class_id=s % 3, source_id=str(100 * f + s)) for f in range(1, 6)
            for s in range(6)]
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- data and protocol
def test_fold_splits_respect_the_protocol_and_random_folds_leak():
    df = pd.concat([_table(), _table().assign(path=lambda d: d.path.str.replace("-A", "-B"))], ignore_index=True)
    for fold, tr, te in se.fold_splits(df):
        se.check_fold_split(df, tr, te)
        assert se.shared_sources(df, tr, te) == 0 and set(df.fold.iloc[te]) == {fold}
    assert sum(se.shared_sources(df, tr, te) for _, tr, te in se.random_folds(df, seed=0)) > 0


def test_check_fold_split_names_the_problem():
    df = _table()
    with pytest.raises(ValueError, match="both sides"):
        se.check_fold_split(df, [0, 1], [1, 2])
    df.loc[7, "source_id"] = df.loc[0, "source_id"]  # a source in two folds
    with pytest.raises(ValueError, match="source_id"):
        se.check_fold_split(df, [0], [7])


def test_fold_indices_are_disjoint_and_cover_everything():
    df = _table()
    for fold in range(1, 6):
        tr, va, te = se.fold_indices(df, fold)
        assert set(df.fold.iloc[va]) == {se.validation_fold(fold)} and set(df.fold.iloc[te]) == {fold}
        assert len(set(tr) | set(va) | set(te)) == len(df) == len(tr) + len(va) + len(te)
    with pytest.raises(ValueError, match="1-5"):
        se.validation_fold(6)


def test_mel_statistics_match_a_direct_dct():
    from scipy.fft import dct

    L = np.random.default_rng(0).standard_normal((64, 30))
    v = se.mel_statistics(L)
    assert v.shape == (208,)
    m = dct(L, norm="ortho", axis=0)[:20]
    assert np.allclose(v[:20], m.mean(1), atol=1e-5) and np.allclose(v[-64:], L.std(1), atol=1e-5)
    with pytest.raises(ValueError, match="frames"):
        se.mel_statistics(np.zeros((2, 64, 1)))


# ---------------------------------------------------------------- augmentation
def test_time_shift_and_mixup():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 4, 10)).astype(np.float32)
    out = se.time_shift(X, rng, crop=6)
    assert out.shape == (3, 4, 6)
    with pytest.raises(ValueError, match="crop"):
        se.time_shift(X, rng, crop=11)
    Y = np.eye(3, dtype=np.float32)
    Xm, Ym, lam = se.mixup(X, Y, rng, alpha=0.4)
    assert 0 <= lam <= 1 and np.allclose(Ym.sum(1), 1)
    with pytest.raises(ValueError, match="alpha"):
        se.mixup(X, Y, rng, alpha=0)
    with pytest.raises(ValueError, match="targets"):
        se.mixup(X, Y[:2], rng)


# ---------------------------------------------------------------- networks
def test_networks_shapes_and_attention_weights():
    torch.manual_seed(0)
    x = torch.randn(2, 64, 157)
    cnn = se.EscCNN().eval()
    with torch.no_grad():
        clip, frames, w = cnn.frames(x)
    assert clip.shape == (2, 10) and frames.shape == (2, 157 // 8, 10)
    assert torch.allclose(w.sum(1), torch.ones(2, 10), atol=1e-5)
    assert bool(((clip > 0) & (clip < 1)).all())
    assert se.ResNetSmall()(x).shape == (2, 10)
    ast = se.AudioTransformer()
    assert ast(x).shape == (2, 10) and ast.embed(x[:, :64, :128]).shape == (2, 1 + 4 * 8, 64)
    with pytest.raises(ValueError, match="fewer"):
        ast(x[:, :, :100])


def test_a_few_steps_of_training_lower_the_loss():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 64, 40)).astype(np.float32)
    y = np.arange(32) % 2
    X[y == 1, :10] += 2.0  # class 1: loud low bands
    model = se.EscCNN(n_classes=2, channels=(8, 8, 8, 8))
    hist = se.train_network(model, X, y, se.Recipe(epochs=15, batch_size=8, crop=None, alpha=None, spec=False, shift=False),
                            progress=False)
    assert hist["train loss"][-1] < hist["train loss"][0]
    assert se.accuracy(model, X, y) > 0.9


# ---------------------------------------------------------------- sound event detection
def test_segment_metrics_by_hand():
    R = np.array([[1, 0], [1, 1], [0, 0], [0, 1]], bool)
    E = np.array([[1, 0], [0, 1], [1, 0], [1, 0]], bool)
    m = se.segment_metrics(R, E)
    # TP = 2, FP = 2, FN = 2; segments: (0), (D=1), (I=1), (S=1); N = 4
    assert m["f1"] == pytest.approx(0.5) and m["error rate"] == pytest.approx(0.75)
    assert m["substitutions"] == pytest.approx(0.25) and m["deletions"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="differ"):
        se.segment_metrics(R, E[:3])


def test_segment_activity_and_events_round_trip():
    events = pd.DataFrame([dict(onset=0.5, offset=2.2, label="b"), dict(onset=3.0, offset=3.5, label="a")])
    A = se.segment_activity(events, ["a", "b"], 5.0)
    assert A.tolist() == [[False, True], [False, True], [False, True], [True, False], [False, False]]
    probs = np.zeros((10, 2))
    probs[2:5, 1] = 0.9
    ev = se.activity_to_events(probs, 0.5, ["a", "b"])
    assert ev.to_dict("records") == [dict(onset=1.0, offset=2.5, label="b")]
    with pytest.raises(ValueError, match="not one of"):
        se.segment_activity(events, ["a"], 5.0)


def test_soundscape_events_are_exact_and_do_not_overlap():
    sr = 8000
    t = np.arange(sr) / sr
    clip = np.concatenate([np.zeros(sr // 2), np.sin(2 * np.pi * 440 * t), np.zeros(sr // 2)]).astype(np.float32)
    y, events = se.make_soundscape([clip, clip, clip], ["x", "y", "z"], sr=sr, seconds=12.0, seed=1)
    assert len(y) == 12 * sr and np.max(np.abs(y)) <= 0.9 + 1e-6
    assert (events.offset.to_numpy()[:-1] <= events.onset.to_numpy()[1:]).all()
    assert np.allclose(events.offset - events.onset, 1.0, atol=0.1)  # the trimmed tone lasts 1 s (+ a frame)
    with pytest.raises(ValueError, match="labels"):
        se.make_soundscape([clip], ["x", "y"], sr=sr)


# ---------------------------------------------------------------- exercise checks
def test_check_fold_respecting_split():
    def right(df, k):
        return np.flatnonzero(df.fold != k), np.flatnonzero(df.fold == k)

    def random_split(df, k):
        idx = np.random.default_rng(0).permutation(len(df))
        return idx[12:], idx[:12]

    assert ch09.check_fold_respecting_split(right)
    with pytest.raises(ExerciseFeedback, match="random split"):
        ch09.check_fold_respecting_split(random_split)
    with pytest.raises(ExerciseFeedback, match="other four folds"):
        ch09.check_fold_respecting_split(lambda df, k: (np.flatnonzero(df.fold > 10), np.flatnonzero(df.fold == k)))


def test_check_mixup():
    assert ch09.check_mixup(lambda X, Y, lam, p: (lam * X + (1 - lam) * X[p], lam * Y + (1 - lam) * Y[p]))
    with pytest.raises(ExerciseFeedback, match="swapped"):
        ch09.check_mixup(lambda X, Y, lam, p: ((1 - lam) * X + lam * X[p], Y))
    with pytest.raises(ExerciseFeedback, match="not mixed"):
        ch09.check_mixup(lambda X, Y, lam, p: (lam * X + (1 - lam) * X[p], Y))


def test_check_attention_pooling():
    def right(z, a):
        w = np.exp(a - a.max(0))
        return (w / w.sum(0) / (1 + np.exp(-z))).sum(0)

    def over_classes(z, a):
        w = np.exp(a) / np.exp(a).sum(1, keepdims=True)
        return (w / (1 + np.exp(-z))).sum(0)

    assert ch09.check_attention_pooling(right)
    with pytest.raises(ExerciseFeedback, match="over classes"):
        ch09.check_attention_pooling(over_classes)
    with pytest.raises(ExerciseFeedback, match="mean pooling"):
        ch09.check_attention_pooling(lambda z, a: (1 / (1 + np.exp(-z))).mean(0))


def test_check_segment_f1():
    def right(R, E):
        tp, fp, fn = (R & E).sum(), (~R & E).sum(), (R & ~E).sum()
        return 2 * tp / (2 * tp + fp + fn)

    assert ch09.check_segment_f1(right)
    with pytest.raises(ExerciseFeedback, match="accuracy"):
        ch09.check_segment_f1(lambda R, E: np.mean(R == E))
    with pytest.raises(ExerciseFeedback, match="macro"):
        ch09.check_segment_f1(lambda R, E: np.mean([2 * (R[:, c] & E[:, c]).sum() / max(R[:, c].sum() + E[:, c].sum(), 1)
                                                    for c in range(R.shape[1])]))


def test_check_patch_tokens():
    def right(S, W, b, cls, pos, patch=16):
        nf, nt = S.shape[0] // patch, S.shape[1] // patch
        tiles = S[:nf * patch, :nt * patch].reshape(nf, patch, nt, patch).transpose(0, 2, 1, 3)
        return np.concatenate([cls[None], tiles.reshape(nf * nt, -1) @ W + b]) + pos

    def time_major(S, W, b, cls, pos, patch=16):
        nf, nt = S.shape[0] // patch, S.shape[1] // patch
        tiles = S[:nf * patch, :nt * patch].reshape(nf, patch, nt, patch).transpose(2, 0, 1, 3)
        return np.concatenate([cls[None], tiles.reshape(nf * nt, -1) @ W + b]) + pos

    assert ch09.check_patch_tokens(right)
    with pytest.raises(ExerciseFeedback, match="time-major"):
        ch09.check_patch_tokens(time_major)
    with pytest.raises(ExerciseFeedback, match="CLS"):
        ch09.check_patch_tokens(lambda S, W, b, cls, pos, patch=16: right(S, W, b, cls, pos, patch)[1:])
    with pytest.raises(ExerciseFeedback, match="position"):
        ch09.check_patch_tokens(lambda S, W, b, cls, pos, patch=16: right(S, W, b, cls, pos, patch) - pos)
