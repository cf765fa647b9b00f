"""Tests for the quick held-out evaluation and few-shot enrollment helpers of course_utils.embeddings."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.audio import AudioError
from course_utils.embeddings import evaluate as ev
from course_utils.embeddings.fewshot import enrollment_curve, segment_embeddings, speech_segments


def _clusters(n_spk=4, per=12, dim=8, spread=0.3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_spk, dim))
    X = np.concatenate([c + spread * rng.normal(size=(per, dim)) for c in centres])
    return X, np.repeat(np.arange(n_spk), per)


def test_pair_scores_and_eer():
    X, y = _clusters()
    pos, neg = ev.pair_scores(X, y)
    n = len(y)
    assert len(pos) + len(neg) == n * (n - 1) // 2
    assert len(pos) == 4 * 12 * 11 // 2
    assert ev.pairwise_eer(X, y) < 0.05
    Xr, _ = _clusters(spread=50.0)          # noise swamps the speaker: near chance
    assert ev.pairwise_eer(Xr, y) > 0.3
    mask = np.zeros((n, n), bool); mask[:24, :24] = True
    p2, n2 = ev.pair_scores(X, y, mask)
    assert len(p2) + len(n2) == 24 * 23 // 2
    with pytest.raises(ValueError, match="labels"):
        ev.pair_scores(X, y[:-1])
    with pytest.raises(ValueError, match="different-speaker"):
        ev.pairwise_eer(X[:5], np.zeros(5))


def test_identification_and_separation():
    X, y = _clusters()
    assert ev.identification_accuracy(X, y, n_enroll=3) > 0.95
    Xr, _ = _clusters(spread=50.0)
    assert ev.identification_accuracy(Xr, y, n_enroll=3) < 0.7
    with pytest.raises(ValueError, match="n_enroll"):
        ev.identification_accuracy(X, y, n_enroll=12)
    assert ev.separation_ratio(X, y) > 2 > ev.separation_ratio(Xr, y)
    np.testing.assert_allclose(np.linalg.norm(ev.l2_normalize(X), axis=1), 1.0)


def test_enrollment_curve_improves_with_more_data():
    X, y = _clusters(per=40, spread=1.2)
    test_X, test_y = _clusters(per=10, spread=1.2, seed=0)
    curve = enrollment_curve(X, y, test_X, test_y, seconds=(1, 8, 32), n_draws=4)
    assert list(curve.columns) == ["seconds", "draw", "accuracy"]
    means = curve.groupby("seconds").accuracy.mean()
    assert means[32.0] >= means[1.0]
    # too long for the data: skipped, not an error
    assert 100.0 not in enrollment_curve(X, y, test_X, test_y, seconds=(1, 100), n_draws=1).seconds.values
    with pytest.raises(ValueError, match="no enrollment"):
        enrollment_curve(X, y, test_X, test_y + 10)
    with pytest.raises(ValueError, match="two enrolled"):
        enrollment_curve(X[:5], np.zeros(5), test_X[:2], np.zeros(2))


def test_speech_segments_and_segment_embeddings(tone, tmp_path, monkeypatch, write_wav):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    y, sr = tone
    y2 = np.tile(y, 3)                      # 3 s
    segs = speech_segments(y2, sr, seg_seconds=1.0)
    assert len(segs) == 3 and all(len(s) == 16000 for s in segs)
    assert len(speech_segments(y[:4000], sr)) == 1
    with pytest.raises(AudioError):
        speech_segments(np.zeros(sr, np.float32), sr)

    from course_utils.embeddings.embedders import MFCCStatsEmbedder

    emb = MFCCStatsEmbedder()
    p = write_wav("three.wav", y2, sr)
    X, idx = segment_embeddings(emb, [p, p], progress=False)
    assert X.shape == (6, 120) and list(idx) == [0, 0, 0, 1, 1, 1]
    X2, _ = segment_embeddings(emb, [p, p], progress=False)      # from the cache
    np.testing.assert_array_equal(X, X2)
