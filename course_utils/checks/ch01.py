"""Auto-checks for ``solutions/01_speaker_recognition_solutions.ipynb`` (and its exercises)."""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from ..features import deltas, mfcc, speaker_features
from . import ExerciseFeedback, call_student, expect_close, passed

__all__ = ["TASK_SCENARIOS", "check_task_types", "check_speaker_features", "check_nearest_mean"]

#: Scenarios for the identification-vs-verification quiz, and the task each one is.
TASK_SCENARIOS = {
    "A phone unlocks when its owner says the passphrase.": "verification",
    "Label which of the 8 panel members speaks in each part of a debate recording.": "identification",
    "A bank's hotline checks that a caller is the account holder they say they are.": "verification",
    "A smart speaker greets whichever family member is talking, or says 'guest' for visitors.": "open-set identification",
    "Find which of 24 enrolled actors recorded this clip (it is certainly one of them).": "identification",
}
_CHOICES = {"identification", "verification", "open-set identification"}


def check_task_types(answers: Mapping[str, str]) -> bool:
    """Check the quiz: each scenario of :data:`TASK_SCENARIOS` labelled with its task.

    Parameters
    ----------
    answers : dict
        The student's answers.

    Notebook: 01_speaker_recognition_solutions § Chapter 1: Solutions — speaker recognition
    """
    if not isinstance(answers, Mapping):
        raise ExerciseFeedback("answers must be a dict {scenario: task}")
    missing = [s for s in TASK_SCENARIOS if s not in answers]
    if missing:
        raise ExerciseFeedback(f"no answer for: {missing[0]!r} (copy the scenarios from TASK_SCENARIOS)")
    for scenario, want in TASK_SCENARIOS.items():
        got = str(answers[scenario]).strip().lower()
        if got not in _CHOICES:
            raise ExerciseFeedback(f"{scenario!r}: answer one of {sorted(_CHOICES)}, not {got!r}")
        if got != want:
            why = {
                "verification": "there is one claimed identity and the answer is accept or reject (1:1)",
                "identification": "the speaker is one of a known, closed set and the answer is a name (1:N)",
                "open-set identification": "the answer is a name or 'none of them': 1:N plus a rejection threshold",
            }[want]
            raise ExerciseFeedback(f"{scenario!r}: not {got}. Hint: {why}.")
    return passed("identification vs verification quiz")


def _test_signals() -> list[tuple[np.ndarray, int]]:
    rng = np.random.default_rng(1)
    sr = 16000
    t = np.arange(sr) / sr
    voiced = (np.sign(np.sin(2 * np.pi * 130 * t)) * np.exp(-((t % 0.25) - 0.1) ** 2 / 0.005)).astype(np.float32)
    return [
        (0.3 * voiced + 0.01 * rng.normal(size=sr).astype(np.float32), sr),
        (0.1 * rng.normal(size=2400).astype(np.float32), 8000),  # 0.3 s: a short FSDD-like clip
    ]


def check_speaker_features(func: Callable[[np.ndarray, int], np.ndarray]) -> bool:
    """Check a 120-dim speaker vector against :func:`course_utils.features.speaker_features`.

    Parameters
    ----------
    func : callable
        The student's function to check.

    Notebook: 01_speaker_recognition_solutions § Chapter 1: Solutions — speaker recognition
    """
    for y, sr in _test_signals():
        got = np.asarray(call_student(func, y, sr), dtype=float)
        want = speaker_features(y, sr)
        if got.shape != (120,):
            raise ExerciseFeedback(
                f"expected a vector of 120 values (20 MFCC x [static, delta, delta-delta] x [mean, std]), "
                f"got shape {got.shape} for a {y.size / sr:.2f} s signal"
                + (" — short clips need deltas that work with few frames: use course_utils.features.deltas"
                   if y.size < 4000 else ""))
        if np.allclose(got, want, rtol=1e-3, atol=1e-3):
            continue
        m = mfcc(y, sr)
        stack = np.concatenate([m, deltas(m, 1), deltas(m, 2)])
        if np.allclose(got, np.concatenate([stack.std(1), stack.mean(1)]), rtol=1e-3, atol=1e-3):
            raise ExerciseFeedback("means and standard deviations are swapped: put the 60 means first")
        if np.allclose(got[:20], m.mean(1), rtol=1e-3, atol=1e-3):
            expect_close(got, want, "speaker vector", rtol=1e-3, atol=1e-3,
                         hint="The MFCC means are right; check the order [MFCC, delta, delta-delta] and "
                              "that delta-delta is deltas(m, order=2) of the MFCCs.")
        expect_close(got, want, "speaker vector", rtol=1e-3, atol=1e-3,
                     hint="Compute MFCCs with course_utils.features.mfcc (25 ms windows, 10 ms hop, 20 coefficients).")
    return passed("120-dim speaker vector")


def check_nearest_mean(func: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]) -> bool:
    """Check nearest-class-mean identification on data where the answer is known.

    Parameters
    ----------
    func : callable
        The student's function to check.

    Notebook: 01_speaker_recognition_solutions § Chapter 1: Solutions — speaker recognition
    """
    rng = np.random.default_rng(2)
    centres = rng.normal(scale=5, size=(4, 6))
    labels = np.array(["ann", "bob", "cy", "dee"])
    y_train = np.repeat(labels, 10)
    X_train = centres.repeat(10, axis=0) + rng.normal(size=(40, 6))
    X_test = centres + 0.1 * rng.normal(size=(4, 6))
    got = np.asarray(call_student(func, X_train, y_train, X_test))
    if got.shape != (4,):
        raise ExerciseFeedback(f"return one label per test vector: expected shape (4,), got {got.shape}")
    if not set(got.tolist()) <= set(labels.tolist()):
        raise ExerciseFeedback(f"return speaker labels from y_train (e.g. 'ann'), not {got.tolist()} — "
                               "indices into the class means must be mapped back to labels")
    if got.tolist() != labels.tolist():
        raise ExerciseFeedback(
            f"expected {labels.tolist()}, got {got.tolist()}: each test vector should get the label whose "
            "training mean is closest (Euclidean distance)")
    # a test point exactly between two training points but nearer one class *mean*
    X_train = np.array([[0.0], [10.0], [4.0]])
    y_train = np.array(["a", "a", "b"])
    got = np.asarray(call_student(func, X_train, y_train, np.array([[4.5]])))
    if got.tolist() != ["a"]:
        raise ExerciseFeedback("compare with class *means* (mean of 'a' is 5.0), not with the nearest single "
                               "training vector (that would be nearest-neighbour classification)")
    return passed("nearest class mean identification")
