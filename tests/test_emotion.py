"""Tests for the course_utils.emotion package (synthetic signals only)."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils import emotion as E
from course_utils.audio import AudioError
from course_utils.corruptions import spec_augment
from course_utils.synth import make_speaker, synthesize_utterance

SR = 16000


@pytest.fixture(scope="module")
def utterances():
    """Two emotions x 2 speakers x 3 takes of synthetic speech: (signals, labels, speakers)."""
    ys, labels, spk = [], [], []
    for s in (1, 2):
        speaker = make_speaker(s)
        for emo in ("sad", "angry"):
            for take in range(3):
                ys.append(synthesize_utterance("i_sa_o_i_ma", speaker, emo, 2.0, sr=SR, seed=take))
                labels.append(emo)
                spk.append(s)
    return ys, labels, spk


def test_feature_names_match_dimensions(utterances):
    y = utterances[0][0]
    assert E.prosodic_features(y, SR).shape == (len(E.PROSODIC_FEATURE_NAMES),)
    assert E.spectral_features(y, SR).shape == (len(E.SPECTRAL_FEATURE_NAMES),)
    f = E.emotion_features(y, SR)
    assert f.shape == (len(E.EMOTION_FEATURE_NAMES),) and np.all(np.isfinite(f))
    assert E.seed_features(y, SR).shape == (len(E.SEED_FEATURE_NAMES),) == (338,)
    assert E.baseline_features(y, SR).shape == (len(E.BASELINE_FEATURE_NAMES),)
    assert len(set(E.EMOTION_FEATURE_NAMES)) == len(E.EMOTION_FEATURE_NAMES)


def test_prosody_follows_known_pitch_and_level():
    """A 200 Hz harmonic tone: median F0 = 12*log2(200/55) semitones; louder -> higher energy."""
    t = np.arange(int(1.5 * SR)) / SR
    y = sum(np.sin(2 * np.pi * 200 * k * t) / k for k in range(1, 6)).astype(np.float32) * 0.1
    names = E.PROSODIC_FEATURE_NAMES
    f = dict(zip(names, E.prosodic_features(y, SR)))
    assert f["f0_median_st"] == pytest.approx(12 * np.log2(200 / 55), abs=0.3)
    assert f["f0_range_st"] < 1.0 and f["voiced_ratio"] > 0.8
    g = dict(zip(names, E.prosodic_features(4 * y, SR)))
    assert g["energy_mean_db"] - f["energy_mean_db"] == pytest.approx(20 * np.log10(4), abs=0.5)


def test_f0_track_rising_glide_has_positive_slope():
    t = np.arange(SR) / SR
    f0 = 120 * 2 ** (t)  # one octave up in 1 s = 12 st/s
    y = np.sin(2 * np.pi * np.cumsum(f0) / SR).astype(np.float32) * 0.3
    f = dict(zip(E.PROSODIC_FEATURE_NAMES, E.prosodic_features(y, SR)))
    assert f["f0_slope_st_per_s"] == pytest.approx(12, abs=2.5)


def test_pause_ratio_and_duration():
    t = np.arange(int(0.5 * SR)) / SR
    burst = (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)
    gap = np.zeros(int(0.5 * SR), np.float32) + 1e-4 * np.random.default_rng(0).normal(size=int(0.5 * SR)).astype(np.float32)
    y = np.concatenate([burst, gap, burst])
    f = dict(zip(E.PROSODIC_FEATURE_NAMES, E.prosodic_features(y, SR)))
    assert f["speech_duration_s"] == pytest.approx(1.5, abs=0.1)
    assert f["pause_ratio"] == pytest.approx(1 / 3, abs=0.08)


@pytest.mark.parametrize("bad, match", [
    (np.zeros(0, np.float32), "empty"),
    (np.zeros(SR, np.float32), "silent"),
    (np.full(SR, np.nan, np.float32), "NaN"),
    (0.1 * np.ones(100, np.float32), "too short"),
    (np.ones((2, SR), np.float32), "mono"),
])
def test_bad_audio_raises_audio_error(bad, match):
    for func in (E.emotion_features, E.prosodic_features, E.spectral_features, E.emotion_log_mel):
        with pytest.raises(AudioError, match=match):
            func(bad, SR)


def test_log_mel_shape_and_spec_augment(tone):
    y, sr = tone
    S = E.emotion_log_mel(y, sr, n_mels=40, duration=2.0)
    assert S.shape == (40, 101) and S.max() == pytest.approx(0.0)
    M = spec_augment(S, np.random.default_rng(0), n_freq=1, max_freq=5, n_time=1, max_time=10, fill=-99.0)
    assert M.shape == S.shape and (M == -99.0).any() and not (S == -99.0).any()


def test_augmented_log_mel_is_seeded_by_the_signal(tone):
    y, sr = tone
    a = E.augmented_log_mel(y, sr, kind="noise")
    assert a.shape == E.emotion_log_mel(y, sr).shape
    assert np.array_equal(a, E.augmented_log_mel(y, sr, kind="noise"))  # seeded by the signal
    assert not np.array_equal(a, E.emotion_log_mel(y, sr))
    with pytest.raises(ValueError, match="kind"):
        E.augmented_log_mel(y, sr, kind="reverse")


def test_speaker_normalize_and_folds():
    X = np.vstack([np.random.default_rng(0).normal(5, 2, (10, 3)), np.random.default_rng(1).normal(-3, 1, (10, 3))])
    Z = E.speaker_normalize(X, [1] * 10 + [2] * 10)
    assert np.allclose(Z[:10].mean(0), 0) and np.allclose(Z[10:].std(0), 1)
    with pytest.raises(ValueError, match="one speaker per row"):
        E.speaker_normalize(X, [1, 2])
    folds = E.actor_folds(np.arange(1, 25))
    for f in range(6):
        members = np.arange(1, 25)[folds == f]
        assert len(members) == 4 and (members % 2 == 1).sum() == 2  # 2 male, 2 female


def test_uar_weights_classes_equally():
    y_true = ["a"] * 8 + ["b"] * 2
    y_pred = ["a"] * 10
    assert E.unweighted_average_recall(y_true, y_pred) == pytest.approx(0.5)


def test_grouped_cv_never_shares_speakers():
    from sklearn.dummy import DummyClassifier

    rng = np.random.default_rng(0)
    actors = np.repeat(np.arange(1, 25), 5)
    # a feature that identifies the actor, and labels tied to the actor: random CV can exploit it
    X = actors[:, None] + 0.01 * rng.normal(size=(len(actors), 1))
    y = np.where(actors % 3 == 0, "x", "y")
    from sklearn.neighbors import KNeighborsClassifier

    g = E.grouped_cv(KNeighborsClassifier(1), X, y, actors)
    r = E.random_cv(KNeighborsClassifier(1), X, y)
    assert len(g["fold_accuracy"]) == 6 and r["accuracy"] == 1.0 and g["accuracy"] < 0.9
    d = E.grouped_cv(DummyClassifier(), X, y, actors)
    assert set(d["y_pred"]) <= {"x", "y"} and np.isfinite(d["uar_std"])


def test_recognizer_fit_predict_save_load(utterances, tmp_path, write_wav):
    ys, labels, spk = utterances
    rec = E.EmotionRecognizer().fit(ys, labels, sr=SR)
    assert rec.classes_ == ["angry", "sad"]
    assert rec.predict(ys, SR) == labels  # separable by construction
    p = rec.predict_proba(ys[0], SR)
    assert set(p) == {"angry", "sad"} and sum(p.values()) == pytest.approx(1.0)
    assert rec.predict_proba(ys[:3], SR).shape == (3, 2)
    # another sample rate is resampled; a file path works too
    y8 = ys[-1][::2].copy()
    assert rec.predict(y8, 8000) in rec.classes_
    path = write_wav("utt.wav", ys[-1], SR)
    assert rec.predict(path) == labels[-1]
    with pytest.raises(ValueError, match="shape"):
        rec.fit_features(np.zeros((4, 3)), ["a", "b", "a", "b"])
    X = rec.transform(ys, SR)
    np.testing.assert_allclose(rec.predict_proba_features(X), rec.predict_proba(ys, SR))
    rec.save(tmp_path / "m.npz")
    back = E.EmotionRecognizer.load(tmp_path / "m.npz")
    assert back.classes_ == rec.classes_
    np.testing.assert_allclose(back.predict_proba(ys[:4], SR), rec.predict_proba(ys[:4], SR))
    assert "no pickle" not in repr(back)


def test_recognizer_save_is_atomic(utterances, tmp_path, monkeypatch):
    """A save that fails half-way leaves the previous model file intact and no temporary file."""
    ys, labels, _ = utterances
    rec = E.EmotionRecognizer().fit(ys, labels, sr=SR)
    path = tmp_path / "m.npz"
    rec.save(path)
    before = path.read_bytes()

    def broken_savez(file, **arrays):
        with open(file, "wb") as fh:
            fh.write(b"half a model")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        rec.save(path)
    assert path.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]


def test_recognizer_speaker_normalisation(utterances):
    ys, labels, spk = utterances
    rec = E.EmotionRecognizer().fit(ys, labels, sr=SR, speakers=spk)
    with pytest.raises(ValueError, match="speaker_stats"):
        rec.predict(ys[0], SR)
    stats = rec.speaker_stats(ys[:6], SR)
    assert rec.predict(ys[:6], SR, speaker_stats=stats) == labels[:6]


def test_recognizer_errors(utterances, tmp_path, write_wav):
    ys, labels, _ = utterances
    rec = E.EmotionRecognizer()
    with pytest.raises(RuntimeError, match="fit"):
        rec.predict(ys[0], SR)
    with pytest.raises(ValueError, match="labels"):
        rec.fit(ys, labels[:-1], sr=SR)
    with pytest.raises(ValueError, match="two different"):
        rec.fit(ys[:2], ["sad", "sad"], sr=SR)
    with pytest.raises(ValueError, match="sr"):
        rec.fit(ys, labels)
    with pytest.raises(ValueError, match="sr must"):
        E.EmotionRecognizer(sr=0)
    rec.fit(ys, labels, sr=SR)
    with pytest.raises(AudioError, match="silent"):
        rec.predict(np.zeros(SR, np.float32), SR)
    with pytest.raises(AudioError, match="too short"):
        rec.predict(ys[0][:1000], SR)
    with pytest.raises(AudioError, match="NaN"):
        rec.predict(np.full(SR, np.nan, np.float32), SR)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match="empty.wav"):
        rec.predict(empty)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all" * 10)
    with pytest.raises(AudioError, match="junk.wav"):
        rec.predict(junk)
    with pytest.raises(AudioError, match="missing.wav"):
        rec.predict(tmp_path / "missing.wav")
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros(3))
    with pytest.raises(ValueError, match="not an EmotionRecognizer"):
        E.EmotionRecognizer.load(bad)
    with pytest.raises(FileNotFoundError):
        E.EmotionRecognizer.load(tmp_path / "nothing.npz")


def test_cnn_trains_and_predicts():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(48, 20, 32)).astype(np.float32)
    y = np.arange(48) % 2
    X[y == 1, 5:8, :] += 3.0 * np.sin(2 * np.pi * np.arange(32) / 8)  # class 1: a band pulsing at 8 frames
    Xn = E.normalize_log_mel(X)
    assert np.allclose(Xn.mean(axis=-1), 0, atol=1e-5)
    model, hist = E.train_cnn(Xn, y, n_classes=2, epochs=8, batch_size=16, width=16, X_val=Xn, y_val=y, progress=False)
    P = E.predict_proba_cnn(model, Xn)
    assert P.shape == (48, 2) and np.allclose(P.sum(1), 1, atol=1e-5)
    assert hist["val accuracy"][-1] > 0.8 and len(hist["train loss"]) == 8
    assert sum(p.numel() for p in E.EmotionCNN(40, 8).parameters()) < 20000
