"""Progress bars for anything that takes more than a few seconds.

Every loop in ``course_utils`` that can take a while shows a ``tqdm.auto`` bar (a widget in
Jupyter, text in a terminal) through :func:`progress_bar`. Functions take ``progress=False`` to
hide it; setting the environment variable ``TQDM_DISABLE=1`` hides all of them, as CI and the
benchmark do (a headless notebook run has no use for thousands of widget updates).
"""
from __future__ import annotations

import os
from collections.abc import Iterable

from tqdm.auto import tqdm

__all__ = ["progress_bar", "bars_disabled"]


def bars_disabled() -> bool:
    """True when the environment variable ``TQDM_DISABLE`` is set to a true value (1, true, yes, on).

    Returns
    -------
    bool
        Whether every progress bar is hidden.

    Notebook: 01_speaker_recognition § 3. The 120-dimensional speaker vector
    """
    return os.environ.get("TQDM_DISABLE", "").strip().lower() in ("1", "true", "yes", "on")


def progress_bar(iterable: Iterable | None = None, *, desc: str = "", progress: bool = True,
                 leave: bool = False, **kwargs):
    """A ``tqdm.auto.tqdm`` bar over ``iterable`` (or a manual one with ``total=``).

    The bar is shown unless ``progress`` is False or :func:`bars_disabled`.

    Parameters
    ----------
    iterable : Iterable, optional
        What to iterate over; ``None`` for a manual bar (pass ``total=`` and call ``update``).
    desc : str
        Label in front of the bar.
    progress : bool
        ``False`` hides this bar.
    leave : bool
        Keep the finished bar on screen.
    **kwargs
        Passed to ``tqdm`` (e.g. ``total``, ``unit``).

    Returns
    -------
    tqdm.auto.tqdm
        The bar (iterate over it, or use it as a context manager).

    Notebook: 01_speaker_recognition § 3. The 120-dimensional speaker vector
    """
    return tqdm(iterable, desc=desc, leave=leave, disable=not progress or bars_disabled(), **kwargs)
