"""Auto-checks for ``solutions/03_speaker_verification_solutions.ipynb`` (and its exercises).

Taught with ``notebooks/03_speaker_verification.ipynb``. Every check calls the student's function
through :func:`~course_utils.checks.call_student`, compares it with the course implementation
(:mod:`course_utils.metrics.verification`, :mod:`course_utils.verification`) on cases chosen to
catch the usual mistakes, and raises :class:`~course_utils.checks.ExerciseFeedback` saying what
is wrong.

Notebook: 03_speaker_verification_solutions § Task 1: the equal error rate
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import norm

from ..datasets import load_ravdess
from ..features import extract_cached, speaker_features
from ..metrics.verification import det_curve, eer, rates_at
from ..verification import cosine_scores, enroll_models
from . import ExerciseFeedback, call_student, passed

__all__ = [
    "given_scores",
    "given_embeddings",
    "check_eer",
    "check_det_points",
    "check_det_plot",
    "check_enroll",
    "check_verify",
    "check_quiz",
]

# Hand-computed case (accept when score > threshold): EER 0.25 at threshold 0.5.
_POS = np.array([0.9, 0.8, 0.7, 0.4])
_NEG = np.array([0.6, 0.5, 0.3, 0.2])


def _unseen_actor_embeddings():
    """MFCC statistics (chapter 1) of RAVDESS actors 17-24, cached; normalised without labels."""
    df = load_ravdess(allow_synthetic=True)
    ev = df[df["actor"] >= 17].reset_index(drop=True)
    F = np.asarray(extract_cached(list(ev["path"]), speaker_features, sr=16000, name="speaker_features"), float)
    F = (F - F.mean(axis=0)) / (F.std(axis=0) + 1e-8)  # mean/variance normalisation, no labels used
    return ev, F


def given_embeddings() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(embeddings, speakers, is_enrollment)`` for RAVDESS actors 17-24 (MFCC statistics).

    The first two neutral/calm, normal-intensity utterances of each actor are marked for enrollment.

    Returns
    -------
    embeddings : np.ndarray
        ``(n, 120)`` MFCC statistics, mean/variance normalised without labels.
    speakers : np.ndarray
        ``(n,)`` speaker ids.
    is_enrollment : np.ndarray
        ``(n,)`` booleans, True for enrollment utterances.

    Notebook: 03_speaker_verification_solutions § Task 3: cosine enrollment and verification
    """
    ev, F = _unseen_actor_embeddings()
    calm = ev["emotion"].isin(["neutral", "calm"]) & (ev["intensity"] == "normal")
    enroll = np.zeros(len(ev), bool)
    enroll[ev[calm].groupby("speaker").head(2).index] = True
    return F, ev["speaker"].to_numpy(), enroll


def given_scores() -> tuple[np.ndarray, np.ndarray]:
    """Target and non-target cosine scores of a real (weak) system: MFCC statistics, unseen actors.

    Voiceprints from :func:`given_embeddings`'s enrollment utterances, every other utterance
    scored against every voiceprint with the course's :mod:`course_utils.verification`.

    Returns
    -------
    positive_scores, negative_scores : np.ndarray
        Target and non-target cosine scores.

    Notebook: 03_speaker_verification_solutions § Task 1: the equal error rate
    """
    F, spk, enroll = given_embeddings()
    ids, M, _ = enroll_models(F[enroll], spk[enroll])
    S = cosine_scores(M, F[~enroll])
    target = np.asarray(ids)[:, None] == spk[~enroll][None, :]
    return S[target], S[~target]


