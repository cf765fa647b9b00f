"""The chapter's goals and the claims its text makes, on ESC-10 or on the synthetic fallback.

Notebook: 09_sound_classification § Summary
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = ["GOAL_ACCURACY", "REPORTED", "comparison_table", "print_goals", "assert_chapter_claims"]

#: The chapter's goal: mean 5-fold accuracy of a network trained on this CPU.
GOAL_ACCURACY = 0.85
#: Published ESC-10 accuracies (5-fold, official folds): Piczak's random-forest baseline and human
#: listeners (ESC paper, 2015) and his log-mel CNN (MLSP 2015).
REPORTED = {"random forest (Piczak 2015)": 0.727, "CNN (Piczak 2015)": 0.802, "human listeners (Piczak 2015)": 0.957}


def _claim(ok: bool, text: str) -> None:
    if not ok:
        raise AssertionError(f"claim does not hold: {text}")


def comparison_table(cv: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Mean and spread of the 5-fold accuracies of this chapter's systems, next to the published ones.

    Parameters
    ----------
    cv : mapping of str to pd.DataFrame
        System name -> per-fold results (column ``accuracy``), e.g. from
        :func:`~course_utils.sound_events.baselines.cross_validate`.

    Returns
    -------
    pd.DataFrame
        ``mean accuracy``, ``std`` (over folds, NaN for published numbers) and ``source``.

    Notebook: 09_sound_classification § Cross-validating the network: one checkpoint per fold
    """
    rows = [dict(system=k, **{"mean accuracy": v["accuracy"].mean(), "std": v["accuracy"].std(ddof=0),
                              "source": "this chapter, 5 official folds"}) for k, v in cv.items()]
    rows += [dict(system=k, **{"mean accuracy": v, "std": float("nan"), "source": "published"})
             for k, v in REPORTED.items()]
    return pd.DataFrame(rows).set_index("system").sort_values("mean accuracy")


def print_goals(network_accuracy: float, sed_f1: float, window_f1: float, synthetic: bool) -> dict[str, bool]:
    """Print the chapter's goals with MET or NOT MET.

    Parameters
    ----------
    network_accuracy : float
        Mean 5-fold accuracy of the chapter's network.
    sed_f1, window_f1 : float
        Segment-based F1 of the frame-level detector and of the same network with 5-s resolution.
    synthetic : bool
        Whether the numbers come from the synthetic fallback (then they say nothing about ESC-10).

    Returns
    -------
    dict of str to bool
        Goal -> met.

    Notebook: 09_sound_classification § Summary
    """
    goals = {f"mean 5-fold accuracy of the CPU-trained network >= {GOAL_ACCURACY:.0%} "
             f"(measured {network_accuracy:.1%})": network_accuracy >= GOAL_ACCURACY,
             f"frame-level detection beats 5-s windows on segment F1 ({sed_f1:.3f} vs {window_f1:.3f})":
             sed_f1 > window_f1}
    for goal, met in goals.items():
        print(f"{'MET' if met else 'NOT MET':8s} {goal}")
    if synthetic:
        print("Offline fallback: these numbers describe the synthetic sound events, not ESC-10.")
    return goals


def assert_chapter_claims(df: pd.DataFrame, r: Mapping[str, float]) -> None:
    """Assert the claims chapter 9's text makes, on ESC-10 or on the synthetic fallback.

    Always: the official folds share no fold and no source between training and test; every network
    of the cross-validation is scored only on its held-out fold; the attention-pooling network
    beats chance by far; the detection metrics are valid. On ESC-10 also: the random split shares
    sources (and scores higher), the SVM beats the random forest, the CNN beats both (and, narrowly,
    its own un-augmented version), the small CNN beats the equal-size AST given about the same CPU time,
    and frame-level detection makes fewer insertions than 5-s windows.

    Parameters
    ----------
    df : pd.DataFrame
        The clip table (``attrs["synthetic"]`` says which corpus it is).
    r : mapping of str to float
        The chapter's results: ``shared official``, ``shared random``, ``svm``, ``svm random``, ``rf``,
        ``cnn``, ``cnn plain``, ``live cnn``, ``ast``, ``sed f1``, ``sed insertions``, ``window insertions``,
        ``held out``.

    Raises
    ------
    AssertionError
        Names the claim that does not hold.

    Notebook: 09_sound_classification § Self-check
    """
    _claim(r["shared official"] == 0, f"official folds share no source ({r['shared official']} shared)")
    _claim(r["held out"] == 1.0, "every cross-validation network is scored only on its own held-out fold")
    _claim(r["cnn"] > 0.4, f"the CNN {r['cnn']:.3f} is far above chance (0.1)")
    _claim(0 <= r["sed f1"] <= 1, f"segment F1 {r['sed f1']} is in [0, 1]")
    if df.attrs.get("synthetic", False):
        _claim(r["svm"] > 0.5 and r["rf"] > 0.5, f"synthetic: baselines {r['svm']:.3f}, {r['rf']:.3f} > 0.5")
        return
    _claim(len(df) == 400, f"ESC-10 has 400 clips, got {len(df)}")
    _claim(r["shared random"] > 0, "a random split puts takes of one source on both sides")
    _claim(r["svm random"] > r["svm"], f"random split {r['svm random']:.3f} > official folds {r['svm']:.3f}")
    _claim(r["svm"] > r["rf"], f"SVM {r['svm']:.3f} > random forest {r['rf']:.3f}")
    _claim(r["cnn"] > max(r["svm"], r["rf"]), f"CNN {r['cnn']:.3f} > both baselines")
    _claim(r["cnn"] > r["cnn plain"], f"augmented CNN {r['cnn']:.3f} > un-augmented {r['cnn plain']:.3f}")
    _claim(r["live cnn"] > r["ast"], f"equal-size CNN {r['live cnn']:.3f} > AST {r['ast']:.3f} at about equal CPU time")
    _claim(r["sed insertions"] < r["window insertions"],
           f"frame-level insertions {r['sed insertions']:.3f} < 5-s windows {r['window insertions']:.3f}")
