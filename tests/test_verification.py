"""Speaker verification: back-ends, trial lists, attacks, plots and the SpeakerVerifier (bad inputs included).

Runs on synthetic signals only: "speakers" are tones of different pitch, embedded by a small
spectral-envelope function, so the tests need neither the data mirror nor a neural network.
"""
from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from course_utils.audio import AudioError
from course_utils.verification import (
    CosineBackend,
    EnrollmentError,
    FunctionEmbedder,
    LDABackend,
    PLDABackend,
    SNormBackend,
    Corruption,
    SpeakerVerifier,
    UnknownSpeakerError,
    VerificationError,
    VoiceprintFileError,
    assert_chapter_claims,
    attack_conditions,
    backend_from_dict,
    choose_threshold,
    cosine_scores,
    development_embedders,
    embed_files,
    embedding_table,
    enroll_models,
    evaluate_trials,
    identify_closed_set,
    make_trials,
    open_set_rates,
    plot_det,
    plot_roc,
    plot_score_distributions,
    s_norm,
    split_enrollment,
    trial_scores,
)

SR = 16000


def band_energies(y, sr):
    """A toy 'embedding': log energy in 24 linear frequency bands (pitch shows up clearly)."""
    spec = np.abs(np.fft.rfft(y * np.hanning(y.size))) ** 2
    bands = np.array_split(spec[: spec.size // 4], 24)
    e = np.log(np.array([b.sum() for b in bands]) + 1e-9)
    return e - e.mean()


def voice(f0, seed, dur=1.0, sr=SR):
    """A 'speaker': a harmonic tone at ``f0`` with a little jitter and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(dur * sr)) / sr
    f = f0 * (1 + 0.01 * rng.normal())
    y = sum(np.sin(2 * np.pi * k * f * t) / k for k in range(1, 5)) + 0.05 * rng.normal(size=t.size)
    return (0.3 * y / np.max(np.abs(y))).astype(np.float32)


@pytest.fixture
def embedder():
    return FunctionEmbedder("bands", band_energies, sr=SR)


@pytest.fixture
def verifier(embedder):
    sv = SpeakerVerifier(embedder)
    sv.enroll("low", [voice(150, s) for s in range(3)], SR)
    sv.enroll("high", [voice(600, s) for s in range(3)], SR)
    pos = [sv.score("low", voice(150, 10 + s), SR) for s in range(4)] + [sv.score("high", voice(600, 20 + s), SR) for s in range(4)]
    neg = [sv.score("low", voice(600, 30 + s), SR) for s in range(4)] + [sv.score("high", voice(150, 40 + s), SR) for s in range(4)]
    sv.calibrate(pos, neg, target="eer")
    return sv


# ----------------------------------------------------------------------------- the verifier
def test_verify_accepts_the_speaker_and_rejects_an_impostor(verifier):
    ok, s_true = verifier.verify("low", voice(150, 99), SR)
    bad, s_imp = verifier.verify("low", voice(600, 99), SR)
    assert ok and not bad and s_true > s_imp
    assert verifier.speakers == ["low", "high"]


def test_identify_closed_and_open_set(verifier):
    assert verifier.identify(voice(600, 7), SR)[0] == "high"
    # a very different voice: closed-set names someone, open-set rejects it
    unknown = (0.3 * np.random.default_rng(0).normal(size=SR)).astype(np.float32)
    name, score = verifier.identify(unknown, SR, open_set=False)
    assert name in ("low", "high")
    assert verifier.identify(unknown, SR, open_set=True) == (None, score)


def test_enroll_from_paths_and_resampling(embedder, write_wav):
    paths = [write_wav(f"a{i}.wav", voice(200, i), SR) for i in range(2)]
    sv = SpeakerVerifier(embedder, threshold=0.5)
    sv.enroll("alice", paths)                     # list of paths
    sv.enroll("alice_single", paths[0])           # one path
    y8 = voice(200, 5, sr=8000)
    accepted, s = sv.verify("alice", y8, 8000)    # other sample rate: resampled
    assert accepted and s > 0.9


def test_unknown_speaker_error(verifier):
    with pytest.raises(UnknownSpeakerError, match="'bob' is not enrolled.*'low', 'high'") as info:
        verifier.verify("bob", voice(150, 1), SR)
    assert isinstance(info.value, KeyError)
    with pytest.raises(KeyError):
        verifier.remove("bob")


def test_empty_enrollment_and_bad_ids(embedder):
    sv = SpeakerVerifier(embedder)
    with pytest.raises(EnrollmentError, match="no enrollment audio"):
        sv.enroll("x", [])
    with pytest.raises(EnrollmentError, match="speaker_id"):
        sv.enroll("", [voice(150, 0)], SR)
    with pytest.raises(ValueError, match="sample rate"):
        sv.enroll("x", [voice(150, 0)])
    with pytest.raises(VerificationError, match="no speaker is enrolled"):
        sv.identify(voice(150, 0), SR)
    with pytest.raises(TypeError, match="embed"):
        SpeakerVerifier(object())


def test_too_short_silent_and_corrupt_audio(embedder, write_wav, tmp_path):
    sv = SpeakerVerifier(embedder, threshold=0.0, min_duration=0.5)
    with pytest.raises(AudioError, match="too short"):
        sv.enroll("x", [voice(150, 0, dur=0.2)], SR)
    with pytest.raises(AudioError, match="silent"):
        sv.enroll("x", [np.zeros(SR, np.float32)], SR)
    short = write_wav("short.wav", voice(150, 0, dur=0.1), SR)
    with pytest.raises(AudioError, match="short.wav: too short"):
        sv.enroll("x", [short])
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all")
    with pytest.raises(AudioError, match="junk.wav"):
        sv.enroll("x", [junk])
    sv.enroll("x", [voice(150, 0)], SR)
    with pytest.raises(AudioError, match="too short"):
        sv.verify("x", voice(150, 1, dur=0.3), SR)
    assert sv.speakers == ["x"]          # failed enrollments left nothing behind


def test_verify_without_threshold(embedder):
    sv = SpeakerVerifier(embedder)
    sv.enroll("a", [voice(150, 0)], SR)
    with pytest.raises(VerificationError, match="calibrate"):
        sv.verify("a", voice(150, 1), SR)


def test_save_load_round_trip(verifier, embedder, tmp_path):
    path = tmp_path / "voiceprints.json"
    verifier.save(path)
    assert json.loads(path.read_text())["embedder"] == "bands"
    again = SpeakerVerifier.load(path, embedder)
    assert again.speakers == verifier.speakers and again.threshold == verifier.threshold
    y = voice(150, 77)
    assert again.verify("low", y, SR) == verifier.verify("low", y, SR)


def test_save_load_with_plda_and_snorm(embedder, tmp_path):
    rng = np.random.default_rng(0)
    X = np.stack([band_energies(voice(f, s), SR) for f in (120, 200, 300, 450, 700) for s in range(4)])
    y = np.repeat(np.arange(5), 4)
    plda = PLDABackend().fit(X + 0.01 * rng.normal(size=X.shape), y)
    sv = SpeakerVerifier(embedder, threshold=0.0, backend=SNormBackend(plda, X, top_k=5))
    sv.enroll("a", [voice(160, 0), voice(160, 1)], SR)
    sv.save(tmp_path / "v.json")
    again = SpeakerVerifier.load(tmp_path / "v.json", embedder)
    assert isinstance(again.backend, SNormBackend) and isinstance(again.backend.base, PLDABackend)
    t = voice(160, 5)
    assert again.score("a", t, SR) == pytest.approx(sv.score("a", t, SR))


def test_load_rejects_corrupt_files_and_other_embedders(verifier, embedder, tmp_path):
    good = tmp_path / "good.json"
    verifier.save(good)
    with pytest.raises(VoiceprintFileError, match="no such voiceprint file"):
        SpeakerVerifier.load(tmp_path / "missing.json", embedder)
    bad = tmp_path / "bad.json"
    bad.write_text(good.read_text()[:50])
    with pytest.raises(VoiceprintFileError, match="invalid JSON"):
        SpeakerVerifier.load(bad, embedder)
    bad.write_bytes(b"\x80\x81\x00binary")
    with pytest.raises(VoiceprintFileError, match="not a SpeakerVerifier file"):
        SpeakerVerifier.load(bad, embedder)
    bad.write_text(json.dumps({"hello": 1}))
    with pytest.raises(VoiceprintFileError, match="format marker"):
        SpeakerVerifier.load(bad, embedder)
    data = json.loads(good.read_text())
    data["speakers"]["low"]["voiceprint"] = [1.0, 2.0]
    bad.write_text(json.dumps(data))
    with pytest.raises(VoiceprintFileError, match="corrupt"):
        SpeakerVerifier.load(bad, embedder)
    other = FunctionEmbedder("other", band_energies)
    with pytest.raises(VoiceprintFileError, match="made with embedder 'bands'.*'other'"):
        SpeakerVerifier.load(good, other)
    wrong_dim = FunctionEmbedder("bands", band_energies, dim=10)
    with pytest.raises(VoiceprintFileError, match="24 dimensions.*gives 10"):
        SpeakerVerifier.load(good, wrong_dim)
    assert issubclass(VoiceprintFileError, ValueError)


# ----------------------------------------------------------------------------- scoring
def test_enroll_models_average_normalised_embeddings():
    E = np.array([[3.0, 0.0], [0.0, 1.0], [0.0, 5.0]])
    ids, M, n = enroll_models(E, ["b", "a", "a"])
    assert ids == ["a", "b"] and list(n) == [2, 1]
    np.testing.assert_allclose(M, [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(cosine_scores(M, [[1.0, 1.0]]), [[np.sqrt(0.5)], [np.sqrt(0.5)]])
    with pytest.raises(ValueError, match="3 embeddings for 2"):
        enroll_models(E, ["a", "b"])


def _gaussian_speakers(n_spk=20, n_utt=10, dim=12, seed=0, within=0.5):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_spk, dim)) * 2.0
    X = np.repeat(centres, n_utt, axis=0) + within * rng.normal(size=(n_spk * n_utt, dim))
    return X, np.repeat([f"s{i}" for i in range(n_spk)], n_utt)


def test_lda_matches_sklearn_subspace():
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    X, y = _gaussian_speakers()
    ours = LDABackend(n_components=3, reg=0.0).fit(X, y)
    Z = ours._pre(X)
    sk = LinearDiscriminantAnalysis(n_components=3, solver="eigen").fit(Z, y)
    A, B = ours.transform(X), sk.transform(Z)
    # same discriminant directions up to sign and scale of each axis
    for k in range(3):
        assert abs(np.corrcoef(A[:, k], B[:, k])[0, 1]) > 0.999


def test_plda_matches_brute_force_gaussian_llr():
    from scipy.stats import multivariate_normal as mvn

    X, y = _gaussian_speakers(dim=6, n_spk=12)
    plda = PLDABackend(n_components=4).fit(X, y)
    U = plda.transform(X[:3])
    psi = plda.psi_
    B, W = np.diag(psi), np.eye(psi.size)
    T = B + W
    joint = np.block([[T, B], [B, T]])
    got = plda.score(X[:1], X[1:3])          # one enrollment utterance
    for j in range(2):
        want = (mvn(np.zeros(8), joint).logpdf(np.r_[U[0], U[j + 1]])
                - mvn(np.zeros(4), T).logpdf(U[0]) - mvn(np.zeros(4), T).logpdf(U[j + 1]))
        assert got[0, j] == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("backend_cls", [LDABackend, PLDABackend])
def test_trained_backends_separate_unseen_speakers(backend_cls):
    from course_utils.metrics.verification import eer

    X, y = _gaussian_speakers(n_spk=30, seed=1)
    be = backend_cls().fit(X[:200], y[:200])          # train on 20 speakers
    Xe, ye = X[200:], y[200:]                        # 10 unseen speakers
    ids, M, n = enroll_models(Xe[::5], ye[::5])
    S = be.score(M, Xe, n)
    target = np.asarray(ids)[:, None] == ye[None, :]
    assert eer(S[target], S[~target])[0] < 0.05
    again = backend_from_dict(json.loads(json.dumps(be.to_dict())))
    np.testing.assert_allclose(again.score(M, Xe, n), S)


def test_backend_errors():
    with pytest.raises(VerificationError, match="fit"):
        PLDABackend().score(np.ones((1, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match="two training speakers"):
        LDABackend().fit(np.ones((4, 3)), ["a"] * 4)
    with pytest.raises(ValueError, match="unknown back-end"):
        backend_from_dict({"kind": "svm"})
    assert isinstance(backend_from_dict(None), CosineBackend)


def test_s_norm_formula_and_adaptive_cohort():
    S = np.array([[2.0]])
    E = np.array([[0.0, 1.0, 2.0, 3.0]])
    T = np.array([[1.0, 1.0, 3.0, 3.0]])
    want = 0.5 * ((2.0 - 1.5) / np.std([0, 1, 2, 3]) + (2.0 - 2.0) / 1.0)
    assert s_norm(S, E, T)[0, 0] == pytest.approx(want, rel=1e-6)
    top = s_norm(S, E, T, top_k=2)[0, 0]         # cohort means 2.5 and 3.0, stds 0.5 and 0
    assert top < want
    with pytest.raises(ValueError, match="shapes"):
        s_norm(np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 4)))


def test_snorm_backend_centres_impostor_scores():
    X, y = _gaussian_speakers(n_spk=25, seed=2)
    ids, M, n = enroll_models(X[200:], y[200:])
    be = SNormBackend(CosineBackend(), X[:200], top_k=None)
    S = be.score(M, X[200:], n)
    target = np.asarray(ids)[:, None] == y[200:][None, :]
    assert abs(np.mean(S[~target])) < 0.5 and np.mean(S[target]) > 2.0


# ----------------------------------------------------------------------------- thresholds and identification
def test_choose_threshold_targets():
    rng = np.random.default_rng(0)
    pos, neg = rng.normal(2, 1, 500), rng.normal(0, 1, 2000)
    t_far = choose_threshold(pos, neg, "far", rate=0.01)
    assert np.mean(neg > t_far) <= 0.01
    t_frr = choose_threshold(pos, neg, "frr", rate=0.05)
    assert np.mean(pos <= t_frr) <= 0.05
    assert t_frr < choose_threshold(pos, neg, "eer") < t_far
    assert choose_threshold(pos, neg, "min_dcf") > choose_threshold(pos, neg, "eer")
    with pytest.raises(ValueError, match="rate"):
        choose_threshold(pos, neg, "far")
    with pytest.raises(ValueError, match="target must be"):
        choose_threshold(pos, neg, "best")


def test_identification_helpers():
    S = np.array([[0.9, 0.2, 0.4, 0.1],
                  [0.1, 0.8, 0.5, 0.3]])
    np.testing.assert_array_equal(identify_closed_set(S, ["a", "b"]), ["a", "b", "b", "b"])
    r = open_set_rates(S, ["a", "b"], ["a", "b", "a", "zed"], threshold=0.45)
    # known: a (0.9 -> a ok), b (0.8 -> b ok), a (0.5 -> b wrong); unknown zed (0.3 -> rejected)
    assert r["dir"] == pytest.approx(2 / 3) and r["misidentified"] == pytest.approx(1 / 3)
    assert r["known_rejected"] == 0 and r["unknown_accepted"] == 0
    assert (r["n_known"], r["n_unknown"]) == (3, 1)
    with pytest.raises(ValueError, match="do not match"):
        open_set_rates(S, ["a"], ["a"] * 4, 0.5)


# ----------------------------------------------------------------------------- trial lists
def _toy_table():
    rows = []
    for spk, gender in [("s1", "male"), ("s2", "female"), ("s3", "male")]:
        for emotion in ("neutral", "calm", "angry", "sad"):
            for rep in (1, 2):
                rows.append(dict(path=f"{spk}_{emotion}_{rep}.wav", speaker=spk, gender=gender, emotion=emotion,
                                 intensity="normal"))
    return pd.DataFrame(rows)


def test_split_enrollment_and_trials():
    df = _toy_table()
    enroll, test = split_enrollment(df, n_enroll=3, seed=0)
    assert len(enroll) == 9 and len(test) == 15
    assert set(enroll["emotion"]) <= {"neutral", "calm"}
    assert not set(enroll["path"]) & set(test["path"])
    ids = sorted(enroll["speaker"].unique())
    trials = make_trials(ids, test)
    assert len(trials) == 3 * 15 and trials["target"].sum() == 15
    t = trials[trials["target"]]
    assert (t["model"] == t["speaker"]).all()
    assert trials.loc[trials["target"], "same_gender"].all()
    assert trials["other_emotion"].sum() == 3 * 12           # angry and sad tests
    S = np.arange(3 * 15, dtype=float).reshape(3, 15)
    np.testing.assert_array_equal(trial_scores(trials, S), S[trials["model_index"], trials["test_index"]])
    S_good = np.where(np.asarray(ids)[:, None] == test["speaker"].to_numpy()[None, :], 1.0, 0.0)
    res = evaluate_trials(trials, S_good)
    assert res["eer"] == 0.0 and res["n_target"] == 15 and res["n_nontarget"] == 30
    with pytest.raises(ValueError, match="only 0 files"):
        split_enrollment(df, n_enroll=2, emotions=("happy",))


# ----------------------------------------------------------------------------- attacks
def test_attack_conditions_mix_babble_at_the_snr_and_replay():
    y = voice(200, 0)
    noise = np.concatenate([voice(f, 1) for f in (120, 180, 260)])
    conds = attack_conditions(noise, snrs=(20, 0))
    assert list(conds) == ["clean", "babble 20 dB", "babble 0 dB", "replay"] and conds["clean"] is None
    assert all(isinstance(c, Corruption) for c in list(conds.values())[1:])
    for snr in (20, 0):
        n = conds[f"babble {snr} dB"].transform(y, SR, np.random.default_rng(0)) - y
        assert 10 * np.log10(np.sum(y.astype(float) ** 2) / np.sum(n.astype(float) ** 2)) == pytest.approx(snr, abs=0.05)
    # the key holds the noise's content: another babble never shares cached embeddings
    other = attack_conditions(noise[::-1].copy(), snrs=(20, 0))
    assert conds["babble 0 dB"].key != other["babble 0 dB"].key
    assert conds["replay"].key == other["replay"].key == "replay-300-4000-rt0.4"
    z = conds["replay"].transform(y, SR, np.random.default_rng(1))
    assert z.shape == y.shape and np.sqrt(np.mean(z**2)) == pytest.approx(np.sqrt(np.mean(y**2)), rel=1e-3)


def test_embed_files_caches_corrupted_embeddings(embedder, write_wav, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    paths = [write_wav(f"v{i}.wav", voice(150 + 50 * i, i), SR) for i in range(3)]
    calls = []

    def noisy(y, sr, rng):
        calls.append(1)
        return y + 0.01 * rng.normal(size=y.size).astype(np.float32)

    A = embed_files(embedder, paths, transform=noisy, transform_key="white-0.01", progress=False)
    B = embed_files(embedder, paths, transform=noisy, transform_key="white-0.01", progress=False)
    assert A.shape == (3, 24) and len(calls) == 3          # second call came from the cache
    np.testing.assert_array_equal(A, B)
    clean = embed_files(embedder, paths, progress=False)
    assert clean.shape == (3, 24) and not np.allclose(clean, A)
    with pytest.raises(ValueError, match="transform_key"):
        embed_files(embedder, paths, transform=noisy)
    with pytest.raises(AudioError, match="nope.wav"):
        embed_files(embedder, [tmp_path / "nope.wav"], transform=noisy, transform_key="x", progress=False)


# ----------------------------------------------------------------------------- plots
def test_plots_are_labelled():
    rng = np.random.default_rng(0)
    curves = {"A": (rng.normal(2, 1, 200), rng.normal(0, 1, 800)), "B": (rng.normal(1, 1, 200), rng.normal(0, 1, 800))}
    ax = plot_det(curves)
    assert "False acceptance" in ax.get_xlabel() and "False rejection" in ax.get_ylabel() and ax.get_title()
    assert "EER" in ax.get_legend().get_texts()[0].get_text()
    ax = plot_roc(curves)
    assert ax.get_xlabel() and ax.get_ylabel() and "AUC" in ax.get_legend().get_texts()[0].get_text()
    ax = plot_score_distributions(*curves["A"], threshold=1.0)
    assert ax.get_xlabel() == "Score" and ax.get_title()
    import matplotlib.pyplot as plt

    plt.close("all")


def test_score_fusion_learns_weights_and_rejects_bad_input():
    from course_utils.verification import ScoreFusion, VerificationError

    rng = np.random.default_rng(0)
    target = np.repeat([True, False], [200, 600])
    good = np.where(target, 1.0, -1.0) + rng.normal(0, 1.0, target.size)      # informative system
    noise = rng.normal(0, 1.0, target.size) * 100                              # useless, on another scale
    S = np.column_stack([good, noise])
    fus = ScoreFusion().fit(S, target)
    assert fus.weights_[0] > 0.5 and abs(fus.weights_[1]) < 0.2 * fus.weights_[0]
    fused = fus.fuse(S)
    assert fused.shape == (target.size,)
    assert fused[target].mean() > 0 > fused[~target].mean()       # calibrated log-odds around 0
    with pytest.raises(VerificationError, match="fit"):
        ScoreFusion().fuse(S)
    with pytest.raises(ValueError, match="n_trials"):
        fus.fuse(S[:, :1])
    with pytest.raises(ValueError, match="both target and non-target"):
        ScoreFusion().fit(S, np.ones(target.size, bool))
    with pytest.raises(ValueError, match="NaN"):
        ScoreFusion().fit(np.where(target[:, None], np.nan, S), target)


def test_embedding_table_fills_only_the_masked_rows(embedder, write_wav, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    paths = [write_wav(f"t{i}.wav", voice(150 + 50 * i, i), SR) for i in range(4)]
    df = pd.DataFrame({"path": paths})
    a, b = pd.Series([True, False, False, False]), pd.Series([False, False, True, False])
    embedder.dim = 24                                      # embedding_table needs the size up front
    X = embedding_table({"bands": embedder}, df, [a, b])["bands"]
    assert X.shape == (4, 24) and X.dtype == np.float32
    assert np.isfinite(X[[0, 2]]).all() and np.isnan(X[[1, 3]]).all()
    from course_utils.audio import load_audio

    np.testing.assert_allclose(X[2], embedder.embed(load_audio(paths[2], sr=SR), SR), rtol=1e-4, atol=1e-5)


def test_development_embedders_train_on_the_mask_or_fall_back(capsys):
    df = pd.DataFrame({"actor": [1, 2, 13, 14], "speaker": list("abcd")})
    df.attrs["synthetic"] = False
    seen = {}

    def load(kind, train_df):
        seen[kind] = (list(train_df["actor"]), dict(train_df.attrs))
        return f"dev-{kind}"

    got = development_embedders(df, ["x", "y"], df["actor"] <= 12, load=load, fallback={"x": 1, "y": 2})
    assert got == {"x": "dev-x", "y": "dev-y"} and seen["x"] == ([1, 2], {"synthetic": False})
    df.attrs["synthetic"] = True
    got = development_embedders(df, ["y"], df["actor"] <= 12, load=load, fallback={"x": 1, "y": 2})
    assert got == {"y": 2} and "SYNTHETIC fallback" in capsys.readouterr().out


def test_chapter_claims_fail_with_the_claim_named():
    kinds = ["mfcc_stats", "xvector_ce", "xvector_aam", "resemblyzer"]
    metrics = pd.DataFrame({"EER %": [38.0, 22.3, 23.4, 17.2]}, index=kinds)
    robustness = pd.DataFrame({"clean": [10.0, 5.0], "babble 0 dB": [20.0, 5.0]})
    args = dict(metrics=metrics, backend_eer=None, identification=None, enroll_size=None, attack_eer=None,
                robustness=robustness, fused_eer=15.0, res_cos=17.2, dev_eer_fused=14.0,
                dev_choice=pd.Series({"mfcc_stats": "PLDA"}), synthetic=True)
    assert_chapter_claims(**args)
    with pytest.raises(AssertionError, match="fusion is better than chance"):
        assert_chapter_claims(**{**args, "fused_eer": 55.0})
    with pytest.raises(AssertionError, match="babble at 0 dB"):
        assert_chapter_claims(**{**args, "robustness": robustness.assign(**{"babble 0 dB": [1.0, 5.0]})})


def test_save_leaves_no_temporary_file(embedder, tmp_path):
    sv = SpeakerVerifier(embedder, threshold=0.1)
    sv.enroll("low", [voice(120, 1)], SR)
    sv.save(tmp_path / "v.json")
    assert [p.name for p in tmp_path.iterdir()] == ["v.json"]