# ------------------------------------------------------------------------------------ EER
def check_eer(func: Callable) -> bool:
    """Check the student's EER: ``func(positive_scores, negative_scores) -> (eer, threshold)``, SpeechBrain convention.

    Parameters
    ----------
    func : callable
        The student's function.

    Returns
    -------
    bool
        True (a wrong answer raises :class:`~course_utils.checks.ExerciseFeedback` with a hint).

    Notebook: 03_speaker_verification_solutions § Task 1: the equal error rate
    """
    got = call_student(func, _POS.copy(), _NEG.copy())
    if not isinstance(got, tuple) or len(got) != 2:
        raise ExerciseFeedback(f"eer must return a tuple (eer, threshold), got {type(got).__name__}: {got!r}")
    e, t = float(got[0]), float(got[1])
    if e > 1.0:
        raise ExerciseFeedback(f"EER = {e}: return a fraction between 0 and 1, not a percentage.")
    if abs(e - 0.25) > 1e-9:
        far, frr = rates_at(_POS, _NEG, [t])
        raise ExerciseFeedback(
            f"On targets {list(_POS)} and non-targets {list(_NEG)} the EER is 0.25 (at threshold 0.5), "
            f"you returned {e:.4g} at threshold {t:.4g}, where FAR = {far[0]:.3g} and FRR = {frr[0]:.3g}. "
            "Count a target as rejected when score <= threshold, a non-target as accepted when score > threshold, "
            "and return (FAR + FRR) / 2 where |FAR - FRR| is smallest.")
    rng = np.random.default_rng(3)
    for name, pos, neg in [("Gaussian scores", rng.normal(1.5, 1, 300), rng.normal(0, 1, 1500)),
                           ("scores with ties", np.round(rng.normal(1, 1, 200), 1), np.round(rng.normal(0, 1, 900), 1)),
                           ("given_scores()", *given_scores())]:
        e_got, t_got = (float(v) for v in call_student(func, pos.copy(), neg.copy()))
        e_want, _ = eer(pos, neg)
        if abs(e_got - e_want) > 1e-6:
            far, frr = rates_at(pos, neg, [t_got])
            raise ExerciseFeedback(
                f"{name}: EER should be {e_want:.5f}, you returned {e_got:.5f} (at your threshold {t_got:.4g}: "
                f"FAR {far[0]:.4f}, FRR {frr[0]:.4f}). Did you try every distinct score and the midpoints "
                "between neighbours as thresholds?")
        far, frr = rates_at(pos, neg, [t_got])
        if abs((far[0] + frr[0]) / 2 - e_got) > 1e-6:
            raise ExerciseFeedback(f"{name}: your threshold {t_got:.4g} does not give your EER: there FAR = {far[0]:.4f} "
                                   f"and FRR = {frr[0]:.4f}. Return the threshold where you measured the EER, and count "
                                   "a target as rejected when score <= threshold, a non-target as accepted when score > threshold.")
    return passed("eer")


# ------------------------------------------------------------------------------------ DET
def check_det_points(func: Callable) -> bool:
    """Check the student's DET points: ``func(positive_scores, negative_scores) -> (far, frr)`` at every distinct score.

    Parameters
    ----------
    func : callable
        The student's function (ascending thresholds, accept when score > threshold).

    Returns
    -------
    bool
        True (a wrong answer raises :class:`~course_utils.checks.ExerciseFeedback` with a hint).

    Notebook: 03_speaker_verification_solutions § Task 2: a DET curve
    """
    got = call_student(func, _POS.copy(), _NEG.copy())
    if not isinstance(got, tuple) or len(got) != 2:
        raise ExerciseFeedback(f"det_points must return a tuple (far, frr), got {type(got).__name__}")
    far, frr = (np.asarray(v, float) for v in got)
    thr = np.unique(np.r_[_POS, _NEG])
    want_far, want_frr = rates_at(_POS, _NEG, thr)
    if far.shape != want_far.shape:
        raise ExerciseFeedback(f"Expected one (FAR, FRR) point per distinct score ({thr.size} here), got {far.shape[0] if far.ndim else 0}.")
    if np.allclose(far, want_frr) and np.allclose(frr, want_far):
        raise ExerciseFeedback("FAR and FRR are swapped: FAR counts non-targets accepted, FRR targets rejected.")
    for name, g, w in [("FAR", far, want_far), ("FRR", frr, want_frr)]:
        if not np.allclose(g, w):
            i = int(np.argmax(np.abs(g - w)))
            raise ExerciseFeedback(
                f"{name} at threshold {thr[i]} should be {w[i]:.3f}, you have {g[i]:.3f} (targets {list(_POS)}, "
                f"non-targets {list(_NEG)}; accept when score > threshold).")
    return passed("det_points")


