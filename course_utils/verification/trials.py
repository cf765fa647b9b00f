"""Trial lists, their evaluation, thresholds, and closed-/open-set identification.

Speaker-disjoint trial lists (:func:`split_enrollment`, :func:`make_trials`), EER/minDCF of a trial
table (:func:`evaluate_trials`, via :mod:`course_utils.metrics.verification`), a threshold from the
FAR/FRR trade-off (:func:`choose_threshold`), and identification (:func:`identify_closed_set`,
:func:`open_set_rates`).

Notebook: 03_speaker_verification § Enrollment and cosine scoring
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..metrics.verification import candidate_thresholds, eer, min_dcf, rates_at

__all__ = [
    "choose_threshold",
    "identify_closed_set",
    "open_set_rates",
    "split_enrollment",
    "make_trials",
    "trial_scores",
    "evaluate_trials",
]


def choose_threshold(positive_scores, negative_scores, target: str = "eer", *, rate: float | None = None,
                     p_target: float = 0.01) -> float:
    """A decision threshold (accept when ``score > threshold``) from target/non-target scores.

    Parameters
    ----------
    positive_scores, negative_scores : array-like
        Scores of target (same-speaker) and non-target (impostor) trials.
    target : {"eer", "min_dcf", "far", "frr"}
        ``"eer"``: where FAR = FRR. ``"min_dcf"``: where the detection cost with ``p_target`` is
        smallest. ``"far"``: the lowest threshold whose FAR is at most ``rate`` (a security
        setting). ``"frr"``: the highest threshold whose FRR is at most ``rate`` (a convenience
        setting).
    rate : float, optional
        The allowed FAR or FRR, in [0, 1], for ``target="far"`` / ``"frr"``.
    p_target : float
        Prior of a target trial in the detection cost (``target="min_dcf"``).

    Returns
    -------
    float
        The threshold.

    Notebook: 03_speaker_verification § Choosing a threshold: FAR against FRR
    """
    if target == "eer":
        return eer(positive_scores, negative_scores)[1]
    if target == "min_dcf":
        return min_dcf(positive_scores, negative_scores, p_target=p_target)[1]
    if target in ("far", "frr"):
        if rate is None or not 0.0 <= rate <= 1.0:
            raise ValueError(f"choose_threshold: target={target!r} needs rate in [0, 1], got {rate!r}")
        thr = candidate_thresholds(positive_scores, negative_scores)
        far, frr = rates_at(positive_scores, negative_scores, thr)
        if target == "far":
            ok = np.flatnonzero(far <= rate)
            return float(thr[ok[0]]) if ok.size else float(thr[-1])
        ok = np.flatnonzero(frr <= rate)
        return float(thr[ok[-1]]) if ok.size else float(thr[0])
    raise ValueError(f"choose_threshold: target must be 'eer', 'min_dcf', 'far' or 'frr', got {target!r}")


def identify_closed_set(scores: np.ndarray, model_ids: Sequence[str]) -> np.ndarray:
    """Closed-set identification: the enrolled speaker with the highest score for each test column.

    Parameters
    ----------
    scores : np.ndarray
        ``(n_models, n_test)`` scores.
    model_ids : sequence of str
        The speaker of each score row.

    Returns
    -------
    np.ndarray
        ``(n_test,)`` predicted speaker ids.

    Notebook: 03_speaker_verification § Identification: closed set and open set
    """
    S = np.atleast_2d(np.asarray(scores))
    if S.shape[0] != len(model_ids):
        raise ValueError(f"identify_closed_set: {S.shape[0]} score rows but {len(model_ids)} model ids")
    return np.asarray(model_ids)[np.argmax(S, axis=0)]


def open_set_rates(scores: np.ndarray, model_ids: Sequence[str], true_ids: Sequence[str],
                   threshold: float) -> dict[str, float]:
    """Open-set identification with a rejection threshold.

    Each test utterance gets the best-scoring enrolled speaker if that score exceeds
    ``threshold``, else "unknown". Utterances of speakers not in ``model_ids`` should be
    rejected.

    Parameters
    ----------
    scores : np.ndarray
        ``(n_models, n_test)`` scores.
    model_ids : sequence of str
        The enrolled speaker of each score row.
    true_ids : sequence of str
        The true speaker of each test column (enrolled or not).
    threshold : float
        Accept the best score only when it is above this.

    Returns
    -------
    dict
        ``dir``: detection-and-identification rate (known speakers accepted *and* named
        correctly); ``known_rejected``: known speakers wrongly rejected; ``misidentified``: known
        speakers accepted as someone else; ``unknown_accepted``: unknown speakers wrongly let in
        (the open-set false-alarm rate); ``n_known``, ``n_unknown``.

    Notebook: 03_speaker_verification § Identification: closed set and open set
    """
    S = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    ids = np.asarray(model_ids)
    true = np.asarray([str(t) for t in true_ids])
    if S.shape != (len(ids), len(true)):
        raise ValueError(f"open_set_rates: scores {S.shape} do not match {len(ids)} models x {len(true)} tests")
    best = np.argmax(S, axis=0)
    accepted = S[best, np.arange(S.shape[1])] > threshold
    known = np.isin(true, ids)
    correct = ids[best] == true
    nk, nu = int(known.sum()), int((~known).sum())
    return {
        "dir": float((accepted & correct & known).sum() / nk) if nk else float("nan"),
        "known_rejected": float((~accepted & known).sum() / nk) if nk else float("nan"),
        "misidentified": float((accepted & ~correct & known).sum() / nk) if nk else float("nan"),
        "unknown_accepted": float((accepted & ~known).sum() / nu) if nu else float("nan"),
        "n_known": nk,
        "n_unknown": nu,
    }


def _enrollment_pool(group: pd.DataFrame, n_enroll: int, emotions: Sequence[str]) -> pd.DataFrame:
    """The files of one speaker that enrollment may draw from (calm, normal intensity when possible)."""
    pool = group
    if "emotion" in group.columns and emotions:
        pool = group[group["emotion"].isin(list(emotions))]
        if "intensity" in pool.columns and (pool["intensity"] == "normal").sum() >= n_enroll:
            pool = pool[pool["intensity"] == "normal"]
    return pool


def split_enrollment(df: pd.DataFrame, n_enroll: int = 4, *, emotions: Sequence[str] = ("neutral", "calm"),
                     speaker_col: str = "speaker", seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split each speaker's files into enrollment and test utterances.

    Enrollment takes ``n_enroll`` files per speaker, drawn (seeded) from those whose
    ``emotion`` is in ``emotions`` with normal intensity when the columns exist (a calm
    enrollment, as a user would record it); every other file of the speaker is a test
    utterance.

    Parameters
    ----------
    df : pd.DataFrame
        One row per file, with a speaker column (and optionally ``emotion``, ``intensity``).
    n_enroll : int
        Enrollment files per speaker.
    emotions : sequence of str
        Emotions enrollment may use.
    speaker_col : str
        The speaker column.
    seed : int
        Seeds the draw.

    Returns
    -------
    enroll_df, test_df : pd.DataFrame
        Both with a fresh index and ``df``'s ``attrs``.

    Notebook: 03_speaker_verification § Enrollment and cosine scoring
    """
    if speaker_col not in df.columns:
        raise ValueError(f"split_enrollment: the table has no {speaker_col!r} column")
    if n_enroll < 1:
        raise ValueError(f"split_enrollment: n_enroll must be at least 1, got {n_enroll}")
    rng = np.random.default_rng(seed)
    enroll_idx = []
    for spk, group in df.groupby(speaker_col, sort=True):
        pool = _enrollment_pool(group, n_enroll, emotions)
        if len(pool) < n_enroll:
            raise ValueError(f"split_enrollment: speaker {spk} has only {len(pool)} files to enroll from "
                             f"(emotions {list(emotions)}), {n_enroll} needed")
        if len(group) <= n_enroll:
            raise ValueError(f"split_enrollment: speaker {spk} has no file left for testing")
        enroll_idx += list(rng.choice(pool.index.to_numpy(), size=n_enroll, replace=False))
    enroll = df.loc[sorted(enroll_idx)].reset_index(drop=True)
    test = df.drop(index=enroll_idx).reset_index(drop=True)
    enroll.attrs.update(df.attrs)
    test.attrs.update(df.attrs)
    return enroll, test


