"""Tests of course_utils.mir (beats, chords, fingerprints, tagging, separation) on generated music."""
from __future__ import annotations

import mir_eval
import numpy as np
import pandas as pd
import pytest

from course_utils.audio import AudioError, load_audio, mix_at_snr
from course_utils.mir import beat, chords, fingerprint, separation, tagging
from course_utils.synth import music

SR = 22050


# --------------------------------------------------------------------------- beats
def test_track_beats_on_drums():
    y, ref, _ = music.drum_pattern(120, n_beats=20, sr=SR)
    tempo, est = beat.track_beats(y, SR)
    assert beat.tempo_octave(tempo, 120) == "correct"
    scores = beat.evaluate_beats(ref, est, min_beat_time=2.0)
    assert scores["F-measure"] > 0.9 and set(scores) == {"F-measure", "Cemgil", "P-score", "CMLt", "AMLt"}


def test_track_beats_bad_input(tmp_path):
    with pytest.raises(AudioError):
        beat.track_beats(np.zeros(SR, np.float32), SR)  # silent
    with pytest.raises(AudioError):
        beat.track_beats(np.ones(100, np.float32), SR)  # too short
    with pytest.raises(AudioError):
        beat.track_beats(np.array([0.1, np.nan] * SR, np.float32), SR)


@pytest.mark.parametrize("est", [
    np.arange(0.5, 10, 0.5), np.arange(0.5, 10, 0.25), np.arange(0.5, 10, 1.0), np.arange(0.5, 10, 0.5) + 0.06,
    np.arange(0.5, 10, 0.5) + 0.08, np.array([0.51, 0.52, 3.0]), np.array([]),
])
def test_beat_f_measure_matches_mir_eval(est):
    ref = np.arange(0.5, 10, 0.5)
    want = mir_eval.beat.f_measure(ref, est) if est.size else 0.0
    assert beat.beat_f_measure(ref, est) == pytest.approx(want)


