"""Auto-checks for ``solutions/08_speaker_diarization_solutions.ipynb`` (and the generated exercises).

Taught with ``notebooks/08_speaker_diarization.ipynb``; the reference is
:func:`course_utils.metrics.diarization.diarization_error_rate`.
"""
from __future__ import annotations

import numpy as np

from ..metrics.diarization import diarization_error_rate
from . import ExerciseFeedback, call_student, passed

__all__ = ["check_der", "DER_CASES"]

#: (name, reference, hypothesis, collar, hint) of the checked cases.
DER_CASES = [
    ("perfect, other labels", [(0, 10, "A"), (10, 20, "B")], [(0, 10, "x"), (10, 20, "y")], 0.0,
     "labels of the hypothesis are arbitrary: map them to reference speakers before comparing"),
    ("labels swapped", [(0, 10, "A"), (10, 20, "B")], [(0, 10, "B"), (10, 20, "A")], 0.0,
     "even equal label names must go through the optimal mapping (here B->A and A->B gives DER 0)"),
    ("single cluster", [(0, 10, "A"), (10, 20, "B")], [(0, 20, "x")], 0.0,
     "one hypothesis speaker can map to only one reference speaker; the rest is confusion"),
    ("missed and false alarm", [(0, 10, "A")], [(2, 12, "x")], 0.0,
     "2 s missed + 2 s false alarm over 10 s of reference speech"),
    ("greedy mapping fails", [(0, 6, "A"), (6, 10, "B")], [(0, 4, "h2"), (4, 10, "h1")], 0.0,
     "use the mapping that maximises the total overlap (scipy.optimize.linear_sum_assignment)"),
    ("overlapping reference", [(0, 10, "A"), (5, 15, "B")], [(0, 15, "x")], 0.0,
     "during overlap two reference speakers count twice in the total; one hypothesis speaker leaves one missed"),
    ("collar", [(0, 10, "A"), (10, 20, "B")], [(0, 10.3, "x"), (10.3, 20, "y")], 0.5,
     "do not score +-collar seconds around every reference boundary"),
]


def check_der(der) -> bool:
    """Check a student's ``der(reference, hypothesis, collar=0.0) -> float`` on hand-made cases.

    A frame-based answer (10 ms frames) is accepted: the tolerance is 0.01.

    Parameters
    ----------
    der : callable
        The student's ``der(reference, hypothesis, collar=0.0)``.

    Returns
    -------
    bool
        True when every case of :data:`DER_CASES` matches.

    Notebook: 08_speaker_diarization_solutions § Implement the DER
    """
    for name, ref, hyp, collar, hint in DER_CASES:
        got = call_student(der, ref, hyp, collar=collar)
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise ExerciseFeedback(f"der() must return a number (the DER as a fraction), got {type(got).__name__}") from None
        want = diarization_error_rate(ref, hyp, collar=collar)["der"]
        if not np.isfinite(got) or abs(got - want) > 0.01:
            raise ExerciseFeedback(
                f"case {name!r} (reference {ref}, hypothesis {hyp}, collar {collar}): expected DER {want:.3f}, "
                f"got {got:.3f}. Hint: {hint}.")
    return passed("diarization error rate")
