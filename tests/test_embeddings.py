"""Unit tests for course_utils.embeddings (synthetic signals only; no dataset needed)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.audio import AudioError
from course_utils import embeddings as E
from course_utils.embeddings import xvector as XV
from course_utils.embeddings.dvector import DVector, sliding_embed
from course_utils.embeddings.ivector import IVectorExtractor, mfcc_frames
from course_utils.embeddings.train import random_crops, sample_triplets, train_classifier, train_triplet, triplet_loss
from course_utils.synth import make_speaker, synthesize_utterance


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def tiny_df(speaker_table):
    """Three synthetic speakers, four 0.8 s utterances each (16 kHz)."""
    return speaker_table(3, 4)


# ----------------------------------------------------------------------------- x-vector
def test_stats_pooling_matches_numpy():
    h = torch.randn(3, 5, 40)
    got = XV.stats_pooling(h).numpy()
    want = np.concatenate([h.numpy().mean(2), h.numpy().std(2)], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert got.shape == (3, 10)
    const = XV.stats_pooling(torch.ones(1, 2, 7))
    assert torch.isfinite(const).all()
    with pytest.raises(ValueError, match="batch, channels, frames"):
        XV.stats_pooling(torch.ones(4, 5))


def test_attentive_pooling_with_uniform_weights_is_stats_pooling():
    pool = XV.AttentiveStatsPool(6, bottleneck=4)
    torch.nn.init.zeros_(pool.attention[2].weight)
    torch.nn.init.zeros_(pool.attention[2].bias)
    h = torch.randn(2, 6, 30)
    np.testing.assert_allclose(pool(h).detach().numpy(), XV.stats_pooling(h).numpy(), rtol=1e-4, atol=1e-4)
    w = pool.weights(h)
    np.testing.assert_allclose(w.sum(2).detach().numpy(), 1.0, rtol=1e-5)


def test_full_xvector_parameter_count_layer_by_layer():
    model = XV.full_xvector()
    table = XV.xvector_layer_table()
    assert int(table["total"].sum()) == XV.count_parameters(model)
    by_module = XV.module_layer_counts(model)
    assert by_module["frame1"] == 40 * 5 * 512 + 512 + 2 * 512
    assert by_module["segment6"] == 3000 * 512 + 512 + 2 * 512
    assert sum(by_module.values()) == XV.count_parameters(model)
    assert XV.count_parameters(model) != XV.SEED_PARAM_COUNT
    assert model.receptive_field == 15
    with_softmax = XV.xvector_layer_table(n_speakers=10)
    assert with_softmax["total"].sum() - table["total"].sum() == 512 * 10 + 10


def test_small_xvector_shapes_and_short_input():
    model = XV.small_xvector().eval()
    with torch.no_grad():
        assert model(torch.randn(2, 40, 100)).shape == (2, 128)
        assert model(torch.randn(1, 40, 5)).shape == (1, 128)  # shorter than the 15-frame context
    with pytest.raises(ValueError, match="expected input"):
        model(torch.randn(2, 20, 100))
    with pytest.raises(ValueError, match="pooling"):
        XV.XVector(pooling="max")


def test_aam_softmax_margin():
    head = XV.AAMSoftmax(8, 4, margin=0.3, scale=10.0)
    x = torch.randn(5, 8)
    y = torch.tensor([0, 1, 2, 3, 0])
    plain = head(x)
    cos = head.cosine(x)
    np.testing.assert_allclose(plain.detach().numpy(), 10 * cos.detach().numpy(), rtol=1e-5)
    margin = head(x, y)
    rows = torch.arange(5)
    assert torch.all(margin[rows, y] < plain[rows, y])  # the true class is penalised
    other = torch.ones_like(plain, dtype=torch.bool); other[rows, y] = False
    assert torch.allclose(margin[other], plain[other])
    theta = torch.acos(cos[rows, y].clamp(-1, 1))
    ok = theta + 0.3 < np.pi
    np.testing.assert_allclose(margin[rows, y][ok].detach().numpy(), 10 * torch.cos(theta + 0.3)[ok].detach().numpy(), rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------- training pieces
def test_random_crops_tiles_short_inputs():
    feats = [np.arange(20, dtype=np.float32).reshape(2, 10), np.ones((2, 50), np.float32)]
    x = random_crops(feats, [0, 1], 25, np.random.default_rng(0))
    assert x.shape == (2, 2, 25)


def test_sample_triplets_are_valid():
    labels = np.array([0, 0, 1, 1, 2, 2, 2])
    for mining in ("random", "all"):
        t = sample_triplets(labels, np.random.default_rng(0), mining)
        assert len(t)
        assert np.all(labels[t[:, 0]] == labels[t[:, 1]])
        assert np.all(labels[t[:, 0]] != labels[t[:, 2]])
        assert np.all(t[:, 0] != t[:, 1])
    # all triplets: sum over anchors of (positives x negatives) = 2*1*5 + 2*1*5 + 3*2*4
    assert len(sample_triplets(labels, mining="all")) == 10 + 10 + 24
    with pytest.raises(ValueError, match="mining"):
        sample_triplets(labels, mining="hard")


def test_triplet_loss_zero_when_separated_and_positive_when_not():
    emb = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    t = np.array([[0, 1, 2]])
    assert float(triplet_loss(emb, t, margin=0.3)) == 0.0
    assert float(triplet_loss(emb, np.array([[0, 2, 1]]), margin=0.3)) > 0.3


def test_training_loops_reduce_loss():
    rng = np.random.default_rng(0)
    feats = [rng.normal(size=(40, 60)).astype(np.float32) + (i % 2) for i in range(16)]
    labels = np.arange(16) % 2
    torch.manual_seed(0)
    model = XV.XVector(40, channels=(16, 16, 16, 16, 32), emb_dim=8, seg_dim=8)
    hist = train_classifier(model, torch.nn.Linear(8, 2), feats, labels, epochs=4, n_frames=30, batch_size=8,
                            progress=False)
    assert len(hist["train loss"]) == 4 and hist["train loss"][-1] < hist["train loss"][0]
    dv = DVector(40, hidden=8, layers=1, emb_dim=4)
    hist = train_triplet(dv, feats, labels, epochs=2, speakers_per_batch=2, utts_per_speaker=3, n_frames=30,
                         progress=False)
    assert set(hist) == {"triplet loss", "active triplets"} and len(hist["triplet loss"]) == 2
    e = sliding_embed(dv, feats[0], win=20, hop=10)
    assert e.shape == (4,) and abs(np.linalg.norm(e) - 1) < 1e-5
    with pytest.raises(ValueError, match="labels"):
        train_classifier(model, torch.nn.Linear(8, 2), feats, labels[:3], progress=False)


# ----------------------------------------------------------------------------- i-vector
def test_ivector_extractor_recovers_structure_and_roundtrips():
    rng = np.random.default_rng(0)
    D = 4
    # two "speakers": frames shifted by +/-1 around a shared 3-blob UBM
    blobs = rng.normal(scale=3.0, size=(3, D))
    def utt(shift):
        c = rng.integers(0, 3, size=200)
        return (blobs[c] + rng.normal(size=(200, D)) + shift).astype(np.float32)
    frames = [utt(+1.0) for _ in range(10)] + [utt(-1.0) for _ in range(10)]
    ext = IVectorExtractor(n_components=3, tv_dim=2, n_iter=4, seed=0).fit(frames, progress=False)
    W = ext.transform(frames)
    assert W.shape == (20, 2)
    # the first i-vector dimension(s) separate the two groups
    d = np.linalg.norm(W[:10].mean(0) - W[10:].mean(0))
    spread = W[:10].std(0).mean() + W[10:].std(0).mean()
    assert d > 2 * spread
    again = IVectorExtractor.from_state(ext.state()).transform(frames)
    np.testing.assert_allclose(again, W, rtol=1e-5, atol=1e-5)
    N, F = ext.stats(frames[0])
    assert N.shape == (3,) and F.shape == (3, D) and abs(N.sum() - 200) < 1e-6
    with pytest.raises(ValueError, match="two utterances"):
        IVectorExtractor().fit(frames[:1], progress=False)


def test_mfcc_frames_shape(tone):
    y, sr = tone
    X = mfcc_frames(y, sr)
    assert X.shape[1] == 40 and np.allclose(X.mean(0), 0, atol=1e-3)


# ----------------------------------------------------------------------------- API
def test_load_or_train_rejects_bad_arguments(tiny_df):
    with pytest.raises(ValueError, match="unknown kind"):
        E.load_or_train("wav2vec")
    with pytest.raises(ValueError, match="columns"):
        E.load_or_train("mfcc_stats", tiny_df.drop(columns="speaker"))
    with pytest.raises(ValueError, match="two speakers"):
        E.load_or_train("mfcc_stats", tiny_df.assign(speaker="one"))
    assert E.KINDS == ("mfcc_stats", "ivector", "xvector_ce", "xvector_aam", "dvector", "resemblyzer")


@pytest.mark.parametrize("kind", ["mfcc_stats", "xvector_ce", "dvector"])
def test_load_or_train_caches_and_embeds(kind, tiny_df, cache, monkeypatch, tmp_path, write_wav):
    monkeypatch.setitem(E.CONFIGS, kind, dict(E.CONFIGS[kind], **({"epochs": 1} if "epochs" in E.CONFIGS[kind] else {})))
    emb = E.load_or_train(kind, tiny_df, seed=0, progress=False)
    assert emb.info["from_cache"] is False and emb.name == kind
    X = emb.embed_paths(tiny_df["path"], progress=False)
    assert X.shape == (len(tiny_df), emb.dim) and X.dtype == np.float32 and np.isfinite(X).all()
    again = E.load_or_train(kind, tiny_df, seed=0, progress=False)
    assert again.info["from_cache"] is True
    np.testing.assert_allclose(again.embed_paths(tiny_df["path"], progress=False), X, rtol=1e-5, atol=1e-5)
    assert list((cache / "models").glob(f"{kind}-*.json"))
    # one signal
    import soundfile as sf
    y, sr = sf.read(tiny_df["path"][0], dtype="float32")
    v = emb.embed(y, sr)
    assert v.shape == (emb.dim,) and v.dtype == np.float32
    np.testing.assert_allclose(v, X[0], rtol=1e-4, atol=1e-4)
    # another sample rate is resampled, not rejected
    assert emb.embed(y[::2], sr // 2).shape == (emb.dim,)
    # bad audio: clear AudioError
    with pytest.raises(AudioError, match="empty"):
        emb.embed(np.zeros(0, np.float32), sr)
    with pytest.raises(AudioError, match="silent"):
        emb.embed(np.zeros(sr, np.float32), sr)
    with pytest.raises(AudioError, match="at least 0.1 s"):
        emb.embed(y[: sr // 50], sr)
    with pytest.raises(AudioError, match="NaN"):
        emb.embed(np.full(sr, np.nan, np.float32), sr)
    with pytest.raises(ValueError, match="sr"):
        emb.embed(y, 0)
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF....not audio")
    with pytest.raises(AudioError, match="broken.wav"):
        emb.embed_paths([tiny_df["path"][0], bad], progress=False)
    short = write_wav("short.wav", y[: sr // 50], sr)
    with pytest.raises(AudioError, match="short.wav"):
        emb.embed_paths([short], progress=False)


@pytest.mark.parametrize("kind", ["mfcc_stats", "xvector_ce"])
def test_embed_paths_in_worker_processes_matches_one_process(kind, tiny_df, cache, monkeypatch, tmp_path):
    import course_utils.parallel as P

    monkeypatch.setitem(E.CONFIGS, kind, dict(E.CONFIGS[kind], **({"epochs": 1} if "epochs" in E.CONFIGS[kind] else {})))
    emb = E.load_or_train(kind, tiny_df, seed=0, progress=False)
    monkeypatch.setattr(P, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setenv("COURSE_N_JOBS", "1")
    serial = emb.embed_paths(tiny_df["path"], progress=False)
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "other-cache"))
    monkeypatch.setenv("COURSE_N_JOBS", "2")
    np.testing.assert_array_equal(emb.embed_paths(tiny_df["path"], progress=False), serial)
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF....not audio")
    with pytest.raises(AudioError, match="broken.wav"):  # a worker's error still names the file
        emb.embed_paths(list(tiny_df["path"]) + [str(bad)], progress=False)


def test_ivector_and_aam_kinds_train_on_tiny_data(tiny_df, cache, monkeypatch):
    monkeypatch.setitem(E.CONFIGS, "ivector", dict(E.CONFIGS["ivector"], n_components=4, tv_dim=3, n_iter=2))
    monkeypatch.setitem(E.CONFIGS, "xvector_aam", dict(E.CONFIGS["xvector_aam"], epochs=1))
    for kind in ("ivector", "xvector_aam"):
        emb = E.load_or_train(kind, tiny_df, progress=False)
        X = emb.embed_paths(tiny_df["path"][:3], progress=False)
        assert X.shape == (3, emb.dim) and np.isfinite(X).all()
    assert E.model_path("ivector", tiny_df).exists()


def test_seed_changes_weights_but_not_the_api(tiny_df, cache, monkeypatch):
    monkeypatch.setitem(E.CONFIGS, "xvector_ce", dict(E.CONFIGS["xvector_ce"], epochs=1))
    a = E.load_or_train("xvector_ce", tiny_df, seed=0, progress=False)
    b = E.load_or_train("xvector_ce", tiny_df, seed=1, progress=False)
    assert a.key != b.key
    y = synthesize_utterance("mamasi", make_speaker(7), sr=16000)
    assert not np.allclose(a.embed(y, 16000), b.embed(y, 16000))


def test_resemblyzer_wrapper(tone):
    emb = E.load_or_train("resemblyzer")
    y = synthesize_utterance("mamasi_nofe", make_speaker(2), sr=16000)
    v = emb.embed(y, 16000)
    assert v.shape == (256,) and emb.dim == 256 and abs(np.linalg.norm(v) - 1) < 1e-4
    with pytest.raises(AudioError, match="silent"):
        emb.embed(np.zeros(16000, np.float32), 16000)