def test_beat_input_errors():
    with pytest.raises(ValueError, match="increasing"):
        beat.beat_f_measure([1.0, 0.5], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        beat.evaluate_beats([1.0, np.nan], [1.0])
    with pytest.raises(ValueError, match="fewer than 2"):
        beat.evaluate_beats([1.0, 2.0], [1.0, 2.0])  # all before 5 s
    assert beat.evaluate_beats([6.0, 7.0, 8.0], [])["F-measure"] == 0.0


def test_tempo_octave():
    assert beat.tempo_octave(117.5, 120) == "correct"
    assert beat.tempo_octave(89.1, 180) == "half"
    assert beat.tempo_octave(121, 60) == "double"
    assert beat.tempo_octave(100, 60) == "wrong"
    with pytest.raises(ValueError):
        beat.tempo_octave(0, 120)


def test_sonify_and_tempogram():
    y, ref = music.kick_demo(120, duration=4.0, sr=SR)
    mixed = beat.sonify_beats(y, SR, ref)
    assert mixed.shape == y.shape and np.abs(mixed).max() <= 1.0
    assert np.abs(mixed - y * 0.7 / np.abs(y).max()).max() > 0.1  # clicks were added
    T, tempi, profile = beat.tempogram(y, SR)
    assert T.shape[0] == tempi.size == profile.size
    ok = (tempi > 70) & (tempi < 200)
    assert abs(tempi[ok][np.argmax(profile[ok])] - 120) < 8


def test_beat_set_evaluation():
    items = beat.beat_ground_truth_set(tempi=(100,), meters=(4,), swings=(0.0,), snrs=(None,), seconds=8.0)
    df = beat.evaluate_beat_set(items, SR, progress=False)
    assert len(df) == 1 and df["F-measure"].iloc[0] > 0.9 and df["octave"].iloc[0] == "correct"


# --------------------------------------------------------------------------- chords
def test_chord_templates():
    labels, T = chords.chord_templates()
    assert len(labels) == 24 and T.shape == (24, 12)
    np.testing.assert_allclose(np.linalg.norm(T, axis=1), 1)
    assert set(np.flatnonzero(T[labels.index("A:min")])) == {9, 0, 4}


def test_chroma_from_stft_and_recognition():
    y, iv, labels = music.chord_progression(["C:maj", "A:min", "F:maj", "G:maj"], 1.5, sr=SR)
    S = np.abs(np.asarray(__import__("librosa").stft(y, n_fft=4096, hop_length=2048))) ** 2
    C = chords.chroma_from_stft(S, SR, 4096)
    assert C.shape == (12, S.shape[1]) and np.allclose(C.max(0), 1)
    assert sorted(np.argsort(C[:, 3])[-3:]) == [0, 4, 7]  # C major: C, E, G
    with pytest.raises(ValueError, match="shape"):
        chords.chroma_from_stft(S[:-1], SR, 4096)
    for kind in ("stft", "cqt"):
        est_iv, est_lab = chords.recognize_chords(y, SR, kind=kind)
        assert chords.evaluate_chords(iv, labels, est_iv, est_lab)["majmin"] > 0.8
    with pytest.raises(ValueError, match="kind"):
        chords.chroma(y, SR, kind="mfcc")


def test_smoothing_removes_flicker():
    rng = np.random.default_rng(0)
    truth = np.repeat([0, 5, 7, 12], 25)
    P = np.full((24, truth.size), 0.01)
    P[truth, np.arange(truth.size)] = 0.5
    flick = rng.choice(truth.size, 12, replace=False)
    P[(truth[flick] + 3) % 24, flick] = 0.8  # isolated wrong frames
    P /= P.sum(0)
    raw = chords.decode_chords(P, smooth=False)
    sm = chords.decode_chords(P, smooth=True, p_stay=0.9)
    assert np.mean(raw == truth) < 0.9 and np.mean(sm == truth) == 1.0
    with pytest.raises(ValueError):
        chords.decode_chords(P[:12])
    with pytest.raises(ValueError):
        chords.decode_chords(P, p_stay=1.0)
    with pytest.raises(ValueError):
        chords.chord_probabilities(np.ones((11, 4)))


def test_frames_to_intervals():
    iv, lab = chords.frames_to_intervals(np.array([0, 0, 21, 21, 21]), np.arange(5) * 0.5, 2.5)
    np.testing.assert_allclose(iv, [[0, 1.0], [1.0, 2.5]])
    assert lab == ["C:maj", "A:min"]
    with pytest.raises(ValueError):
        chords.frames_to_intervals(np.array([]), np.array([]), 1.0)


# --------------------------------------------------------------------------- fingerprints
@pytest.fixture(scope="module")
def songs():
    return {f"s{i}": music.generated_song(i, duration=12.0, sr=SR)[0] for i in range(3)}


def test_constellation_and_hashes(songs):
    y = songs["s0"]
    peaks = fingerprint.constellation(y, SR, density=20)
    assert peaks.ndim == 2 and peaks.shape[1] == 2 and len(peaks) <= 20 * 12 + 2
    assert np.all(np.diff(peaks[:, 0]) >= 0)  # sorted by time
    h, a = fingerprint.hash_peaks(peaks, fan_out=5, dt_max=40)
    assert h.size == a.size and h.size <= 5 * len(peaks)
    dt = h & 0xFF
    assert dt.min() >= 1 and dt.max() <= 40
    assert fingerprint.pack_hash(3, 5, 7) == (3 << 20) + (5 << 8) + 7
    with pytest.raises(ValueError, match="shape"):
        fingerprint.hash_peaks(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="dt_max"):
        fingerprint.hash_peaks(peaks, dt_max=300)
    assert fingerprint.hash_peaks(np.zeros((0, 2), int))[0].size == 0


def test_index_identifies_noisy_queries(songs, tmp_path):
    index = fingerprint.FingerprintIndex()
    for name, y in songs.items():
        assert index.add(name, y, SR) > 100
    with pytest.raises(ValueError, match="already"):
        index.add("s0", songs["s0"], SR)
    rng = np.random.default_rng(0)
    for name, start in [("s1", 3.0), ("s2", 6.5)]:
        clip = songs[name][int(start * SR): int((start + 5) * SR)]
        res = index.identify(mix_at_snr(clip, rng.normal(size=clip.size).astype(np.float32), 0.0), SR)
        assert res["track"] == name and abs(res["offset_s"] - start) < 0.1 and res["margin"] > 2
    path = index.save(tmp_path / "fp.npz")
    loaded = fingerprint.FingerprintIndex.load(path)
    assert loaded.names == index.names and loaded.n_hashes == index.n_hashes
    clip = songs["s0"][2 * SR: 7 * SR]
    assert loaded.identify(clip, SR)["track"] == "s0"
    (tmp_path / "bad.npz").write_bytes(b"not an npz")
    with pytest.raises(ValueError, match="not a fingerprint index"):
        fingerprint.FingerprintIndex.load(tmp_path / "bad.npz")
    with pytest.raises(ValueError, match="not found"):
        fingerprint.FingerprintIndex.load(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="empty"):
        fingerprint.FingerprintIndex().identify(clip, SR)


def test_match_hashes_offsets():
    db_h = np.array([1, 2, 2, 3, 5])
    db_tr = np.array([0, 0, 1, 0, 1])
    db_t = np.array([10, 12, 40, 15, 50])
    scores, offs = fingerprint.match_hashes(np.array([1, 2, 3]), np.array([0, 2, 5]), db_h, db_tr, db_t, 2)
    assert scores.tolist() == [3, 1] and offs[0] == 10


def test_fingerprint_bad_audio(write_wav):
    path = write_wav("empty.wav", np.zeros(0, np.float32), SR)
    with pytest.raises(AudioError, match="empty|no samples"):
        load_audio(path, sr=SR)
    with pytest.raises(AudioError):
        fingerprint.constellation(np.zeros(SR, np.float32), SR)


# --------------------------------------------------------------------------- tagging
def test_style_features_dimension():
    y, _ = music.style_clip("rock", duration=2.0, sr=SR)
    f = tagging.style_features(y, SR)
    assert f.shape == (len(tagging.style_feature_names()),) and np.isfinite(f).all()
    assert len(set(tagging.style_feature_names())) == f.size
    with pytest.raises(AudioError):
        tagging.style_features(np.zeros(SR, np.float32), SR)


def test_multilabel_tagger_learns_sigmoid_outputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)).astype(np.float32)
    Y = np.stack([X[:, 0] > 0, X[:, 1] > 0.5, (X[:, 0] > 0) & (X[:, 2] > 0)], axis=1).astype(np.float32)
    model = tagging.train_tagger(X[:150], Y[:150], epochs=80, lr=1e-2)
    P = model.predict_proba(X[150:])
    assert P.shape == (50, 3) and np.all((P >= 0) & (P <= 1))
    assert np.mean(model.predict(X[150:]) == Y[150:]) > 0.85
    assert (np.abs(P.sum(1) - 1) > 0.2).any()  # not a softmax
    with pytest.raises(ValueError, match="0/1"):
        tagging.MultiLabelTagger(epochs=1).fit(X, Y * 2)
    with pytest.raises(ValueError, match="fit"):
        tagging.MultiLabelTagger().predict_proba(X)


