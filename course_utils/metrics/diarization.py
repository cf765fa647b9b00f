"""Diarization error rate and speaker-change-point scores.

Taught in ``notebooks/08_speaker_diarization.ipynb`` (and implemented by hand in
``solutions/08_speaker_diarization_solutions.ipynb``).

Segments are ``(start, end, label)`` tuples in seconds (a list, or a DataFrame with columns
``start``, ``end``, ``speaker``). Overlapping speech is allowed in both the reference and the
hypothesis. The DER follows NIST's md-eval definition, computed exactly (no frames):

.. math::

    \\mathrm{DER} = \\frac{\\text{missed} + \\text{false alarm} + \\text{confusion}}{\\text{total reference speech}}

where, on every stretch of time with ``N_ref`` reference speakers, ``N_hyp`` hypothesis
speakers and ``N_correct`` hypothesis speakers mapped to an active reference speaker,
missed = ``max(0, N_ref - N_hyp)``, false alarm = ``max(0, N_hyp - N_ref)`` and confusion =
``min(N_ref, N_hyp) - N_correct``, each weighted by the stretch's duration. The one-to-one map
from hypothesis labels to reference labels maximises the total overlap (Hungarian algorithm,
:func:`scipy.optimize.linear_sum_assignment`). The forgiveness ``collar`` removes
``± collar`` seconds around every reference segment boundary from scoring (md-eval's convention;
pyannote's ``collar`` is the total width, i.e. twice this value).

Self-overlap convention: a speaker is either speaking or not, so two overlapping segments with the
same label count as **one** speaker over their union (as if merged first, the way md-eval merges
them). ``pyannote.metrics`` instead counts every segment, so a speaker overlapping itself counts
twice there (twice the reference speech, and a hypothesis that also overlaps itself earns two
correct assignments). The two agree whenever no label overlaps itself, which holds for every
conversation and hypothesis the course builds.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import mir_eval.util
import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["as_segments", "diarization_error_rate", "change_point_prf", "segments_to_change_points"]

Segment = tuple[float, float, Any]


def as_segments(segments: Any, *, name: str = "segments") -> list[Segment]:
    """Normalise segments to a sorted list of ``(start, end, label)`` with ``end > start``.

    Accepts a list of 3-tuples or a DataFrame with ``start``, ``end`` and ``speaker`` (or
    ``label``) columns. Zero-length segments are dropped.

    Parameters
    ----------
    segments : list of (start, end, label) or DataFrame
        Who spoke when, times in seconds.
    name : str
        What to call the argument in an error message.

    Returns
    -------
    list of (float, float, label)
        Sorted by start, end and label.

    Raises
    ------
    ValueError
        A segment is not a 3-tuple, has non-finite times, a negative start, or ends before it starts.

    Notebook: 08_speaker_diarization § 2. Speaker change detection: distance between adjacent windows
    """
    if hasattr(segments, "columns"):  # pandas DataFrame
        col = "speaker" if "speaker" in segments.columns else "label"
        missing = {"start", "end", col} - set(segments.columns)
        if missing:
            raise ValueError(f"{name}: DataFrame lacks columns {sorted(missing)}")
        rows: Iterable = zip(segments["start"], segments["end"], segments[col])
    else:
        rows = segments
    out: list[Segment] = []
    for i, seg in enumerate(rows):
        try:
            start, end, label = seg
        except (TypeError, ValueError):
            raise ValueError(f"{name}[{i}]: expected (start, end, label), got {seg!r}") from None
        start, end = float(start), float(end)
        if not (np.isfinite(start) and np.isfinite(end)):
            raise ValueError(f"{name}[{i}]: times must be finite, got ({start}, {end})")
        if start < 0:
            raise ValueError(f"{name}[{i}]: start must be >= 0, got {start}")
        if end < start:
            raise ValueError(f"{name}[{i}]: end {end} is before start {start}")
        if end > start:
            out.append((start, end, label))
    return sorted(out, key=lambda s: (s[0], s[1], str(s[2])))


def _active(segments: Sequence[Segment], t: float) -> set:
    return {lab for s, e, lab in segments if s <= t < e}


def _scored_pieces(ref: list[Segment], hyp: list[Segment], collar: float,
                   skip_overlap: bool) -> tuple[list[tuple[float, set, set]], list, list]:
    """Stretches of constant activity: ``(duration, active ref indices, active hyp indices)``, and the labels."""
    # collar zones (not scored)
    no_score: list[tuple[float, float]] = []
    if collar > 0:
        for s, e, _ in ref:
            no_score += [(max(0.0, s - collar), s + collar), (max(0.0, e - collar), e + collar)]
    points = {0.0}
    for s, e, _ in ref + hyp:
        points.update((s, e))
    for s, e in no_score:
        points.update((s, e))
    grid = np.array(sorted(points))
    ref_labels = sorted({lab for *_, lab in ref}, key=str)
    hyp_labels = sorted({lab for *_, lab in hyp}, key=str)
    ri = {lab: i for i, lab in enumerate(ref_labels)}
    hi = {lab: i for i, lab in enumerate(hyp_labels)}
    pieces = []  # (duration, active ref indices, active hyp indices)
    for a, b in zip(grid[:-1], grid[1:]):
        if b <= a:
            continue
        mid = 0.5 * (a + b)
        if any(s <= mid < e for s, e in no_score):
            continue
        r = {ri[lab] for lab in _active(ref, mid)}
        if skip_overlap and len(r) > 1:
            continue
        h = {hi[lab] for lab in _active(hyp, mid)}
        if r or h:
            pieces.append((float(b - a), r, h))
    return pieces, ref_labels, hyp_labels


def diarization_error_rate(
    reference: Any,
    hypothesis: Any,
    *,
    collar: float = 0.0,
    skip_overlap: bool = False,
) -> dict[str, Any]:
    """Diarization error rate with its three components and the optimal speaker mapping.

    Parameters
    ----------
    reference, hypothesis : list of (start, end, label) or DataFrame
        Who spoke when. Labels of the two need not match (the best mapping is found). A label's
        overlapping segments count once over their union (see the module docstring; pyannote
        counts them twice).
    collar : float
        Seconds not scored on each side of every reference boundary (0 = strict scoring).
    skip_overlap : bool
        Do not score regions where two or more reference speakers overlap.

    Returns
    -------
    dict
        ``der``, ``missed``, ``false_alarm``, ``confusion`` (as fractions of the scored reference
        speech), ``total`` (scored reference speech in seconds), ``missed_s``, ``false_alarm_s``,
        ``confusion_s`` (seconds) and ``mapping`` (hypothesis label -> reference label).

    Raises
    ------
    ValueError
        Bad segments, a negative collar, or no reference speech left to score.

    Notebook: 08_speaker_diarization § 5. Clustering the windows ; 08_speaker_diarization_solutions § Implement the DER
    """
    ref = as_segments(reference, name="reference")
    hyp = as_segments(hypothesis, name="hypothesis")
    if not np.isfinite(collar) or collar < 0:
        raise ValueError(f"collar must be a non-negative number of seconds, got {collar}")
    pieces, ref_labels, hyp_labels = _scored_pieces(ref, hyp, collar, skip_overlap)
    ri = {lab: i for i, lab in enumerate(ref_labels)}
    hi = {lab: i for i, lab in enumerate(hyp_labels)}
    total = sum(d * len(r) for d, r, _ in pieces)
    if total <= 0:
        raise ValueError("reference: no reference speech left to score (empty reference, or all inside the collar)")
    overlap = np.zeros((len(hyp_labels), len(ref_labels)))
    for d, r, h in pieces:
        for j in h:
            for i in r:
                overlap[j, i] += d
    mapping: dict[Any, Any] = {}
    if overlap.size:
        rows, cols = linear_sum_assignment(-overlap)
        mapping = {hyp_labels[j]: ref_labels[i] for j, i in zip(rows, cols) if overlap[j, i] > 0}
    mapped = {hi[h]: ri[r] for h, r in mapping.items()}
    missed = fa = conf = 0.0
    for d, r, h in pieces:
        n_ref, n_hyp = len(r), len(h)
        n_correct = sum(1 for j in h if mapped.get(j) in r)
        missed += d * max(0, n_ref - n_hyp)
        fa += d * max(0, n_hyp - n_ref)
        conf += d * (min(n_ref, n_hyp) - n_correct)
    return {
        "der": (missed + fa + conf) / total,
        "missed": missed / total,
        "false_alarm": fa / total,
        "confusion": conf / total,
        "total": total,
        "missed_s": missed,
        "false_alarm_s": fa,
        "confusion_s": conf,
        "mapping": mapping,
    }


def segments_to_change_points(segments: Any, *, min_gap: float = 0.0) -> np.ndarray:
    """Times where the speaker changes.

    A change is the start of every segment whose label differs from the previous segment's
    (the first segment's start is not a change).

    Parameters
    ----------
    segments : list of (start, end, label) or DataFrame
        Who spoke when (see :func:`as_segments`).
    min_gap : float
        Meant to merge consecutive same-label segments separated by less than this pause;
        consecutive same-label segments never count as a change, so it does not change the result.

    Returns
    -------
    np.ndarray
        Change times in seconds, ascending.

    Notebook: 08_speaker_diarization § 2. Speaker change detection: distance between adjacent windows
    """
    segs = as_segments(segments)
    out = []
    prev = None
    for s, e, lab in segs:
        if prev is not None and lab != prev[2]:
            out.append(s)
        prev = (s, e, lab)
    return np.asarray(out, dtype=float)


def change_point_prf(
    reference: Sequence[float] | np.ndarray,
    estimated: Sequence[float] | np.ndarray,
    *,
    tolerance: float = 0.5,
) -> tuple[float, float, float]:
    """Precision, recall and F1 of detected change points within ``± tolerance`` seconds.

    Each reference change matches at most one detection and vice versa (maximum bipartite matching,
    :func:`mir_eval.util.match_events`). With no reference and no detection, all three are 1.0; with
    only one of them empty, the scores are 0.0.

    Parameters
    ----------
    reference, estimated : array-like of float
        True and detected change times in seconds.
    tolerance : float
        Largest distance in seconds at which a detection still counts.

    Returns
    -------
    precision, recall, f1 : float
        Fractions in [0, 1].

    Raises
    ------
    ValueError
        A negative or non-finite tolerance, or non-finite times.

    Notebook: 08_speaker_diarization § 2. Speaker change detection: distance between adjacent windows
    """
    ref = np.sort(np.asarray(reference, dtype=float).ravel())
    est = np.sort(np.asarray(estimated, dtype=float).ravel())
    if not np.isfinite(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a non-negative number of seconds, got {tolerance}")
    if not (np.all(np.isfinite(ref)) and np.all(np.isfinite(est))):
        raise ValueError("change points must be finite times in seconds")
    if ref.size == 0 and est.size == 0:
        return 1.0, 1.0, 1.0
    if ref.size == 0 or est.size == 0:
        return 0.0, 0.0, 0.0
    n_match = len(mir_eval.util.match_events(ref, est, tolerance))
    precision = n_match / est.size
    recall = n_match / ref.size
    f1 = 0.0 if n_match == 0 else 2 * precision * recall / (precision + recall)
    return float(precision), float(recall), float(f1)