def make_trials(model_ids: Sequence[str], test_df: pd.DataFrame, *, speaker_col: str = "speaker",
                enroll_emotions: Sequence[str] = ("neutral", "calm")) -> pd.DataFrame:
    """Every (enrolled model, test utterance) pair as a trial table.

    Parameters
    ----------
    model_ids : sequence of str
        Enrolled speakers, in the order of the model matrix's rows.
    test_df : pd.DataFrame
        Test utterances, in the order of the score matrix's columns.
    speaker_col : str
        The speaker column of ``test_df``.
    enroll_emotions : sequence of str
        Emotions used for enrollment (a test utterance in another one is ``other_emotion``).

    Returns
    -------
    pd.DataFrame
        Columns ``model`` (speaker id), ``model_index`` (row of the model matrix), ``test_index``
        (row of ``test_df``), ``target`` (same speaker), ``speaker`` (the test utterance's), and
        when present in ``test_df``: ``emotion``, ``intensity``, ``same_gender`` (model and test
        speaker share a gender), ``other_emotion`` (the test emotion is not one used for enrollment).

    Notebook: 03_speaker_verification § Enrollment and cosine scoring
    """
    ids = [str(m) for m in model_ids]
    n_t = len(test_df)
    mi = np.repeat(np.arange(len(ids)), n_t)
    ti = np.tile(np.arange(n_t), len(ids))
    spk = test_df[speaker_col].astype(str).to_numpy()
    trials = pd.DataFrame({"model": np.asarray(ids)[mi], "model_index": mi, "test_index": ti, "speaker": spk[ti]})
    trials["target"] = trials["model"] == trials["speaker"]
    if "emotion" in test_df.columns:
        trials["emotion"] = test_df["emotion"].to_numpy()[ti]
        trials["other_emotion"] = ~trials["emotion"].isin(list(enroll_emotions))
    if "intensity" in test_df.columns:
        trials["intensity"] = test_df["intensity"].to_numpy()[ti]
    if "gender" in test_df.columns:
        gender_of = dict(zip(spk, test_df["gender"].astype(str)))
        model_gender = np.array([gender_of.get(m, "?") for m in ids])[mi]
        trials["same_gender"] = model_gender == test_df["gender"].astype(str).to_numpy()[ti]
    return trials