def test_tag_features():
    y, _ = music.tagged_clip(["bass", "hihat"], duration=1.5, sr=SR)
    assert tagging.tag_features(y, SR, n_mels=32).shape == (128,)


def test_load_gtzan(tmp_path, write_wav, tone):
    with pytest.raises(ValueError, match="not found"):
        tagging.load_gtzan(tmp_path / "nope")
    with pytest.raises(ValueError, match="no GTZAN"):
        tagging.load_gtzan(tmp_path)
    for g in ("rock", "jazz"):
        (tmp_path / "genres_original" / g).mkdir(parents=True)
        for i in range(2):
            write_wav(f"genres_original/{g}/{g}.0000{i}.wav", *tone)
    df = tagging.load_gtzan(tmp_path)
    assert len(df) == 4 and sorted(df.genre.unique()) == ["jazz", "rock"]


def test_patchify_and_embedding():
    import torch

    S = np.arange(32 * 48, dtype=np.float32).reshape(32, 48)
    patches, grid = tagging.patchify(S, patch=16)
    assert grid == (2, 3) and patches.shape == (6, 256)
    np.testing.assert_array_equal(patches[4], S[16:32, 16:32].ravel())  # row 1, column 1
    assert tagging.patchify(S, patch=16, stride=8)[1] == (3, 5)
    with pytest.raises(ValueError):
        tagging.patchify(S[:8], patch=16)
    emb = tagging.PatchEmbedding(n_mels=32, n_frames=48, patch=16, dim=32)
    tok = emb(torch.from_numpy(S)[None])
    assert tuple(tok.shape) == (1, 7, 32)
    W = emb.proj.weight.detach().reshape(32, -1).numpy()
    manual = patches @ W.T + emb.proj.bias.detach().numpy() + emb.pos[0, 1:].detach().numpy()
    np.testing.assert_allclose(tok[0, 1:].detach().numpy(), manual, rtol=1e-4, atol=1e-2)
    with pytest.raises(ValueError, match="grid"):
        emb(torch.zeros(1, 32, 64))
    pos = tagging.sincos_positions_2d(2, 3, 8)
    assert pos.shape == (6, 8) and len({tuple(p) for p in pos.round(6)}) == 6
    with pytest.raises(ValueError):
        tagging.sincos_positions_2d(2, 3, 6)


# --------------------------------------------------------------------------- separation
def test_hpss_splits_drums_and_tones():
    drums, _, _ = music.drum_pattern(120, n_beats=8, sr=SR)
    tones, _, _ = music.chord_progression(["C:maj", "G:maj"], 2.0, sr=SR, timbre="pad")
    n = min(drums.size, tones.size)
    h, p = separation.hpss(drums[:n] + tones[:n], SR)
    assert h.size == p.size == n
    # the harmonic part correlates with the tones, the percussive part with the drums
    assert np.corrcoef(h, tones[:n])[0, 1] > np.corrcoef(h, drums[:n])[0, 1]
    assert np.corrcoef(p, drums[:n])[0, 1] > np.corrcoef(p, tones[:n])[0, 1]
    with pytest.raises(ValueError, match="margin"):
        separation.hpss(tones, SR, margin=0.5)