def check_det_plot(ax, positive_scores, negative_scores) -> bool:
    """Check the student's DET plot: one curve on normal-deviate axes (``norm.ppf``) with labelled axes.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        What the student's plotting function returned.
    positive_scores, negative_scores : np.ndarray
        The scores it plotted.

    Returns
    -------
    bool
        True (a wrong plot raises :class:`~course_utils.checks.ExerciseFeedback` with a hint).

    Notebook: 03_speaker_verification_solutions § Task 2: a DET curve
    """
    if ax is None or not hasattr(ax, "lines"):
        raise ExerciseFeedback("plot_det_curve must return the matplotlib Axes it drew on.")
    if not ax.lines:
        raise ExerciseFeedback("Nothing was plotted: draw norm.ppf(frr) against norm.ppf(far) with ax.plot.")
    far, frr, _ = det_curve(positive_scores, negative_scores)
    ok = (far > 0) & (far < 1) & (frr > 0) & (frr < 1)
    want = {(round(a, 6), round(b, 6)) for a, b in zip(norm.ppf(far[ok]), norm.ppf(frr[ok]))}
    best = 0.0
    for line in ax.lines:
        x, y = (np.asarray(v, float) for v in line.get_data())
        pts = {(round(a, 6), round(b, 6)) for a, b in zip(x, y) if np.isfinite(a) and np.isfinite(b)}
        best = max(best, len(pts & want) / max(len(want), 1))
        if len(pts) and np.nanmax(np.abs(x)) <= 1.0 and np.nanmin(x) >= 0.0 and best < 0.5:
            raise ExerciseFeedback("The curve is plotted on linear axes (values between 0 and 1). A DET plot uses "
                                   "normal deviates: plot norm.ppf(far) and norm.ppf(frr).")
    if best < 0.9:
        raise ExerciseFeedback(f"Only {100 * best:.0f} % of the DET points (norm.ppf(FAR), norm.ppf(FRR)) were found "
                               "on your curve. Use FAR on the x axis and FRR on the y axis, both through norm.ppf.")
    xl, yl = ax.get_xlabel().lower(), ax.get_ylabel().lower()
    if not ("accept" in xl or "far" in xl or "false alarm" in xl):
        raise ExerciseFeedback(f"Label the x axis with the false acceptance rate (got {ax.get_xlabel()!r}).")
    if not ("reject" in yl or "frr" in yl or "miss" in yl):
        raise ExerciseFeedback(f"Label the y axis with the false rejection rate (got {ax.get_ylabel()!r}).")
    return passed("DET plot")


# ------------------------------------------------------------------------------------ enrollment
def check_enroll(func: Callable) -> bool:
    """Check the student's enrollment: ``func(embeddings) -> voiceprint``, the average of L2-normalised embeddings.

    Parameters
    ----------
    func : callable
        The student's function.

    Returns
    -------
    bool
        True (a wrong answer raises :class:`~course_utils.checks.ExerciseFeedback` with a hint).

    Notebook: 03_speaker_verification_solutions § Task 3: cosine enrollment and verification
    """
    E = np.array([[3.0, 0.0], [0.0, 1.0]])
    got = np.asarray(call_student(func, E.copy()), float)
    if got.shape != (2,):
        raise ExerciseFeedback(f"enroll([[3, 0], [0, 1]]) should return one vector of shape (2,), got shape {got.shape}. "
                               "Average over the utterances (axis=0).")
    if np.allclose(got, [1.5, 0.5]):
        raise ExerciseFeedback("You averaged the raw embeddings: [[3, 0], [0, 1]] gave [1.5, 0.5], so the loud "
                               "utterance dominates. Divide each embedding by its L2 norm first: expected [0.5, 0.5].")
    if not np.allclose(got, [0.5, 0.5]) and not np.allclose(got / np.linalg.norm(got), [np.sqrt(0.5)] * 2):
        raise ExerciseFeedback(f"enroll([[3, 0], [0, 1]]) should be the mean of [1, 0] and [0, 1] = [0.5, 0.5]; got {got}.")
    rng = np.random.default_rng(0)
    E = rng.normal(size=(5, 16)) * rng.uniform(0.1, 10, size=(5, 1))
    want = (E / np.linalg.norm(E, axis=1, keepdims=True)).mean(axis=0)
    got = np.asarray(call_student(func, E.copy()), float)
    cos = float(got @ want / (np.linalg.norm(got) * np.linalg.norm(want)))
    if cos < 1 - 1e-9:
        raise ExerciseFeedback(f"On 5 random 16-dim embeddings your voiceprint points elsewhere than the mean of the "
                               f"normalised embeddings (cosine {cos:.4f}).")
    return passed("enroll")


