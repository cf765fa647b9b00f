"""Auto-checks for the exercises, with specific feedback (the builder is ``scripts/build_exercises.py``).

Each chapter's checks live in ``course_utils/checks/chNN.py`` and are imported by
``solutions/NN_*_solutions.ipynb`` (and so by the generated exercises). A check raises
:class:`ExerciseFeedback` (an ``AssertionError``) that says what is wrong and how to fix it, or
prints a short success line. When the student's code still raises ``NotImplementedError`` the
check says so instead of reporting a wrong answer.
"""
from __future__ import annotations

from .feedback import ExerciseFeedback, call_student, expect_close, expect_equal, passed

__all__ = ["ExerciseFeedback", "passed", "call_student", "expect_close", "expect_equal"]