def test_foreground_background():
    y, _ = music.generated_song(3, duration=10.0, sr=SR)
    fg, bg, mf, mb = separation.foreground_background(y, SR, min_gap=1.0, return_masks=True)
    assert fg.shape == bg.shape == y.shape
    assert np.all((mf >= 0) & (mf <= 1)) and np.all((mb >= 0) & (mb <= 1))
    assert np.sum(fg**2) < np.sum(y**2) and np.sum(bg**2) < np.sum(y**2)
    with pytest.raises(AudioError, match="too short"):
        separation.foreground_background(y[: SR], SR)


def test_load_tracks_offline(monkeypatch, tmp_path):
    from course_utils.mir import load_tracks

    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("LIBROSA_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("course_utils.datasets.data_dir", lambda: tmp_path)
    df = load_tracks(("choice", "brahms"), seconds=6.0, banner=False)
    assert df.attrs["synthetic"] and len(df) == 2 and df.attrs["missing"] == ["choice", "brahms"]
    assert all(y.size == 6 * SR for y in df.y)
    from course_utils.datasets import DatasetError

    with pytest.raises(DatasetError):
        load_tracks(("choice",), seconds=6.0, allow_synthetic=False)
    with pytest.raises(ValueError, match="seconds"):
        load_tracks(seconds=2)


# --------------------------------------------------------------------------- exercise checks (ch06)
def test_ch06_checks_accept_course_code_and_reject_mistakes():
    from course_utils.checks import ExerciseFeedback, ch06

    assert ch06.check_beat_f_measure(beat.beat_f_measure)
    assert ch06.check_chromagram(chords.chroma_from_stft)

    def many_to_one(ref, est, window=0.07):  # counts one estimate for two close beats
        hits = sum(np.any(np.abs(est - r) <= window) for r in ref)
        p, r = hits / len(est), hits / len(ref)
        return 2 * p * r / (p + r) if hits else 0.0

    with pytest.raises(ExerciseFeedback, match="close beats"):
        ch06.check_beat_f_measure(many_to_one)
    with pytest.raises(ExerciseFeedback, match="power"):
        ch06.check_chromagram(lambda S, sr, n_fft: chords.chroma_from_stft(np.sqrt(S), sr, n_fft))
    with pytest.raises(NotImplementedError, match="not implemented"):
        ch06.check_hash_peaks(lambda *a: (_ for _ in ()).throw(NotImplementedError()))
    with pytest.raises(ExerciseFeedback, match="keys"):
        ch06.check_quiz({"f_half_tempo": 0.5})
    assert ch06.check_quiz({"f_half_tempo": 2 / 3, "metric_forgiving_octave": "amlt", "fingerprint_keeps": "positions"})


def test_fingerprint_index_truncated_file_is_a_clear_error(tmp_path):
    """Issue #14: a truncated index names the file instead of raising BadZipFile/EOFError."""
    from course_utils.mir.fingerprint import FingerprintIndex

    rng = np.random.default_rng(0)
    idx = FingerprintIndex()
    idx.add("noise", rng.normal(size=22050 * 3).astype(np.float32) * 0.1, 22050)
    path = idx.save(tmp_path / "index.npz")
    assert FingerprintIndex.load(path).names == ["noise"]
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="index.npz"):
        FingerprintIndex.load(path)


def test_tracking_row_and_chord_scores_use_the_truth_only_when_known():
    sr = 22050
    y, info = music.generated_song(1, duration=20.0, sr=sr)
    song = pd.Series(dict(key="gen1", y=y, truth=info))
    real = pd.Series(dict(key="real", y=y, truth=None))
    row, est = beat.tracking_row(song, sr)
    assert {"true_tempo", "F-measure"} <= set(row) and row["n_beats"] == len(est) > 10
    row_real, est_real = beat.tracking_row(real, sr)
    assert "F-measure" not in row_real and np.array_equal(est, est_real)
    iv, lab = chords.recognize_chords(y, sr)
    assert "known chords" in chords.score_known_chords(song, iv, lab, until=20.0)
    assert "no chord annotation" in chords.score_known_chords(real, iv, lab, until=20.0)


def test_report_goals(capsys):
    from course_utils.goals import report_goals
    met = report_goals({"a >= 1": True, "b <= 2": False}, synthetic=True, details="(a=1, b=3)")
    out = capsys.readouterr().out
    assert "MET      a >= 1" in out and "NOT MET  b <= 2" in out and "(a=1, b=3)" in out and "Offline" in out
    assert met == {"a >= 1": True, "b <= 2": False}
    with pytest.raises(ValueError, match="no goals"):
        report_goals({})
