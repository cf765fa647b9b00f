"""What every auto-check uses: the feedback exception, calling the student's code, comparing answers.

Notebook: 01_speaker_recognition_solutions § Task 2 — The 120-dimensional speaker vector
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["ExerciseFeedback", "passed", "call_student", "expect_close", "expect_equal"]


class ExerciseFeedback(AssertionError):
    """A wrong answer, with a hint of what to change.

    An ``AssertionError``, so a failed check stops the cell like a failed ``assert``.

    Notebook: 01_speaker_recognition_solutions § Task 2 — The 120-dimensional speaker vector
    """


def passed(what: str) -> bool:
    """Print the success line of a check and return True.

    Parameters
    ----------
    what : str
        What was checked (printed as ``✅ <what>: correct``).

    Returns
    -------
    bool
        Always True.

    Notebook: 01_speaker_recognition_solutions § Task 1 — Identification vs verification (written)
    """
    print(f"\u2705 {what}: correct")
    return True


def call_student(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the student's function; turn a stub's ``NotImplementedError`` into a clear message.

    Parameters
    ----------
    func : Callable
        The student's function.
    *args, **kwargs
        Passed to ``func``.

    Returns
    -------
    Any
        Whatever ``func`` returns.

    Raises
    ------
    NotImplementedError
        The function is still the exercise stub; the message says which cell to complete.

    Notebook: 01_speaker_recognition_solutions § Task 2 — The 120-dimensional speaker vector
    """
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        raise NotImplementedError(
            f"{getattr(func, '__name__', 'your function')} is not implemented yet: "
            "replace `raise NotImplementedError()` in the cell above with your code."
        ) from None


def expect_close(got: Any, want: Any, what: str, *, rtol: float = 1e-4, atol: float = 1e-6, hint: str = "") -> None:
    """Raise :class:`ExerciseFeedback` unless ``got`` matches ``want`` in shape and value.

    Parameters
    ----------
    got, want : array-like
        The student's result and the expected one.
    what : str
        What is compared (starts the feedback message).
    rtol, atol : float
        Tolerances of :func:`numpy.allclose`.
    hint : str
        Appended to the message: how to fix the usual mistake.

    Raises
    ------
    ExerciseFeedback
        Different shapes, NaN/inf values, or values outside the tolerances (the message shows
        the largest difference).

    Notebook: 01_speaker_recognition_solutions § Task 2 — The 120-dimensional speaker vector
    """
    got_a, want_a = np.asarray(got), np.asarray(want)
    if got_a.shape != want_a.shape:
        raise ExerciseFeedback(f"{what}: expected shape {want_a.shape}, got {got_a.shape}. {hint}".strip())
    if not np.all(np.isfinite(got_a.astype(float))):
        raise ExerciseFeedback(f"{what}: the result contains NaN or inf. {hint}".strip())
    if not np.allclose(got_a, want_a, rtol=rtol, atol=atol):
        worst = int(np.argmax(np.abs(got_a - want_a))) if got_a.size else 0
        raise ExerciseFeedback(
            f"{what}: values differ (largest difference at flat index {worst}: "
            f"got {got_a.ravel()[worst]:.6g}, expected {want_a.ravel()[worst]:.6g}). {hint}".strip()
        )


def expect_equal(got: Any, want: Any, what: str, hint: str = "") -> None:
    """Raise :class:`ExerciseFeedback` unless ``got == want``.

    Parameters
    ----------
    got, want : Any
        The student's answer and the expected one.
    what : str
        What is compared (starts the feedback message).
    hint : str
        Appended to the message.

    Raises
    ------
    ExerciseFeedback
        The two differ.

    Notebook: 04_emotion_recognition_solutions § Task 1: prosody vs emotion
    """
    if got != want:
        raise ExerciseFeedback(f"{what}: expected {want!r}, got {got!r}. {hint}".strip())
