"""The shared concept modules: cache, checkpoint, parallel, training, corruptions, frame_mfcc."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest
import torch

from course_utils import cache, checkpoint, corruptions, parallel, training
from course_utils.features import extract_cached, frame_mfcc, mfcc


# ----------------------------------------------------------------------------------- cache
def test_file_digest_is_content_not_stamp(tmp_path):
    a = tmp_path / "a.bin"
    a.write_bytes(b"x" * 100)
    st = a.stat()
    d1 = cache.file_digest(a)
    a.write_bytes(b"y" * 100)                     # same size ...
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))  # ... and the old timestamp (cp -p, rsync -t)
    assert cache.file_digest(a) != d1
    assert cache.file_digest(tmp_path / "missing").startswith("missing:")


def test_extract_cached_sees_rewritten_file_with_old_timestamp(tmp_path, monkeypatch, tone, write_wav):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    y, sr = tone
    path = write_wav("a.wav", y, sr)
    st = path.stat()
    first = extract_cached([path], lambda y, sr: np.array([y.std()]), sr=sr, progress=False)
    write_wav("a.wav", y * 0.5, sr)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    second = extract_cached([path], lambda y, sr: np.array([y.std()]), sr=sr, progress=False)
    assert second[0, 0] == pytest.approx(first[0, 0] * 0.5, rel=1e-3)


def test_load_entry_recovers_from_corrupt_and_invalid_entries(tmp_path):
    path = tmp_path / "e-1.npz"
    cache.save_entry(path, X=np.ones(3))
    assert np.array_equal(cache.load_entry(path, required=["X"])["X"], np.ones(3))
    path.write_bytes(path.read_bytes()[:20])  # truncated
    with pytest.warns(cache.CacheWarning, match="unreadable"):
        assert cache.load_entry(path) is None
    assert not path.exists()  # deleted, so the next call recomputes instead of failing again
    cache.save_entry(path, X=np.array([1.0, np.nan]))
    with pytest.warns(cache.CacheWarning, match="NaN"):
        assert cache.load_entry(path) is None
    cache.save_entry(path, X=np.ones(3))
    with pytest.warns(cache.CacheWarning, match="missing arrays"):
        assert cache.load_entry(path, required=["Y"]) is None
    cache.save_entry(path, X=np.ones(3))
    with pytest.warns(cache.CacheWarning, match="wrong shape"):
        assert cache.load_entry(path, validate=lambda z: "of the wrong shape") is None


def test_cached_arrays_computes_once(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"X": np.arange(4.0)}

    path = tmp_path / "c-1.npz"
    for _ in range(2):
        assert np.array_equal(cache.cached_arrays(path, compute)["X"], np.arange(4.0))
    assert len(calls) == 1


def test_atomic_path_keeps_old_file_on_failure_and_cleans_up(tmp_path):
    target = tmp_path / "f.txt"
    cache.atomic_write_text(target, "old")
    with pytest.raises(RuntimeError):
        with cache.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_clean_orphans_removes_only_old_temporaries(tmp_path):
    old = tmp_path / ".x.npz.tmp-1-abc"
    new = tmp_path / ".y.npz.tmp-2-def"
    keep = tmp_path / "z.npz"
    for p in (old, new):
        p.mkdir()
        (p / "x.npz").write_bytes(b"")
    keep.write_bytes(b"")
    past = time.time() - 2 * cache.ORPHAN_AGE_SECONDS
    os.utime(old, (past, past))
    assert cache.clean_orphans(tmp_path) == [old]
    assert new.exists() and keep.exists()


def test_save_entry_refuses_objects(tmp_path):
    with pytest.raises(TypeError, match="objects"):
        cache.save_entry(tmp_path / "o.npz", X=np.array([{"a": 1}], dtype=object))


def test_key_of_changes_with_every_part():
    assert cache.key_of("a", 1) != cache.key_of("a", 2) != cache.key_of("b", 2)
    assert cache.key_of({"x": 1, "y": 2}) == cache.key_of({"y": 2, "x": 1})


# ------------------------------------------------------------------------------ checkpoint
def test_checkpoint_round_trip_and_tampering(tmp_path):
    model = torch.nn.Linear(3, 2)
    path = tmp_path / "m.pt"
    digest = checkpoint.save_checkpoint(path, model.state_dict(), {"history": [1.0]})
    other = torch.nn.Linear(3, 2)
    meta = checkpoint.load_into(other, path, sha256=digest)
    assert meta == {"history": [1.0]}
    assert checkpoint.state_digest(other) == checkpoint.state_digest(model)
    with pytest.raises(checkpoint.CheckpointError, match="SHA-256"):
        checkpoint.load_checkpoint(path, sha256="0" * 64)
    with pytest.raises(checkpoint.CheckpointError, match="does not fit"):
        checkpoint.load_into(torch.nn.Linear(4, 2), path)
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(checkpoint.CheckpointError, match="m.pt"):
        checkpoint.load_checkpoint(path)
    bad = {"weight": torch.tensor([float("nan")])}
    checkpoint.save_checkpoint(path, bad)
    with pytest.raises(checkpoint.CheckpointError, match="NaN"):
        checkpoint.load_checkpoint(path)
    checkpoint.save_checkpoint(path, model.state_dict())
    path.with_suffix(".json").write_text("[" * 200_000)
    with pytest.raises(checkpoint.CheckpointError, match="JSON"):
        checkpoint.load_checkpoint(path)


def test_saved_checkpoint_bytes_are_reproducible(tmp_path):
    """torch.save names the archive after the file: the atomic save must write under the final name."""
    state = {"w": torch.arange(6.0).reshape(2, 3)}
    torch.save(state, tmp_path / "direct.pt")
    (tmp_path / "a").mkdir()
    checkpoint.save_checkpoint(tmp_path / "a" / "direct.pt", state)
    first = cache.file_digest(tmp_path / "a" / "direct.pt")
    checkpoint.save_checkpoint(tmp_path / "a" / "direct.pt", state)
    assert cache.file_digest(tmp_path / "a" / "direct.pt") == first == cache.file_digest(tmp_path / "direct.pt")


def test_state_digest_changes_with_one_weight():
    model = torch.nn.Linear(3, 2)
    before = checkpoint.state_digest(model)
    with torch.no_grad():
        model.weight[0, 0] += 1e-6
    assert checkpoint.state_digest(model) != before


def test_cached_model_trains_once(tmp_path):
    calls = []

    def train(model):
        calls.append(1)
        with torch.no_grad():
            model.weight.fill_(0.5)
        return {"history": {"train loss": [0.1]}}

    path = tmp_path / "cm.pt"
    m1 = torch.nn.Linear(2, 1)
    meta1, hit1 = checkpoint.cached_model(path, m1, lambda: train(m1))
    m2 = torch.nn.Linear(2, 1)
    meta2, hit2 = checkpoint.cached_model(path, m2, lambda: train(m2))
    assert (hit1, hit2) == (False, True) and len(calls) == 1 and meta1 == meta2
    assert torch.equal(m2.weight, torch.full_like(m2.weight, 0.5))


# -------------------------------------------------------------------------- parallel
def test_n_jobs_for(monkeypatch):
    monkeypatch.setenv("COURSE_N_JOBS", "1")
    assert parallel.n_jobs_for(10_000) == 1
    monkeypatch.setenv("COURSE_N_JOBS", "3")
    assert parallel.n_jobs_for(10_000) == 3 and parallel.n_jobs_for(parallel.PARALLEL_MIN_FILES - 1) == 1
    assert parallel.n_jobs_for(10_000, n_jobs=2) == 2
    monkeypatch.setenv("COURSE_N_JOBS", "many")
    with pytest.raises(ValueError, match="COURSE_N_JOBS"):
        parallel.n_jobs_for(10_000)


def test_torch_threads_restores():
    old = torch.get_num_threads()
    with parallel.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == old


# -------------------------------------------------------------------------- training
def _toy_problem(seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(64, 4, generator=g)
    y = (X[:, 0] > 0).long()
    return X, y


def test_fit_learns_and_is_reproducible():
    def run():
        torch.manual_seed(0)
        X, y = _toy_problem()
        model = torch.nn.Linear(4, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        rng = np.random.default_rng(0)

        def batches(epoch):
            order = rng.permutation(len(X))
            for s in range(0, len(X), 16):
                yield order[s:s + 16]

        def step(idx):
            logits = model(X[idx])
            acc = float((logits.argmax(1) == y[idx]).float().mean())
            return torch.nn.functional.cross_entropy(logits, y[idx]), len(idx), {"train accuracy": acc}

        hist = training.fit(model, opt, batches, step, epochs=5, seed=0, progress=False,
                            evaluate=lambda: {"validation accuracy": float((model(X).argmax(1) == y).float().mean())})
        return model, hist

    m1, h1 = run()
    m2, h2 = run()
    assert h1 == h2 and torch.equal(m1.weight, m2.weight)
    assert h1["train loss"][-1] < h1["train loss"][0]
    assert h1["validation accuracy"][-1] > 0.9
    assert set(h1) == {"train loss", "train accuracy", "validation accuracy"}


def test_fit_early_stopping_restores_best_epoch():
    model = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    target = torch.tensor([[1.0]])
    scores = iter([0.5, 0.9, 0.4, 0.3, 0.2, 0.1])
    weights = []

    def step(_):
        return ((model(torch.ones(1, 1)) - target) ** 2).sum()

    def evaluate():
        weights.append(model.weight.item())
        return {"score": next(scores)}

    hist = training.fit(model, opt, lambda e: [None], step, epochs=6, evaluate=evaluate, monitor="score",
                        patience=2, progress=False)
    assert len(hist["score"]) == 4  # stopped after two epochs without improvement
    assert model.weight.item() == pytest.approx(weights[1])  # the best (second) epoch's weights


def test_fit_rejects_half_configured_early_stopping():
    model = torch.nn.Linear(1, 1)
    with pytest.raises(ValueError, match="early stopping"):
        training.fit(model, torch.optim.SGD(model.parameters(), lr=0.1), lambda e: [], lambda b: None,
                     epochs=1, monitor="x", progress=False)


# ----------------------------------------------------------------------- corruptions
def test_noises_are_peak_normalised_and_seeded():
    for make in (corruptions.white_noise, corruptions.pink_noise):
        a = make(0.5, 16000, np.random.default_rng(0))
        assert a.shape == (8000,) and np.max(np.abs(a)) == pytest.approx(0.5)
        assert np.array_equal(a, make(0.5, 16000, np.random.default_rng(0)))


def test_babble_needs_two_talkers_and_has_the_length():
    utts = [np.random.default_rng(i).normal(size=4000).astype(np.float32) * 0.1 for i in range(3)]
    out = corruptions.babble(utts, 10_000, np.random.default_rng(0), n_talkers=3)
    assert out.shape == (10_000,) and np.max(np.abs(out)) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="at least 2"):
        corruptions.babble(utts[:1], 100, np.random.default_rng(0))


def test_spec_augment_masks_every_position_including_the_last_bin():
    S = np.ones((1, 8, 8), np.float32)
    hits = np.zeros(8)
    for seed in range(300):
        out = corruptions.spec_augment(S, np.random.default_rng(seed), n_freq=1, max_freq=2, n_time=0, fill=0.0)
        hits += (out[0, :, 0] == 0)
    assert np.all(hits > 0)  # no off-by-one: the top bin can be masked too
    assert np.array_equal(S, np.ones((1, 8, 8)))  # input untouched


def test_replay_and_reverb_keep_length_and_level(tone):
    y, sr = tone
    for out in (corruptions.simulate_replay(y, sr), corruptions.reverberate(y, sr)):
        assert out.shape == y.shape
        assert np.sqrt(np.mean(out**2)) == pytest.approx(np.sqrt(np.mean(y**2)), rel=1e-3)


def test_perturb_rejects_unknown_kind(tone):
    y, sr = tone
    with pytest.raises(ValueError, match="perturb"):
        corruptions.perturb(y, sr, "reverse")


# ------------------------------------------------------------------------- frame_mfcc
def test_frame_mfcc_variants(tone):
    y, sr = tone
    m = mfcc(y, sr)
    assert np.allclose(frame_mfcc(y, sr), m.T)
    F = frame_mfcc(y, sr, n_deltas=1, normalize="mean")
    assert F.shape == (m.shape[1], 40) and np.allclose(F.mean(0), 0, atol=1e-4)
    G = frame_mfcc(y, sr, normalize="meanvar")
    assert G.dtype == np.float64 and np.allclose(G.std(0), 1, atol=1e-3)
    with pytest.raises(ValueError, match="normalize"):
        frame_mfcc(y, sr, normalize="cmn")


def test_worker_processes_get_the_known_warning_filters(monkeypatch):
    """Workers print into the notebook: their known, harmless import warning is filtered for them only."""
    monkeypatch.setenv("PYTHONWARNINGS", "default::DeprecationWarning")
    parallel._worker_warning_filters()
    parallel._worker_warning_filters()  # idempotent
    filters = __import__("os").environ["PYTHONWARNINGS"].split(",")
    assert filters[0] == "default::DeprecationWarning"
    assert filters.count(parallel.WORKER_WARNING_FILTERS[0]) == 1
