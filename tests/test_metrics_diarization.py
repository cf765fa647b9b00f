"""Diarization error rate and change-point scores against hand-computed cases."""
from __future__ import annotations

import pandas as pd
import pytest

from course_utils.metrics.diarization import (
    as_segments,
    change_point_prf,
    diarization_error_rate,
    segments_to_change_points,
)


def test_perfect_hypothesis_with_other_labels():
    ref = [(0, 10, "A"), (10, 20, "B")]
    hyp = [(0, 10, "spk1"), (10, 20, "spk0")]
    r = diarization_error_rate(ref, hyp)
    assert r["der"] == pytest.approx(0.0)
    assert r["mapping"] == {"spk1": "A", "spk0": "B"}
    assert r["total"] == pytest.approx(20.0)


def test_single_cluster_is_pure_confusion():
    r = diarization_error_rate([(0, 10, "A"), (10, 20, "B")], [(0, 20, "x")])
    assert r["der"] == pytest.approx(0.5)
    assert r["confusion"] == pytest.approx(0.5)
    assert r["missed"] == 0 and r["false_alarm"] == 0


def test_shifted_segment_gives_miss_and_false_alarm():
    # ref 0-10, hyp 2-12: 2 s missed, 2 s false alarm over 10 s of speech
    r = diarization_error_rate([(0, 10, "A")], [(2, 12, "x")])
    assert r["missed"] == pytest.approx(0.2)
    assert r["false_alarm"] == pytest.approx(0.2)
    assert r["confusion"] == pytest.approx(0.0)
    assert r["der"] == pytest.approx(0.4)
    assert r["missed_s"] == pytest.approx(2.0) and r["false_alarm_s"] == pytest.approx(2.0)


def test_collar_removes_boundary_regions():
    # collar 0.5: scored reference is 0.5-9.5 (9 s); missed 0.5-2 (1.5 s); false alarm 10.5-12 (1.5 s)
    r = diarization_error_rate([(0, 10, "A")], [(2, 12, "x")], collar=0.5)
    assert r["total"] == pytest.approx(9.0)
    assert r["der"] == pytest.approx(3.0 / 9.0)
    # a hypothesis off by less than the collar at a speaker change is forgiven entirely
    ref = [(0, 10, "A"), (10, 20, "B")]
    hyp = [(0, 10.3, "x"), (10.3, 20, "y")]
    assert diarization_error_rate(ref, hyp)["der"] == pytest.approx(0.3 / 20)
    assert diarization_error_rate(ref, hyp, collar=0.5)["der"] == pytest.approx(0.0)


def test_overlap_counts_each_speaker():
    # A 0-10 and B 5-15 overlap for 5 s: 20 s of reference speech; one hypothesis speaker
    ref = [(0, 10, "A"), (5, 15, "B")]
    r = diarization_error_rate(ref, [(0, 15, "x")])
    assert r["total"] == pytest.approx(20.0)
    assert r["missed"] == pytest.approx(0.25)
    assert r["confusion"] == pytest.approx(0.25)
    assert r["der"] == pytest.approx(0.5)
    r2 = diarization_error_rate(ref, [(0, 15, "x")], skip_overlap=True)
    assert r2["total"] == pytest.approx(10.0) and r2["der"] == pytest.approx(0.5)
    # a hypothesis with both speakers in the overlap is perfect
    r3 = diarization_error_rate(ref, [(0, 10, "p"), (5, 15, "q")])
    assert r3["der"] == pytest.approx(0.0)


def test_mapping_is_optimal_not_greedy():
    # greedy would map h1->A (6 s) and leave h2 with B only partly; Hungarian maximises the total
    ref = [(0, 6, "A"), (6, 10, "B")]
    hyp = [(0, 4, "h2"), (4, 10, "h1")]
    r = diarization_error_rate(ref, hyp)
    assert r["mapping"] == {"h2": "A", "h1": "B"}
    assert r["confusion_s"] == pytest.approx(2.0)


def test_dataframe_input_and_empty_hypothesis():
    ref = pd.DataFrame({"start": [0.0, 5.0], "end": [5.0, 10.0], "speaker": ["A", "B"]})
    r = diarization_error_rate(ref, [])
    assert r["missed"] == pytest.approx(1.0) and r["der"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "bad",
    [[(0, 1)], [(2, 1, "A")], [(-1, 1, "A")], [(0, float("nan"), "A")]],
)
def test_bad_segments_raise(bad):
    with pytest.raises(ValueError, match="reference"):
        diarization_error_rate(bad, [(0, 1, "x")])


def test_empty_reference_and_bad_collar():
    with pytest.raises(ValueError, match="no reference speech"):
        diarization_error_rate([], [(0, 1, "x")])
    with pytest.raises(ValueError, match="collar"):
        diarization_error_rate([(0, 1, "A")], [(0, 1, "x")], collar=-1)
    with pytest.raises(ValueError, match="lacks columns"):
        as_segments(pd.DataFrame({"start": [0.0]}))


def test_change_points_prf_hand_computed():
    p, r, f = change_point_prf([1.0, 5.0, 9.0], [1.2, 4.0, 9.4, 12.0], tolerance=0.5)
    assert p == pytest.approx(0.5)
    assert r == pytest.approx(2 / 3)
    assert f == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    # one detection cannot match two references
    assert change_point_prf([1.0, 1.2], [1.1], tolerance=0.5) == pytest.approx((1.0, 0.5, 2 / 3))
    assert change_point_prf([], []) == (1.0, 1.0, 1.0)
    assert change_point_prf([1.0], []) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="tolerance"):
        change_point_prf([1.0], [1.0], tolerance=-0.1)
    with pytest.raises(ValueError, match="finite"):
        change_point_prf([float("inf")], [1.0])


def test_segments_to_change_points():
    segs = [(0, 2, "A"), (2.5, 4, "A"), (4, 6, "B"), (6.2, 8, "A")]
    assert list(segments_to_change_points(segs)) == [4.0, 6.2]
