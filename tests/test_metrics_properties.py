"""Property-based tests (hypothesis) of the course's metrics against their reference definitions.

Each metric is compared, on inputs hypothesis generates and shrinks, with an implementation written
here from the definition alone (loops and sets, nothing shared with ``course_utils``), or with the
package the course claims to agree with (``mir_eval`` for the beat F-measure):

* EER (SpeechBrain's definition), minDCF (NIST, normalised: in [0, 1]);
* DER (md-eval's definition, exact; a speaker's own overlapping segments count once);
* SI-SDR (via the correlation coefficient: ``10 log10(rho^2 / (1 - rho^2))``), scale invariance,
  and ``-inf`` for a silent estimate;
* beat F-measure against ``mir_eval.beat.f_measure`` on millisecond-rounded beat times (estimates
  often exactly 70 ms, the window, from a reference beat).
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import mir_eval
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from course_utils.metrics.diarization import diarization_error_rate
from course_utils.metrics.enhancement import si_sdr
from course_utils.metrics.verification import eer, min_dcf

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# scores on a coarse grid make ties (the hard cases) common
score = st.integers(-20, 20).map(lambda k: k / 10)
scores = st.lists(score, min_size=1, max_size=25)


# ----------------------------------------------------------------------------- verification
def _rates(pos, neg, t):
    far = sum(1 for s in neg if s > t) / len(neg)
    frr = sum(1 for s in pos if s <= t) / len(pos)
    return far, frr


def eer_by_definition(pos, neg):
    """SpeechBrain: thresholds = distinct scores and midpoints; the first with the smallest |FAR - FRR|
    (compared exactly, as fractions: in floating point 1/2 - 1/3 and 2/3 - 1/2 differ in the last bit)."""
    distinct = sorted(set(pos) | set(neg))
    thresholds = sorted(distinct + [(a + b) / 2 for a, b in zip(distinct, distinct[1:])])
    best = None
    for t in thresholds:
        far = Fraction(sum(1 for s in neg if s > t), len(neg))
        frr = Fraction(sum(1 for s in pos if s <= t), len(pos))
        if best is None or abs(far - frr) < best[0]:
            best = (abs(far - frr), float((far + frr) / 2))
    return best[1]


def min_dcf_by_definition(pos, neg, p, c_miss=1.0, c_fa=1.0):
    """NIST: the smallest cost over every achievable operating point, over the better trivial system."""
    points = [(1.0, 0.0)] + [_rates(pos, neg, t) for t in set(pos) | set(neg)]  # accept-all, then each score
    cost = min(c_miss * frr * p + c_fa * far * (1 - p) for far, frr in points)
    return cost / min(c_miss * p, c_fa * (1 - p))


@SETTINGS
@given(pos=scores, neg=scores)
def test_eer_matches_its_definition(pos, neg):
    value, threshold = eer(pos, neg)
    assert value == pytest.approx(eer_by_definition(pos, neg), abs=1e-12)
    assert 0.0 <= value <= 1.0
    far, frr = _rates(pos, neg, threshold)
    assert value == pytest.approx((far + frr) / 2, abs=1e-12)


@SETTINGS
@given(pos=scores, neg=scores, p=st.sampled_from([0.001, 0.01, 0.05, 0.3, 0.5, 0.7, 0.9, 0.99]),
       c_miss=st.sampled_from([1.0, 10.0]), c_fa=st.sampled_from([1.0, 10.0]))
def test_min_dcf_matches_its_definition_and_stays_in_0_1(pos, neg, p, c_miss, c_fa):
    value, threshold = min_dcf(pos, neg, p_target=p, c_miss=c_miss, c_fa=c_fa)
    assert value == pytest.approx(min_dcf_by_definition(pos, neg, p, c_miss, c_fa), abs=1e-12)
    assert 0.0 <= value <= 1.0 + 1e-12
    far, frr = _rates(pos, neg, threshold)  # the threshold reaches the reported cost
    cost = (c_miss * frr * p + c_fa * far * (1 - p)) / min(c_miss * p, c_fa * (1 - p))
    assert cost == pytest.approx(value, abs=1e-12)


@SETTINGS
@given(pos=scores, neg=scores)
def test_min_dcf_unnormalised_is_speechbrains_for_small_priors(pos, neg):
    """With p_target <= 0.5 and equal costs the accept-everything point never wins: SpeechBrain's value."""
    distinct = sorted(set(pos) | set(neg))
    thresholds = sorted(distinct + [(a + b) / 2 for a, b in zip(distinct, distinct[1:])])
    sb = min(0.01 * _rates(pos, neg, t)[1] + 0.99 * _rates(pos, neg, t)[0] for t in thresholds)
    assert min_dcf(pos, neg, p_target=0.01, normalize=False)[0] == pytest.approx(sb, abs=1e-12)


# ----------------------------------------------------------------------------- diarization
def _segments(labels):
    seg = st.tuples(st.integers(0, 30), st.integers(1, 10), st.sampled_from(labels)).map(
        lambda t: (t[0], t[0] + t[1], t[2]))
    return st.lists(seg, min_size=0, max_size=6)


