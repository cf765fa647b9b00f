"""Diarization building blocks on synthetic speakers with known turns."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from course_utils.audio import AudioError
from course_utils.diarization import (
    agglomerative_cluster,
    change_scores,
    cluster_segments,
    cosine_affinity,
    diarize,
    embed_windows,
    estimate_n_speakers,
    labels_to_segments,
    make_conversation,
    merge_segments,
    mfcc_stats_embed,
    normalized_laplacian,
    pick_change_points,
    pit_loss,
    plot_timeline,
    resegment,
    single_cluster_segments,
    sliding_windows,
    spectral_cluster,
    standardized_mfcc_windows,
    window_majority_labels,
)
from course_utils.metrics.diarization import diarization_error_rate
from course_utils.synth import make_speaker, synthesize_utterance

SR = 16000


@pytest.fixture(scope="module")
def conversation():
    spk = {name: make_speaker(i) for name, i in (("A", 1), ("B", 2))}
    order = ["A", "B", "A", "B"]
    utts = [synthesize_utterance("mamasanofa_unimesa", spk[s], sr=SR, seed=i) for i, s in enumerate(order)]
    y, ref = make_conversation(utts, order, SR, overlap_prob=0.0, gap_s=(0.3, 0.3))
    return y, ref


def _blobs(rng, n=(10, 12, 8), d=16):
    centers = rng.normal(size=(len(n), d)) * 3
    X = np.vstack([c + rng.normal(size=(k, d)) for c, k in zip(centers, n)])
    return X, np.repeat(np.arange(len(n)), n)


def test_make_conversation_reference(conversation):
    y, ref = conversation
    assert y.dtype == np.float32 and y.size / SR == pytest.approx(ref[-1][1], abs=0.01)
    assert [lab for *_, lab in ref] == ["A", "B", "A", "B"]
    for (s0, e0, _), (s1, _, _) in zip(ref, ref[1:]):
        assert s1 - e0 == pytest.approx(0.3, abs=2 / SR)
    utts = [np.sin(np.arange(SR) * 0.05).astype(np.float32)] * 3
    _, ref2 = make_conversation(utts, ["A", "B", "C"], SR, overlap_prob=1.0, overlap_s=(0.2, 0.2))
    assert ref2[1][0] < ref2[0][1]  # overlapping turns
    with pytest.raises(ValueError, match="one speaker label"):
        make_conversation(utts, ["A"], SR)
    with pytest.raises(AudioError, match="utterances\\[0\\]"):
        make_conversation([np.zeros(10, np.float32)], ["A"], SR)


@pytest.mark.parametrize("method", ["cosine", "bic"])
def test_change_scores_peak_at_speaker_changes(conversation, method):
    y, ref = conversation
    t, s = change_scores(y, SR, method=method, win_s=0.8, step_s=0.05, min_frames=20)
    assert t.shape == s.shape and np.isfinite(s).any()
    cps = pick_change_points(t, s, min_distance_s=1.0)
    truth = np.array([r[0] for r in ref[1:]])
    hits = sum(np.min(np.abs(cps - c)) < 0.5 for c in truth) if cps.size else 0
    assert hits >= 2
    with pytest.raises(ValueError, match="method"):
        change_scores(y, SR, method="kl")


def test_pick_change_points_threshold_and_distance():
    t = np.arange(0, 10, 0.1)
    s = np.zeros_like(t)
    s[[20, 22, 60]] = [1.0, 0.9, 0.5]
    assert pick_change_points(t, s, threshold=0.4, min_distance_s=1.0).tolist() == pytest.approx([2.0, 6.0])
    assert pick_change_points(t, s, threshold=0.7, min_distance_s=0.1).tolist() == pytest.approx([2.0, 2.2])
    assert pick_change_points(t, np.full_like(t, np.nan)).size == 0
    with pytest.raises(ValueError, match="same shape"):
        pick_change_points(t, s[:5])


def test_sliding_windows_cover_speech():
    w = sliding_windows([(0.0, 4.0), (5.0, 5.3), (6.0, 7.0)], win_s=1.5, hop_s=0.75)
    assert w[0] == (0.0, 1.5) and w[-2] == (2.5, 4.0)  # last window aligned to the region end
    assert w[-1] == (6.0, 7.0)  # short region: one window
    assert all(e - s <= 1.5 + 1e-9 for s, e in w)
    with pytest.raises(ValueError):
        sliding_windows([(0, 1)], win_s=0)


def test_spectral_and_agglomerative_recover_blobs():
    rng = np.random.default_rng(0)
    X, truth = _blobs(rng)
    from sklearn.metrics import adjusted_rand_score

    lab, info = spectral_cluster(X)
    assert info["n_speakers"] == 3 and adjusted_rand_score(truth, lab) == pytest.approx(1.0)
    k, lam = estimate_n_speakers(np.maximum(cosine_affinity(X - X.mean(0)), 0))
    assert k == 3 and lam[0] == pytest.approx(0.0, abs=1e-8)
    assert spectral_cluster(X, 2)[1]["n_speakers"] == 2
    assert adjusted_rand_score(truth, agglomerative_cluster(X, 3)) == pytest.approx(1.0)
    assert len(set(agglomerative_cluster(X, threshold=1.0))) == 3
    assert spectral_cluster(X[:1])[0].tolist() == [0]
    with pytest.raises(ValueError, match="non-empty"):
        spectral_cluster(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="non-empty"):
        agglomerative_cluster(np.zeros(3))


def test_labels_to_segments_and_merge():
    windows = [(0.0, 1.0), (0.5, 1.5), (2.0, 3.0)]
    segs = labels_to_segments(windows, [0, 0, 1], [(0.0, 1.5), (2.0, 3.0)])
    assert [(round(s, 2), round(e, 2), lab) for s, e, lab in segs] == [(0.0, 1.5, "spk0"), (2.0, 3.0, "spk1")]
    assert single_cluster_segments([(0, 1), (2, 3)]) == [(0.0, 1.0, "spk0"), (2.0, 3.0, "spk0")]
    assert merge_segments([(0, 1, "a"), (1.1, 2, "a"), (2, 3, "b")], max_gap=0.2) == [(0.0, 2.0, "a"), (2.0, 3.0, "b")]
    with pytest.raises(ValueError, match="labels"):
        labels_to_segments(windows, [0], [(0, 1)])


def test_resegment_uses_centroids():
    rng = np.random.default_rng(1)
    X, truth = _blobs(rng, n=(6, 6))
    fine = X + 0.1 * rng.normal(size=X.shape)
    assert resegment(X, truth, fine).tolist() == truth.tolist()
    assert resegment(X, truth, fine, smooth=3).shape == truth.shape
    with pytest.raises(ValueError, match="same d"):
        resegment(X, truth, fine[:, :3])


def test_diarize_end_to_end_beats_single_cluster(conversation):
    y, ref = conversation

    def emb(y, sr, w):
        return embed_windows(y, sr, w, mfcc_stats_embed)

    out = diarize(y, SR, emb, n_speakers=2)
    der = diarization_error_rate(ref, out["segments"])["der"]
    base = diarization_error_rate(ref, single_cluster_segments(out["speech"]))["der"]
    assert out["n_speakers"] == 2 and der < base
    with pytest.raises(AudioError, match="too short"):
        diarize(y[:100], SR, emb)
    with pytest.raises(ValueError, match="method"):
        diarize(y, SR, emb, method="kmeans")
    with pytest.raises(ValueError, match="no windows"):
        embed_windows(y, SR, [], mfcc_stats_embed)


def test_pit_loss_is_permutation_invariant():
    import torch

    torch.manual_seed(0)
    targets = (torch.rand(4, 50, 3) > 0.5).float()
    logits = 6 * (2 * targets - 1)  # confident and right
    perm = [2, 0, 1]
    loss_right, _ = pit_loss(logits, targets)
    loss_perm, best = pit_loss(logits[..., perm], targets)
    assert loss_perm.item() == pytest.approx(loss_right.item(), abs=1e-6)
    assert all(targets[..., list(p)].equal(targets[..., perm]) for p in best)
    fixed = torch.nn.functional.binary_cross_entropy_with_logits(logits[..., perm], targets)
    assert fixed.item() > 10 * loss_perm.item()
    # brute force: minimum over permutations of the per-recording loss
    rec = min(torch.nn.functional.binary_cross_entropy_with_logits(logits[0, :, list(p)], targets[0]).item()
              for p in itertools.permutations(range(3)))
    assert rec == pytest.approx(pit_loss(logits[:1], targets[:1])[0].item(), abs=1e-6)
    with pytest.raises(ValueError, match="batch, frames, speakers"):
        pit_loss(logits[0], targets[0])


def test_plot_timeline(conversation):
    import matplotlib

    matplotlib.use("Agg")
    _, ref = conversation
    ax = plot_timeline({"reference": ref, "hypothesis": [(0, 1, "spk0")]}, title="t")
    assert ax.get_title() == "t" and ax.get_xlabel() == "time (s)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["reference", "hypothesis"]


def test_normalized_laplacian_and_eigengap_from_scratch():
    rng = np.random.default_rng(3)
    X, _ = _blobs(rng, n=(5, 5, 5))
    A = np.maximum(cosine_affinity(X - X.mean(0)), 0.0)
    d = A.sum(1)
    L = np.eye(len(A)) - A / np.sqrt(np.outer(d, d))
    assert np.allclose(normalized_laplacian(A), L)
    lam = np.linalg.eigvalsh(L)
    assert estimate_n_speakers(A)[0] == int(np.argmax(np.diff(lam[:9]))) + 1


def test_window_majority_labels():
    ref = [(0.0, 2.0, "A"), (1.8, 4.0, "B")]
    assert window_majority_labels([(0.0, 1.5), (1.5, 3.0), (2.5, 4.0)], ref).tolist() == ["A", "B", "B"]


def test_cluster_segments_matches_diarize(conversation):
    y, _ = conversation

    def emb(y, sr, w):
        return embed_windows(y, sr, w, mfcc_stats_embed)

    out = diarize(y, SR, emb, n_speakers=2)
    segs, first, labels = cluster_segments(emb(y, SR, out["windows"]), out["windows"], out["speech"], n_speakers=2,
                                           fine_embed=lambda w: emb(y, SR, w))
    assert segs == out["segments"] and first == out["first_pass"] and labels.tolist() == out["labels"].tolist()
    no_reseg, first2, _ = cluster_segments(emb(y, SR, out["windows"]), out["windows"], out["speech"], n_speakers=2)
    assert no_reseg == first2 == first
    with pytest.raises(ValueError, match="method"):
        cluster_segments(np.zeros((2, 3)), [(0, 1), (1, 2)], [(0, 2)], method="kmeans")


def test_standardized_mfcc_windows(conversation):
    y, _ = conversation
    X = standardized_mfcc_windows(y, SR, [(0.0, 1.0), (0.5, 1.5), (1.0, 2.0)])
    assert X.shape == (3, 120) and np.allclose(X.mean(0), 0.0, atol=1e-6)
