"""Unit tests of course_utils.speaker_id (chapter 1)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from course_utils import speaker_id as sid


def _table():
    rows = [dict(path=f"{a}-{e}-{r}", speaker=f"Actor_{a:02d}", emotion=e, repetition=r)
            for a in (1, 2) for e in ("neutral", "angry") for r in (1, 2)]
    return pd.DataFrame(rows)


def test_splits_hold_out_takes_or_emotions():
    df = _table()
    train, test = sid.split_unseen_takes(df)
    assert set(train.repetition) == {1} and set(test.repetition) == {2} and len(train) + len(test) == len(df)
    train, test = sid.split_unseen_emotions(df, test_emotions=["angry"])
    assert set(train.emotion) == {"neutral"} and set(test.emotion) == {"angry"}


def test_frame_features_shape_and_mean_normalisation(tone):
    y, sr = tone
    F = sid.frame_features(y, sr)
    assert F.ndim == 2 and F.shape[1] == 40 and F.dtype == np.float32
    np.testing.assert_allclose(F[:, :20].mean(axis=0), 0, atol=1e-3)
    assert sid.frame_features(y[:400], sr).shape[1] == 40  # shorter than one window


def test_gmm_ubm_identifies_separable_speakers_and_matches_scipy():
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal

    rng = np.random.default_rng(0)
    frames = [rng.normal(loc=i % 3, size=(80, 4)) for i in range(18)]
    labels = [f"s{i % 3}" for i in range(18)]
    model = sid.GMMUBMIdentifier(n_components=4, seed=0).fit(frames, labels)
    assert (model.predict(frames) == np.array(labels)).mean() == 1.0
    assert model.decision_function(frames[:2]).shape == (2, 3)
    X, means = frames[0], model.speaker_means_[0]
    ref = np.log(sum(w * multivariate_normal(m, np.diag(v)).pdf(X)
                     for w, m, v in zip(model.ubm_.weights_, means, model.ubm_.covariances_)))
    np.testing.assert_allclose(logsumexp(model._component_loglik(X, means[None]), axis=2)[0], ref, rtol=1e-8)
    with pytest.raises(ValueError):
        sid.GMMUBMIdentifier().fit(frames, labels[:-1])


def test_raw_waveform_cnn_trains_caches_and_predicts(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    rng = np.random.default_rng(0)
    t = np.arange(2000) / 8000
    X = np.stack([np.sin(2 * np.pi * (300 if k % 2 else 1200) * t + rng.uniform(0, 6)) for k in range(64)])
    X += 0.1 * rng.normal(size=X.shape)
    y = np.arange(64) % 2
    torch.manual_seed(0)
    model = sid.RawWaveformCNN(n_classes=2, channels=8)
    hist = sid.train_classifier(model, X, y, X_val=X, y_val=y, epochs=6, batch_size=16, lr=1e-2,
                                cache=True, progress=False)
    assert set(hist) == {"train loss", "train accuracy", "validation accuracy"} and len(hist["train loss"]) == 6
    assert hist["validation accuracy"][-1] >= 0.9
    torch.manual_seed(0)
    again = sid.RawWaveformCNN(n_classes=2, channels=8)  # same data, settings and initial weights: the cache
    assert sid.train_classifier(again, X, y, X_val=X, y_val=y, epochs=6, batch_size=16, lr=1e-2,
                                cache=True, progress=False) == hist
    np.testing.assert_array_equal(sid.predict_classifier(again, X), sid.predict_classifier(model, X))
    saved = list((tmp_path / "models").glob("classifier-RawWaveformCNN-*.pt"))
    assert len(saved) == 1
    state = torch.load(saved[0], weights_only=True)  # a plain state_dict, no pickle
    assert isinstance(state, dict)


def test_cosine_scores_and_trials():
    enroll = np.array([[1.0, 0], [2.0, 0], [0, 1.0]])
    scores, speakers = sid.cosine_scores(enroll, ["a", "a", "b"], np.array([[1.0, 0], [1.0, 1.0]]))
    assert speakers.tolist() == ["a", "b"]
    np.testing.assert_allclose(scores, [[1, 0], [np.sqrt(0.5), np.sqrt(0.5)]])
    target, nontarget = sid.cosine_trials(enroll, ["a", "a", "b"], np.array([[1.0, 0], [0, 1.0]]), ["a", "b"])
    np.testing.assert_allclose(target, [1, 1])
    np.testing.assert_allclose(nontarget, [0, 0])
    with pytest.raises(ValueError):
        sid.cosine_scores(enroll, ["a"], enroll)