def der_by_definition(ref, hyp):
    """Unit time steps (all boundaries are integers); best one-to-one map by brute force."""
    end = max([e for _, e, _ in ref + hyp] + [1])
    frames = [({lab for s, e, lab in ref if s <= k < e}, {lab for s, e, lab in hyp if s <= k < e}) for k in range(end)]
    total = sum(len(r) for r, _ in frames)
    ref_labels = sorted({lab for *_, lab in ref})
    hyp_labels = sorted({lab for *_, lab in hyp})
    best = None
    for k in range(min(len(ref_labels), len(hyp_labels)) + 1):
        for hs in itertools.combinations(hyp_labels, k):
            for rs in itertools.permutations(ref_labels, k):
                m = dict(zip(hs, rs))
                err = sum(max(len(r), len(h)) - sum(1 for x in h if m.get(x) in r) for r, h in frames)
                best = err if best is None else min(best, err)
    return best / total


@SETTINGS
@given(ref=_segments(["A", "B", "C"]), hyp=_segments(["x", "y", "z"]))
def test_der_matches_its_definition(ref, hyp):
    assume(any(e > s for s, e, _ in ref))
    got = diarization_error_rate(ref, hyp)
    assert got["der"] == pytest.approx(der_by_definition(ref, hyp), abs=1e-9)
    assert got["der"] == pytest.approx(got["missed"] + got["false_alarm"] + got["confusion"], abs=1e-12)
    assert min(got["missed"], got["false_alarm"], got["confusion"]) >= -1e-12


def test_der_counts_a_self_overlapping_speaker_once():
    """The documented convention: A's two overlapping segments are one speaker over 0-15 s
    (pyannote.metrics would count 0-15 plus the 5-10 overlap again: 20 s of reference)."""
    ref = [(0, 10, "A"), (5, 15, "A")]
    got = diarization_error_rate(ref, [(0, 15, "x")])
    assert got["total"] == pytest.approx(15.0) and got["der"] == 0.0


# ----------------------------------------------------------------------------- SI-SDR
signal_params = st.tuples(st.integers(0, 2**31 - 1), st.floats(0.01, 10.0), st.floats(-0.99, 0.99))


def _pair(seed, noise_gain, mix):
    rng = np.random.default_rng(seed)
    ref = rng.normal(size=400)
    est = mix * ref + noise_gain * rng.normal(size=400)
    return (0.5 * ref / np.abs(ref).max()).astype(np.float32), (0.5 * est / np.abs(est).max()).astype(np.float32)


def si_sdr_by_definition(ref, est):
    r = ref.astype(np.float64) - ref.mean()
    e = est.astype(np.float64) - est.mean()
    rho2 = np.dot(r, e) ** 2 / (np.dot(r, r) * np.dot(e, e))
    return 10 * np.log10(rho2 / (1 - rho2))


@SETTINGS
@given(signal_params, st.floats(0.05, 20.0))
def test_si_sdr_matches_its_definition_and_ignores_gain(params, gain):
    ref, est = _pair(*params)
    value = si_sdr(ref, est)
    assert value == pytest.approx(si_sdr_by_definition(ref, est), abs=1e-6)
    scaled = (est * np.float32(gain / max(1.0, 2 * gain))).astype(np.float32)  # stays within [-1, 1]
    assert si_sdr(ref, scaled) == pytest.approx(value, abs=1e-3)
    assert si_sdr(ref, -est) == pytest.approx(value, abs=1e-6)


@SETTINGS
@given(signal_params, st.sampled_from([0.0, 1e-7, 1e-9]))
def test_si_sdr_of_a_silent_estimate_is_minus_infinity(params, level):
    ref, est = _pair(*params)
    assert si_sdr(ref, (est * level).astype(np.float32)) == -np.inf
    assert si_sdr(ref, np.full_like(ref, 0.25)) == -np.inf  # a constant has no zero-mean content


# ----------------------------------------------------------------------------- beat F-measure
@st.composite
def beat_pairs(draw):
    """Millisecond-rounded reference beats and estimates near them (offsets often exactly +-70 ms)."""
    ref = np.sort(draw(st.lists(st.integers(0, 20_000), min_size=1, max_size=30, unique=True)))
    offsets = draw(st.lists(st.one_of(st.sampled_from([-70, 70, -71, 71, 69, -69, 0]), st.integers(-150, 150)),
                            min_size=ref.size, max_size=ref.size))
    est = np.unique(np.clip(ref + np.asarray(offsets, dtype=int), 0, None))
    return ref / 1000.0, est / 1000.0


@SETTINGS
@given(beat_pairs())
def test_beat_f_measure_equals_mir_eval(pair):
    from course_utils.mir.beat import beat_f_measure

    ref, est = pair
    assert beat_f_measure(ref, est) == pytest.approx(mir_eval.beat.f_measure(ref, est), abs=1e-12)


def test_beat_f_measure_pair_exactly_70_ms_apart():
    """The issue's example: mir_eval counts it as a hit (F = 1)."""
    from course_utils.mir.beat import beat_f_measure

    assert mir_eval.beat.f_measure(np.array([1.0]), np.array([1.07])) == 1.0
    assert beat_f_measure(np.array([1.0]), np.array([1.07])) == 1.0
