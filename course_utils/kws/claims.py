"""The chapter's goals, each printed with MET or NOT MET, computed from the notebook's results.

Notebook: 10_keyword_spotting_and_asr § Goals: MET or NOT MET
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = ["GOALS", "goal_table"]

#: Goal name -> (result key, comparison, target).
GOALS = {
    "isolated digits, unseen FSDD speaker (mean over the 6 held-out speakers, best model)":
        ("isolated accuracy", ">=", 0.95),
    "connected-digit WER on unseen speakers (beam search + digit grammar)": ("connected WER", "<=", 0.10),
    "Speech Commands digit accuracy (cross-corpus; reported whatever it is)": ("speech commands accuracy", "report", None),
}


def goal_table(results: Mapping[str, float], *, synthetic: bool = False) -> pd.DataFrame:
    """One row per goal: the value the notebook computed, the target and MET / NOT MET (or REPORTED).

    Parameters
    ----------
    results : mapping of str to float
        Must hold ``"isolated accuracy"``, ``"connected WER"`` and ``"speech commands accuracy"``.
    synthetic : bool
        The run used the offline fallback: the goals are about the real recordings, so the status
        says so instead of MET / NOT MET.

    Returns
    -------
    pd.DataFrame
        Columns ``goal``, ``value``, ``target``, ``status``.

    Notebook: 10_keyword_spotting_and_asr § Goals: MET or NOT MET
    """
    rows = []
    for goal, (key, op, target) in GOALS.items():
        if key not in results:
            raise KeyError(f"goal_table: results lack {key!r} (needed for goal {goal!r})")
        value = float(results[key])
        if op == "report":
            status, shown = "REPORTED", "-"
        else:
            ok = value >= target if op == ">=" else value <= target
            status, shown = ("MET" if ok else "NOT MET"), f"{op} {target:.2f}"
        if synthetic:
            status = f"{status} (synthetic fallback: not the real goal)"
        rows.append((goal, round(value, 4), shown, status))
    return pd.DataFrame(rows, columns=["goal", "value", "target", "status"])
