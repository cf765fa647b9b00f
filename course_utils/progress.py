"""Progress bars for anything that takes more than a few seconds.

Every loop in ``course_utils`` that can take a while shows a ``tqdm.auto`` bar (a widget in
Jupyter, text in a terminal) through :func:`progress_bar`. Functions take ``progress=False`` to
hide it; setting the environment variable ``TQDM_DISABLE=1`` hides all of them, as CI and the
benchmark do (a headless notebook run has no use for thousands of widget updates).
"""
from __future__ import annotations

import os
from collections.abc import Iterable

__all__ = ["progress_bar", "bars_disabled"]


def bars_disabled() -> bool:
    """True when the environment variable ``TQDM_DISABLE`` is set to a true value (1, true, yes, on)."""
    return os.environ.get("TQDM_DISABLE", "").strip().lower() in ("1", "true", "yes", "on")


def progress_bar(iterable: Iterable | None = None, *, desc: str = "", progress: bool = True,
                 leave: bool = False, **kwargs):
    """A ``tqdm.auto.tqdm`` bar over ``iterable`` (or a manual one with ``total=``), shown unless
    ``progress`` is False or :func:`bars_disabled`. Other keyword arguments go to tqdm."""
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, leave=leave, disable=not progress or bars_disabled(), **kwargs)
