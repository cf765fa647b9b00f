"""Tests of course_utils.enhancement on synthetic signals (no dataset needed, fast)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from course_utils import corruptions as C
from course_utils import enhancement as E
from course_utils.audio import AudioError, mix_at_snr
from course_utils.checkpoint import CheckpointError
from course_utils.metrics.enhancement import si_sdr

SR = 16000


@pytest.fixture
def clean():
    """1.5 s: 0.4 s of silence, then a harmonic 'vowel' with a syllable envelope."""
    t = np.arange(int(1.1 * SR)) / SR
    f0 = 150 + 15 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    y = sum(np.sin(k * phase) / k for k in range(1, 15)) * (0.2 + np.sin(np.pi * t / t[-1]) ** 2)
    return np.concatenate([np.zeros(int(0.4 * SR)), 0.2 * y]).astype(np.float32)


@pytest.fixture
def white_mix(clean):
    noise = C.white_noise(3, SR, np.random.default_rng(0))
    mix, nz = mix_at_snr(clean, noise, 0.0, rng=np.random.default_rng(1), return_noise=True)
    return mix, nz


@pytest.mark.parametrize("func", [E.spectral_subtraction, E.spectral_subtraction_seed, E.wiener_filter,
                                  E.noisereduce_stationary])
def test_classical_methods_improve_white_noise(func, clean, white_mix):
    mix, _ = white_mix
    out = func(mix, SR)
    assert out.shape == mix.shape and out.dtype == np.float32
    assert si_sdr(clean, out) > si_sdr(clean, mix) + 2


def test_noisereduce_nonstationary_runs(white_mix):
    # its noise floor adapts over ~2 s, longer than this clip: only the interface is tested here
    mix, _ = white_mix
    out = E.noisereduce_nonstationary(mix, SR)
    assert out.shape == mix.shape and out.dtype == np.float32 and np.all(np.isfinite(out))


def test_spectral_subtraction_formula(clean, white_mix):
    mix, _ = white_mix
    # alpha=0, beta=0 keeps the signal (the STFT round trip is near perfect)
    same = E.spectral_subtraction(mix, SR, alpha=0.0, beta=0.0)
    assert np.max(np.abs(same - mix)) < 1e-4
    # a huge floor keeps more noise than a small one; more over-subtraction removes more energy
    assert np.sum(E.spectral_subtraction(mix, SR, beta=1.0) ** 2) > np.sum(E.spectral_subtraction(mix, SR, beta=0.0) ** 2)
    assert np.sum(E.spectral_subtraction(mix, SR, alpha=6.0) ** 2) < np.sum(E.spectral_subtraction(mix, SR, alpha=1.0) ** 2)
    with pytest.raises(ValueError, match="alpha"):
        E.spectral_subtraction(mix, SR, alpha=-1)
    # an explicit noise recording can replace the leading-silence estimate
    nz = C.white_noise(1, SR, np.random.default_rng(5))
    assert E.spectral_subtraction(mix, SR, noise=0.2 * nz).shape == mix.shape


def test_noise_psd_estimate_needs_enough_frames():
    P = np.ones((257, 10))
    assert E.estimate_noise_psd(P, SR, noise_seconds=0.05).shape == (257, 1)
    with pytest.raises(AudioError, match="noise_seconds"):
        E.estimate_noise_psd(P, SR, noise_seconds=1.0)


@pytest.mark.parametrize("func", [E.spectral_subtraction, E.wiener_filter, E.noisereduce_stationary])
def test_bad_input_is_rejected_clearly(func):
    with pytest.raises(AudioError, match="empty"):
        func(np.zeros(0, np.float32), SR)
    bad = np.ones(SR, np.float32)
    bad[3] = np.nan
    with pytest.raises(AudioError, match="NaN"):
        func(bad, SR)
    with pytest.raises(AudioError, match="too short"):
        func(np.ones(100, np.float32), SR)
    with pytest.raises(AudioError, match="sample rate"):
        func(np.ones(SR, np.float32), 0)
    with pytest.raises(AudioError, match="mono"):
        func(np.ones((2, SR), np.float32), SR)


def test_any_sample_rate_works(clean, white_mix):
    import librosa

    mix, _ = white_mix
    mix8 = librosa.resample(mix, orig_sr=SR, target_sr=8000)
    clean8 = librosa.resample(clean, orig_sr=SR, target_sr=8000)
    assert E.stft_params(8000) == (256, 64) and E.stft_params(SR) == (512, 128)
    out = E.wiener_filter(mix8, 8000)
    assert out.shape == mix8.shape and si_sdr(clean8, out) > si_sdr(clean8, mix8) + 2
    model = E.MaskNet(hidden=8)
    assert E.mask_net_enhance(model, mix8, 8000).shape == mix8.shape  # resampled to 16 kHz and back


def test_oracle_masks(clean, white_mix):
    mix, nz = white_mix
    irm = E.ideal_ratio_mask(clean, nz, SR)
    ibm = E.ideal_binary_mask(clean, nz, SR)
    assert irm.shape == ibm.shape == E.stft(mix, SR).shape
    assert irm.min() >= 0 and irm.max() <= 1 and set(np.unique(ibm)) <= {0.0, 1.0}
    s_r, s_b = (si_sdr(clean, E.oracle_enhance(clean, nz, SR, k)) for k in ("ratio", "binary"))
    assert s_r > 10 and s_b > 10
    assert si_sdr(clean, E.apply_mask(mix, np.ones_like(irm), SR)) == pytest.approx(si_sdr(clean, mix), abs=0.01)
    with pytest.raises(ValueError, match="shape"):
        E.apply_mask(mix, irm[:, :-1], SR)
    with pytest.raises(AudioError, match="samples"):
        E.ideal_ratio_mask(clean, nz[:-5], SR)
    with pytest.raises(ValueError, match="kind"):
        E.oracle_enhance(clean, nz, SR, "soft")


def test_noise_builders(clean):
    rng = np.random.default_rng(0)
    w, p = C.white_noise(2, SR, rng), C.pink_noise(2, SR, rng)
    assert w.shape == p.shape == (2 * SR,)
    # pink noise: much more energy below 500 Hz than above 4 kHz, white: the reverse per Hz band share
    def low_high(y):
        P = np.abs(np.fft.rfft(y)) ** 2
        f = np.fft.rfftfreq(y.size, 1 / SR)
        return P[(f > 50) & (f < 500)].mean() / P[f > 4000].mean()
    assert low_high(p) > 20 and 0.5 < low_high(w) < 2
    other = [np.roll(clean, k) + 0.01 for k in (0, 3000, 7000)]
    b = C.babble(other, 2 * SR, rng, n_talkers=3)
    assert b.shape == (2 * SR,) and np.all(np.isfinite(b))
    with pytest.raises(ValueError, match="2 utterances"):
        C.babble(other[:1], 2 * SR, rng)
    m = C.synthetic_music(3, SR, seed=1)
    assert m.shape == (3 * SR,) and np.max(np.abs(m)) == pytest.approx(0.5, abs=1e-3)
    # train and test parts differ; unknown kinds and parts are refused
    assert not np.allclose(E.make_noise("white", 1, SR, part="train"), E.make_noise("white", 1, SR, part="test"))
    with pytest.raises(ValueError, match="noise kind"):
        E.make_noise("traffic", 1, SR, part="train")
    with pytest.raises(ValueError, match="part"):
        E.make_noise("white", 1, SR, part="dev")
    with pytest.raises(ValueError, match="babble_pool"):
        E.make_noise("babble", 1, SR, part="test")


def test_music_noise_offline_fallback(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("LIBROSA_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("course_utils.datasets.data_dir", lambda: tmp_path)
    y, synthetic = C.music_noise(2, SR, np.random.default_rng(0), part="train")
    assert synthetic and y.shape == (2 * SR,)


def test_mask_net_training_and_cache(monkeypatch, tmp_path, clean):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    noises = {"white": C.white_noise(3, SR, np.random.default_rng(0))}
    kw = dict(steps=6, batch_size=2, crop_seconds=0.5, hidden=8, progress=False)
    model, hist, cached = E.load_or_train_mask_net([clean], noises, **kw)
    assert not cached and len(hist["loss"]) == 6 and np.all(np.isfinite(hist["loss"]))
    weights = list((tmp_path / "models").glob("*.pt"))
    assert len(weights) == 1 and json.loads(weights[0].with_suffix(".json").read_text())["hidden"] == 8
    model2, hist2, cached2 = E.load_or_train_mask_net([clean], noises, **kw)
    assert cached2 and hist2 == hist
    mix = mix_at_snr(clean, noises["white"], 5.0)
    a, b = E.mask_net_enhance(model, mix, SR), E.mask_net_enhance(model2, mix, SR)
    assert a.shape == mix.shape and np.allclose(a, b)
    m3, h3 = E.train_mask_net([clean], noises, loss="magnitude", **kw)
    assert len(h3["loss"]) == 6 and h3["loss"][0] > 0  # a squared error, whereas -SI-SDR can be negative
    with pytest.raises(ValueError, match="loss"):
        E.train_mask_net([clean], noises, loss="l1", **kw)
    with pytest.raises(AudioError, match="16000"):
        E.train_mask_net([clean], noises, sr=8000, **kw)
    with pytest.raises(ValueError, match="at least one"):
        E.train_mask_net([], noises, **kw)


def test_experiment_helpers(clean, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    noises = {"white": C.white_noise(3, SR, np.random.default_rng(0)), "pink": C.pink_noise(3, SR, np.random.default_rng(1))}
    mixes = E.make_mixtures([clean], noises, [0.0, 5.0])
    assert len(mixes) == 4 and {m["noise"] for m in mixes} == {"white", "pink"}
    for m in mixes:
        assert np.allclose(m["mix"], m["clean"] + m["noise_sig"], atol=1e-6)
    methods = {k: v for k, v in E.enhance_methods().items() if not k.startswith("noisereduce")}
    scores = E.evaluate_methods(mixes, methods, SR, full_metrics_snrs=(0.0,), cache=True, progress=False)
    assert len(scores) == 4 * len(methods)
    assert scores[scores.snr == 0].pesq.notna().all() and scores[scores.snr == 5].pesq.isna().all()
    again = E.evaluate_methods(mixes, methods, SR, full_metrics_snrs=(0.0,), cache=True, progress=False)
    assert np.allclose(again.si_sdr, scores.si_sdr)
    only_white = E.evaluate_methods(mixes, methods, SR, full_metrics_noises=("white",), progress=False)
    full = only_white[only_white.pesq.notna()]
    assert set(full.noise) == {"white"} and set(full.snr) == {0.0}
    table = E.summarize(scores, snr=0)
    assert list(table.index) == list(methods)
    assert table.loc["oracle ratio mask", ("si_sdr", "white")] > table.loc["noisy", ("si_sdr", "white")]
    import matplotlib

    matplotlib.use("Agg")
    assert E.plot_results(scores, "si_sdr", improvement=True) is not None
    assert E.plot_spectrograms({"a": clean, "b": mixes[0]["mix"]}, SR, title="t") is not None


def test_babble_without_target_and_per_utterance_noise(clean):
    rng = np.random.default_rng(0)
    # three "speakers": speaker s talks at a pitch of its own, so the babble's speakers can be traced
    voice = {s: (0.3 * np.sin(2 * np.pi * f * np.arange(SR) / SR)).astype(np.float32) for s, f in
             zip("abc", (200.0, 1000.0, 3000.0))}
    pool, spk = [voice[s] + 0.01 * rng.normal(size=SR).astype(np.float32) for s in "aabbcc"], list("aabbcc")
    babble = E.babble_without_target(["a", "c", "a"], pool, spk, 2.0, SR)
    assert len(babble) == 3 and babble[0] is babble[2] and babble[0] is not babble[1]

    def power_at(y, f):
        spec = np.abs(np.fft.rfft(y)) ** 2
        return spec[int(f * y.size / SR)]

    assert power_at(babble[0], 200.0) < 1e-3 * power_at(babble[0], 1000.0)  # no talker "a" in the babble for "a"
    assert power_at(babble[1], 3000.0) < 1e-3 * power_at(babble[1], 200.0)
    white = C.white_noise(3, SR, rng)
    noises = {"white": white, "babble": babble}
    assert E.noise_for(noises, "white", 2) is white and E.noise_for(noises, "babble", 1) is babble[1]
    mixes = E.make_mixtures([clean, clean, clean], noises, [0.0])
    assert len(mixes) == 6 and all(np.allclose(m["mix"], m["clean"] + m["noise_sig"], atol=1e-6) for m in mixes)
    with pytest.raises(ValueError, match="per-utterance"):
        E.make_mixtures([clean], noises, [0.0])
    with pytest.raises(IndexError, match="utterance 3"):
        E.noise_for(noises, "babble", 3)
    with pytest.raises(ValueError, match="other than"):
        E.babble_without_target(["a"], pool[:3], spk[:3], 1.0, SR)


def test_exercise_checks_give_specific_feedback():
    from course_utils.checks import ExerciseFeedback
    from course_utils.checks import ch05

    good = {"assumption": "b", "musical_noise": "b", "alpha": "a", "phase": "b", "babble": "c"}
    assert ch05.check_quiz(good)
    with pytest.raises(ExerciseFeedback, match="alpha"):
        ch05.check_quiz({**good, "alpha": "b"})
    with pytest.raises(ExerciseFeedback, match="missing"):
        ch05.check_quiz({"alpha": "a"})

    def right(P, N, alpha, beta):
        sub = P - alpha * N
        return np.where(sub > beta * N, sub, beta * N)

    assert ch05.check_subtract_with_floor(right)
    with pytest.raises(ExerciseFeedback, match="floor is beta"):
        ch05.check_subtract_with_floor(lambda P, N, a, b: np.maximum(P - a * N, 0) if b == 0 else np.maximum(P - a * N, 0))
    with pytest.raises(ExerciseFeedback, match="negative"):
        ch05.check_subtract_with_floor(lambda P, N, a, b: P - a * N)
    assert ch05.check_si_sdr(si_sdr)
    from course_utils.metrics.enhancement import snr

    with pytest.raises(ExerciseFeedback, match="plain SNR"):
        ch05.check_si_sdr(snr)
    with pytest.raises(NotImplementedError, match="not implemented"):
        ch05.check_si_sdr(lambda r, e: (_ for _ in ()).throw(NotImplementedError()))


def test_mask_net_bands_and_recipe_options(clean):
    import torch

    from course_utils.enhancement.masknet import _band_interp

    interp = _band_interp(16, 257)
    assert interp.shape == (16, 257) and np.allclose(interp.sum(axis=0), 1.0, atol=1e-5) and (interp >= 0).all()
    with pytest.raises(ValueError, match="n_bands"):
        E.MaskNet(hidden=8, n_bands=1)
    net = E.MaskNet(hidden=8, n_bands=16)
    with torch.no_grad():
        mask = net(torch.randn(2, 30, 257))
    assert mask.shape == (2, 30, 257) and float(mask.min()) >= 0 and float(mask.max()) <= 1
    assert "interp" not in net.state_dict()  # rebuilt from n_bands, not stored
    noises = {"white": C.white_noise(3, SR, np.random.default_rng(0)), "pink": C.pink_noise(3, SR, np.random.default_rng(1))}
    kw = dict(steps=4, batch_size=2, crop_seconds=0.5, hidden=8, progress=False)
    m, h = E.train_mask_net([clean], noises, loss="combined", n_bands=8, noise_weights={"pink": 1.0}, **kw)
    assert len(h["loss"]) == 4 and np.all(np.isfinite(h["loss"])) and m.n_bands == 8
    with pytest.raises(ValueError, match="noise_weights"):
        E.train_mask_net([clean], noises, noise_weights={"babble": 1.0}, **kw)
    with pytest.raises(ValueError, match="noise_weights"):
        E.train_mask_net([clean], noises, noise_weights={"white": -1.0, "pink": 2.0}, **kw)
    names = list(E.enhance_methods(nets={"net A": m, "net B": net}))
    assert names.index("net A") < names.index("net B") < names.index("oracle binary mask")
    assert "MaskNet (trained)" in E.enhance_methods(m) and "MaskNet (trained)" not in names


def test_pretrained_mask_net_checks_sha256(tmp_path, clean):
    import torch

    from course_utils.cache import file_digest

    net = E.MaskNet(hidden=8, n_bands=8)
    path = tmp_path / "net.pt"
    torch.save(net.state_dict(), path)
    meta = dict(n_freq=257, hidden=8, layers=1, bidirectional=True, n_bands=8, recipe={}, history=[])
    path.with_suffix(".json").write_text(json.dumps(meta))
    sha = file_digest(path)
    model, got = E.load_pretrained_mask_net(path, sha256=sha)
    assert got["hidden"] == 8 and not model.training
    assert np.allclose(E.mask_net_enhance(model, clean, SR), E.mask_net_enhance(net.eval(), clean, SR), atol=1e-6)
    with pytest.raises(CheckpointError, match="SHA-256"):
        E.load_pretrained_mask_net(path, sha256="0" * 64)
    with pytest.raises(FileNotFoundError, match="train_masknet"):
        E.load_pretrained_mask_net(tmp_path / "missing.pt", sha256=sha)


def test_shipped_checkpoint_matches_its_recipe():
    """The checkpoint in the repo is the one the code expects (sha256) and was trained with MASKNET_RECIPE."""
    model, meta = E.load_pretrained_mask_net()
    assert {k: meta["recipe"][k] for k in E.MASKNET_RECIPE} == E.MASKNET_RECIPE
    assert meta["train_actors"] == [1, 16] and meta["recipe"]["steps"] > 1000
    assert meta["sha256"] == E.PRETRAINED_SHA256 and len(meta["history"]) == meta["recipe"]["steps"]


def test_shipped_mask_net_provenance():
    model, meta, text = E.shipped_mask_net()
    assert not model.training and text.startswith("shipped checkpoint (sha256 verified): ")
    assert f"{meta['recipe']['steps']} steps" in text


def test_from_scratch_gains_match_the_enhancers(clean, white_mix):
    mix, _ = white_mix
    Y = E.stft(mix, SR)
    P = np.abs(Y) ** 2
    N = E.estimate_noise_psd(P, SR)
    S2 = E.subtract_noise_power(P, N, 4.0, 0.02)
    ss = E.istft(np.sqrt(S2 / np.maximum(P, 1e-20)) * Y, SR, mix.size)
    assert np.array_equal(ss, E.spectral_subtraction(mix, SR))
    wf = E.istft(E.decision_directed_gain(P, N) * Y, SR, mix.size)
    assert np.array_equal(wf, E.wiener_filter(mix, SR))


def test_score_cache_follows_the_weights(clean, tmp_path, monkeypatch):
    import torch

    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path))
    noises = {"white": C.white_noise(3, SR, np.random.default_rng(0))}
    mixes = E.make_mixtures([clean], noises, [5.0])
    torch.manual_seed(0)
    net = E.MaskNet(hidden=8)
    first = E.evaluate_methods(mixes, E.enhance_methods(net), SR, full_metrics_snrs=(), cache=True, progress=False)
    assert len(list((tmp_path / "enhancement").glob("scores-*.npz"))) == 1
    with torch.no_grad():
        next(net.parameters())[0, 0] += 0.5
    second = E.evaluate_methods(mixes, E.enhance_methods(net), SR, full_metrics_snrs=(), cache=True, progress=False)
    assert len(list((tmp_path / "enhancement").glob("scores-*.npz"))) == 2
    assert list(first.method) == list(second.method)
    with pytest.raises(ValueError, match="cache key"):
        E.evaluate_methods(mixes, {"noisy": lambda x, sr, c, n: x}, SR, cache=True, progress=False)