def trial_scores(trials: pd.DataFrame, scores: np.ndarray) -> np.ndarray:
    """Pick each trial's score from a score matrix.

    Parameters
    ----------
    trials : pd.DataFrame
        A table from :func:`make_trials`.
    scores : np.ndarray
        ``(n_models, n_test)`` scores.

    Returns
    -------
    np.ndarray
        ``(n_trials,)`` scores.

    Notebook: 03_speaker_verification § Enrollment and cosine scoring
    """
    S = np.asarray(scores)
    return S[trials["model_index"].to_numpy(), trials["test_index"].to_numpy()]


def evaluate_trials(trials: pd.DataFrame, scores: np.ndarray, mask: np.ndarray | None = None,
                    p_target: float = 0.01) -> dict[str, float]:
    """EER, minDCF and trial counts of a trial table.

    Parameters
    ----------
    trials : pd.DataFrame
        A table from :func:`make_trials`.
    scores : np.ndarray
        Per trial ``(n_trials,)``, or a ``(n_models, n_test)`` matrix.
    mask : np.ndarray, optional
        Boolean, keeps a subset of the trials (e.g. only other-emotion targets plus all non-targets).
    p_target : float
        Prior of a target trial in the detection cost.

    Returns
    -------
    dict
        ``eer``, ``min_dcf``, ``threshold`` (the EER threshold), ``n_target``, ``n_nontarget``.

    Notebook: 03_speaker_verification § Enrollment and cosine scoring
    """
    s = np.asarray(scores)
    if s.ndim == 2:
        s = trial_scores(trials, s)
    target = trials["target"].to_numpy()
    keep = np.ones(len(trials), bool) if mask is None else np.asarray(mask, bool)
    pos, neg = s[keep & target], s[keep & ~target]
    e, thr = eer(pos, neg)
    d, _ = min_dcf(pos, neg, p_target=p_target)
    return {"eer": e, "min_dcf": d, "threshold": thr, "n_target": int(pos.size), "n_nontarget": int(neg.size)}
