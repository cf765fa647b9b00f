"""A chapter's goals, printed with MET or NOT MET: the one way every chapter reports what it aimed for.

An unmet goal is printed as NOT MET; it does not fail the chapter (its self-check asserts the claims
the text makes, not the goals). On the offline fallback the numbers describe synthetic signals, and
the report says so.

Notebook: 00_audio_foundations § Self-check
"""
from __future__ import annotations

from collections.abc import Mapping

__all__ = ["report_goals"]


def report_goals(goals: Mapping[str, bool], *, synthetic: bool = False, details: str = "",
                 data: str = "the real recordings") -> dict[str, bool]:
    """Print every goal with MET or NOT MET, then the measured details and, offline, a warning.

    Parameters
    ----------
    goals : mapping of str to bool
        Goal, as a sentence with its target, to whether this run met it.
    synthetic : bool
        The run used the offline synthetic fallback.
    details : str
        The measured numbers behind the goals, printed after them.
    data : str
        What the goals are about, named in the offline warning.

    Returns
    -------
    dict of str to bool
        The goals, as given.

    Notebook: 00_audio_foundations § Self-check
    """
    if not goals:
        raise ValueError("report_goals: no goals given")
    for goal, met in goals.items():
        print(f"{'MET' if bool(met) else 'NOT MET':8s} {goal}")
    if details:
        print(details)
    if synthetic:
        print(f"Offline fallback: these numbers describe synthetic signals, not {data}.")
    return dict(goals)