def check_verify(func: Callable, enroll: Callable | None = None) -> bool:
    """Check the student's verification: ``func(voiceprint, embedding, threshold) -> (accepted, score)``, cosine.

    With ``enroll`` given, the two functions are also run on real embeddings
    (:func:`given_embeddings`) and must reproduce the course's EER.

    Parameters
    ----------
    func : callable
        The student's ``verify``.
    enroll : callable, optional
        The student's ``enroll`` (checked with :func:`check_enroll`).

    Returns
    -------
    bool
        True (a wrong answer raises :class:`~course_utils.checks.ExerciseFeedback` with a hint).

    Notebook: 03_speaker_verification_solutions § Task 3: cosine enrollment and verification
    """
    v = np.array([1.0, 0.0])
    got = call_student(func, v, np.array([10.0, 10.0]), 0.5)
    if not isinstance(got, tuple) or len(got) != 2:
        raise ExerciseFeedback(f"verify must return (accepted, score), got {got!r}")
    acc, s = bool(got[0]), float(got[1])
    if abs(s - 10.0) < 1e-6:
        raise ExerciseFeedback("The score of [1, 0] against [10, 10] came out as 10: that is the dot product. "
                               "Divide by both norms to get the cosine (expected 0.7071).")
    if abs(s - np.sqrt(0.5)) > 1e-6:
        raise ExerciseFeedback(f"cos([1, 0], [10, 10]) = 0.7071, your score is {s:.4f}.")
    if not acc:
        raise ExerciseFeedback("Score 0.7071 with threshold 0.5 should be accepted (accept when score > threshold).")
    acc_eq, _ = call_student(func, v, np.array([1.0, 0.0]), 1.0)
    if bool(acc_eq):
        raise ExerciseFeedback("A score equal to the threshold must be rejected: accept only when score > threshold.")
    if enroll is not None:
        F, spk, is_enroll = given_embeddings()
        ids, M, _ = enroll_models(F[is_enroll], spk[is_enroll])
        S = cosine_scores(M, F[~is_enroll])
        target = np.asarray(ids)[:, None] == spk[~is_enroll][None, :]
        want = eer(S[target], S[~target])[0]
        prints = {s_: np.asarray(call_student(enroll, F[is_enroll & (spk == s_)]), float) for s_ in ids}
        S2 = np.array([[float(call_student(func, prints[s_], x, 0.0)[1]) for x in F[~is_enroll]] for s_ in ids])
        got_eer = eer(S2[target], S2[~target])[0]
        if abs(got_eer - want) > 1e-6:
            raise ExerciseFeedback(f"On the real embeddings your enroll + verify give an EER of {100 * got_eer:.2f} %, "
                                   f"the course's give {100 * want:.2f} %.")
    return passed("verify")


# ------------------------------------------------------------------------------------ quiz
_QUIZ = {
    "raise_threshold_far": ("down", "a higher threshold accepts fewer trials; what happens to impostors let in?"),
    "raise_threshold_frr": ("up", "a higher threshold rejects more trials; does that spare the true speakers?"),
    "bank_policy": ("far", "which error costs a bank most, letting an impostor in or asking a customer to retry?"),
    "det_axes": ("ppf", "the DET axes map a probability p to the normal deviate: which scipy.stats.norm method is that?"),
    "replay_detected_by_verification": (False, "whose voice does a replayed recording of Alice carry?"),
}


def check_quiz(answers: dict) -> bool:
    """Check the quiz: short answers about thresholds, DET plots and replay attacks.

    Parameters
    ----------
    answers : dict
        The student's answers, keyed by question.

    Returns
    -------
    bool
        True (a wrong answer raises :class:`~course_utils.checks.ExerciseFeedback` with a hint).

    Notebook: 03_speaker_verification_solutions § Quiz
    """
    if not isinstance(answers, dict):
        raise ExerciseFeedback(f"answers must be a dict, got {type(answers).__name__}")
    missing = [k for k in _QUIZ if k not in answers]
    if missing:
        raise ExerciseFeedback(f"Answer every question; missing: {missing}")
    for key, (want, hint) in _QUIZ.items():
        got = answers[key]
        norm_got = got.strip().lower() if isinstance(got, str) else got
        if norm_got != want:
            raise ExerciseFeedback(f"{key}: {got!r} is not right. Hint: {hint}")
    return passed("quiz")
