"""The textbook prosody table, tested: each utterance's prosody relative to its actor's neutral speech.

Taught in ``notebooks/04_emotion_recognition.ipynb`` (section 3) and used by the chapter's
solutions (task 1).
"""
from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..synth import EMOTION_PROSODY
from .features import PROSODIC_FEATURE_NAMES
from .labels import EMOTIONS

__all__ = ["relative_prosody", "table_prediction", "plot_prosody_boxes"]


def _relative_to_neutral(values: np.ndarray, spk: np.ndarray, emo: np.ndarray, how: str) -> np.ndarray:
    """``values`` of each actor relative to the median of that actor's neutral rows (all rows if none)."""
    rel = np.empty(len(values))
    for a in np.unique(spk):
        sel = spk == a
        neutral_rows = sel & (emo == "neutral")
        neutral = np.median(values[neutral_rows]) if neutral_rows.any() else np.median(values[sel])
        rel[sel] = {"diff": values[sel] - neutral, "inv": neutral / np.maximum(values[sel], 1e-3),
                    "ratio": values[sel] / max(neutral, 1e-3)}[how]
    return rel


def relative_prosody(X: np.ndarray, table) -> pd.DataFrame:
    """Each utterance's pitch, loudness and tempo relative to the same actor's neutral speech.

    Parameters
    ----------
    X : np.ndarray
        Rows of :func:`~course_utils.emotion.emotion_features` (or
        :func:`~course_utils.emotion.prosodic_features`; only the prosodic columns are read).
    table : pandas.DataFrame
        The dataset table (columns ``actor``/``speaker`` and ``emotion``), one row per row of X.

    Returns
    -------
    pandas.DataFrame
        ``emotion``, ``actor``, ``f0_st`` (median F0 minus the actor's neutral median, semitones),
        ``energy_db`` (mean level minus the actor's neutral mean, dB) and ``tempo`` (the actor's
        neutral speech duration divided by this one: > 1 is faster; exact on RAVDESS, whose
        actors all say the same two sentences), ``syllable_rate`` (estimated syllables/s divided
        by the actor's neutral rate).

    Notebook: 04_emotion_recognition § 3. The textbook table, tested ; 04_emotion_recognition_solutions § Task 1: prosody vs emotion
    """
    names = PROSODIC_FEATURE_NAMES
    P = np.asarray(X)[:, : len(names)]
    col = {n: P[:, i] for i, n in enumerate(names)}
    spk = np.asarray(table["actor"] if "actor" in table else table["speaker"])
    emo = np.asarray(table["emotion"])
    out = pd.DataFrame({"emotion": emo, "actor": spk})
    f0, en, dur, rate = (np.asarray(col[k], float) for k in
                         ("f0_median_st", "energy_mean_db", "speech_duration_s", "speaking_rate_syl_per_s"))
    for name, values, how in [("f0_st", f0, "diff"), ("energy_db", en, "diff"), ("tempo", dur, "inv"),
                              ("syllable_rate", rate, "ratio")]:
        out[name] = _relative_to_neutral(values, spk, emo, how)
    return out


def table_prediction() -> pd.DataFrame:
    """The textbook table :data:`course_utils.synth.EMOTION_PROSODY` in the units of :func:`relative_prosody`.

    F0 factor as semitones (``12 log2 f``), energy factor as dB (``20 log10 f``), rate as is.

    Returns
    -------
    pandas.DataFrame
        Indexed by emotion, columns ``f0_st``, ``energy_db`` and ``tempo``.

    Notebook: 04_emotion_recognition § 3. The textbook table, tested
    """
    rows = [dict(emotion=e, f0_st=12 * np.log2(p["f0"]), energy_db=20 * np.log10(p["energy"]), tempo=p["rate"])
            for e, p in EMOTION_PROSODY.items()]
    return pd.DataFrame(rows).set_index("emotion")


def plot_prosody_boxes(rel: pd.DataFrame, *, expected: pd.DataFrame | None = None,
                       order: Sequence[str] = EMOTIONS, axes=None):
    """Box plots per emotion of ``f0_st``, ``energy_db`` and ``tempo`` from :func:`relative_prosody`.

    The table's prediction (:func:`table_prediction`) is drawn as red diamonds.

    Parameters
    ----------
    rel : pandas.DataFrame
        Output of :func:`relative_prosody`.
    expected : pandas.DataFrame, optional
        The prediction to draw (default :func:`table_prediction`).
    order : sequence of str
        Emotions in plotting order (those absent from ``rel`` are skipped).
    axes : sequence of matplotlib.axes.Axes, optional
        Three axes to draw on (default: a new 1 x 3 figure).

    Returns
    -------
    sequence of matplotlib.axes.Axes
        The three axes.

    Notebook: 04_emotion_recognition § 3. The textbook table, tested ; 04_emotion_recognition_solutions § Task 1: prosody vs emotion
    """
    expected = table_prediction() if expected is None else expected
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(15, 4), layout="constrained")
    labels = {"f0_st": "Median F0 re actor's neutral (semitones)",
              "energy_db": "Mean level re actor's neutral (dB)",
              "tempo": "Tempo re actor's neutral (x; >1 faster)"}
    order = [e for e in order if e in set(rel["emotion"])]
    for ax, key in zip(axes, labels):
        data = [rel.loc[rel["emotion"] == e, key].to_numpy() for e in order]
        ax.boxplot(data, showfliers=False)
        ax.set_xticks(range(1, len(order) + 1), order, rotation=35, ha="right", rotation_mode="anchor")
        ax.plot(range(1, len(order) + 1), [expected.loc[e, key] for e in order], "D", color="crimson",
                label="table (EMOTION_PROSODY)")
        ax.axhline(1.0 if key == "tempo" else 0.0, color="grey", lw=0.8, ls=":")
        ax.set(title=labels[key].split(" re ")[0] + " per emotion", ylabel=labels[key], xlabel="Emotion")
        ax.legend(loc="best", fontsize=8)
    return axes
