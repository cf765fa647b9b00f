"""EER, minDCF and the DET curve against scikit-learn's ROC and a case worked out by hand."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from course_utils.metrics.verification import candidate_thresholds, det_curve, eer, min_dcf, rates_at

# Hand-computed case. Accept when score > threshold.
#   targets     0.9 0.8 0.7 0.4      non-targets 0.6 0.5 0.3 0.2
# t = 0.5 : FRR = #{targets <= 0.5}/4 = 1/4, FAR = #{non-targets > 0.5}/4 = 1/4  -> EER 0.25 at 0.5
# t = 0.6 : FRR = 1/4, FAR = 0 ; with p_target = 0.5: DCF = 0.5*0.25 + 0.5*0 = 0.125 (the minimum),
#           normalised by min(0.5, 0.5) -> 0.25
POS = np.array([0.9, 0.8, 0.7, 0.4])
NEG = np.array([0.6, 0.5, 0.3, 0.2])


def test_eer_hand_computed():
    e, thr = eer(POS, NEG)
    assert e == pytest.approx(0.25)
    assert thr == pytest.approx(0.5)


def test_min_dcf_hand_computed():
    d, thr = min_dcf(POS, NEG, p_target=0.5, normalize=False)
    assert d == pytest.approx(0.125)
    assert thr == pytest.approx(0.6)
    assert min_dcf(POS, NEG, p_target=0.5)[0] == pytest.approx(0.25)
    # p_target = 0.01: the cheapest point is FAR = 0, FRR = 1/4 -> 0.01 * 0.25 = 0.0025, / 0.01 = 0.25
    assert min_dcf(POS, NEG, p_target=0.01, normalize=False)[0] == pytest.approx(0.0025)
    assert min_dcf(POS, NEG, p_target=0.01)[0] == pytest.approx(0.25)


def test_rates_hand_computed():
    far, frr = rates_at(POS, NEG, [0.0, 0.45, 0.65, 1.0])
    np.testing.assert_allclose(far, [1.0, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(frr, [0.0, 0.25, 0.25, 1.0])


def test_perfect_and_inverted_systems():
    assert eer([2, 3, 4], [0, 1])[0] == 0.0
    assert min_dcf([2, 3, 4], [0, 1])[0] == 0.0
    assert eer([0, 1], [2, 3, 4])[0] == pytest.approx(1.0)


def _random_scores(seed, n_pos=300, n_neg=2000, ties=False):
    rng = np.random.default_rng(seed)
    pos, neg = rng.normal(1.5, 1.0, n_pos), rng.normal(0.0, 1.0, n_neg)
    if ties:
        pos, neg = np.round(pos, 1), np.round(neg, 1)
    return pos, neg


@pytest.mark.parametrize("seed,ties", [(0, False), (1, True), (2, False)])
def test_det_curve_matches_sklearn_roc(seed, ties):
    pos, neg = _random_scores(seed, ties=ties)
    y = np.r_[np.ones(pos.size), np.zeros(neg.size)]
    fpr, tpr, thr = roc_curve(y, np.r_[pos, neg], drop_intermediate=False)
    # sklearn accepts score >= t; we accept score > t, so evaluate just below each of its thresholds
    far, frr = rates_at(pos, neg, np.nextafter(thr[1:], -np.inf))
    np.testing.assert_allclose(far, fpr[1:], atol=1e-12)
    np.testing.assert_allclose(frr, 1 - tpr[1:], atol=1e-12)
    # the DET curve holds the same operating points as the ROC curve
    far_d, frr_d, thr_d = det_curve(pos, neg)
    got = {(round(a, 12), round(b, 12)) for a, b in zip(far_d, frr_d)}
    want = {(round(a, 12), round(1 - b, 12)) for a, b in zip(fpr, tpr)}
    assert got == want
    assert np.all(np.diff(thr_d) > 0) and np.all(np.diff(far_d) <= 0) and np.all(np.diff(frr_d) >= 0)
    assert (far_d[0], frr_d[0]) == (1.0, 0.0)


@pytest.mark.parametrize("seed", [0, 3])
def test_eer_agrees_with_sklearn_roc(seed):
    pos, neg = _random_scores(seed)
    y = np.r_[np.ones(pos.size), np.zeros(neg.size)]
    fpr, tpr, _ = roc_curve(y, np.r_[pos, neg])
    fnr = 1 - tpr
    i = np.argmin(np.abs(fpr - fnr))
    e, thr = eer(pos, neg)
    assert e == pytest.approx((fpr[i] + fnr[i]) / 2, abs=1.0 / pos.size)
    far, frr = rates_at(pos, neg, [thr])
    assert abs(far[0] - frr[0]) <= 1.0 / pos.size + 1.0 / neg.size
    # two unit-variance Gaussians 1.5 apart: EER = Phi(-0.75) ~ 0.227 (with sampling noise)
    assert 0.17 < e < 0.29


def test_min_dcf_matches_brute_force():
    pos, neg = _random_scores(5, n_pos=50, n_neg=400)
    best = min(0.01 * np.mean(pos <= t) + 0.99 * np.mean(neg > t) for t in candidate_thresholds(pos, neg))
    assert min_dcf(pos, neg, normalize=False)[0] == pytest.approx(best)
    assert min_dcf(pos, neg)[0] == pytest.approx(best / 0.01)
    # a larger miss cost can only raise the (unnormalised) minimum cost
    assert min_dcf(pos, neg, c_miss=10, normalize=False)[0] >= best


def test_candidate_thresholds_are_scores_and_midpoints():
    np.testing.assert_allclose(candidate_thresholds([1.0, 3.0], [2.0, 2.0]), [1.0, 1.5, 2.0, 2.5, 3.0])


@pytest.mark.parametrize("func", [eer, min_dcf, det_curve])
def test_bad_inputs_raise_clear_errors(func):
    with pytest.raises(ValueError, match="positive_scores: no scores"):
        func([], [0.1, 0.2])
    with pytest.raises(ValueError, match="negative_scores: 1 scores are NaN"):
        func([0.5], [0.1, np.nan])


def test_min_dcf_bad_parameters():
    with pytest.raises(ValueError, match="p_target"):
        min_dcf(POS, NEG, p_target=1.5)
    with pytest.raises(ValueError, match="costs"):
        min_dcf(POS, NEG, c_miss=0)
