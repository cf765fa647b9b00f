"""How the course uses the CPU: math threads for torch and BLAS, and worker processes for corpora.

The thread policy, in one place: per-file work (features, embeddings of one utterance) and the small
networks of the course run with **one** math thread. On a busy 2-core laptop extra threads mostly
spin-wait for each other, which can cost ten times the CPU of one thread. A large corpus (at least
:data:`PARALLEL_MIN_FILES` files) is instead shared among worker processes, one per core, each with
one math thread (:func:`map_files`); ``COURSE_N_JOBS`` sets how many (``make test`` sets 1, because it
already runs two notebooks at once).

Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from threadpoolctl import threadpool_limits

from .progress import progress_bar

__all__ = ["PARALLEL_MIN_FILES", "n_jobs_for", "torch_threads", "map_files"]

#: Corpora smaller than this are processed in-process (starting workers costs a few seconds).
PARALLEL_MIN_FILES = 200

#: Known, harmless warnings that worker processes would print into the notebook (``PYTHONWARNINGS``
#: syntax, set for the workers only): resemblyzer imports webrtcvad, which imports the deprecated
#: ``pkg_resources`` (the kernel itself silences it where it imports resemblyzer).
WORKER_WARNING_FILTERS = ("ignore:pkg_resources is deprecated as an API:UserWarning",)


def _worker_warning_filters() -> None:
    """Add :data:`WORKER_WARNING_FILTERS` to ``PYTHONWARNINGS``, which new worker processes read at start-up."""
    current = [f for f in os.environ.get("PYTHONWARNINGS", "").split(",") if f]
    os.environ["PYTHONWARNINGS"] = ",".join(current + [f for f in WORKER_WARNING_FILTERS if f not in current])


def n_jobs_for(n_files: int, n_jobs: int | None = None) -> int:
    """How many worker processes :func:`map_files` uses for ``n_files`` items.

    Parameters
    ----------
    n_files : int
        Number of items to process.
    n_jobs : int, optional
        Requested processes; default the environment variable ``COURSE_N_JOBS``, else every core
        (at most 8).

    Returns
    -------
    int
        1 below :data:`PARALLEL_MIN_FILES` items, else ``n_jobs`` (at most ``n_files``).

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    if n_jobs is None:
        env = os.environ.get("COURSE_N_JOBS", "").strip()
        if env:
            try:
                n_jobs = int(env)
            except ValueError:
                raise ValueError(f"COURSE_N_JOBS must be an integer, got {env!r}") from None
        else:
            n_jobs = min(os.cpu_count() or 1, 8)
    if n_files < PARALLEL_MIN_FILES:
        return 1
    return max(1, min(int(n_jobs), n_files))


_ACTIVE_LIMITS: list[int] = []


@contextlib.contextmanager
def torch_threads(n: int = 1) -> Iterator[None]:
    """Run torch and the BLAS/OpenMP pools with ``n`` threads inside the block (restored afterwards).

    Parameters
    ----------
    n : int
        Threads for torch's intra-op pool and for BLAS/OpenMP (through threadpoolctl).

    Notebook: 02_speaker_embeddings § Training the CPU-sized x-vector
    """
    import torch  # torch is heavy to import, and this module also serves torch-free feature extraction

    if _ACTIVE_LIMITS and _ACTIVE_LIMITS[-1] == n and torch.get_num_threads() == n:
        yield  # already limited by an enclosing block (threadpoolctl costs a few ms per call)
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    _ACTIVE_LIMITS.append(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        _ACTIVE_LIMITS.pop()
        torch.set_num_threads(old)


def map_files(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    n_jobs: int | None = None,
    progress: bool = True,
    desc: str = "",
    batch_size: int = 8,
) -> list[Any]:
    """``[func(item) for item in items]``, shared among worker processes for large lists.

    Results come back in order and do not depend on the number of processes. In-process (and in
    each worker) BLAS runs with one thread. ``func`` must be picklable (a module-level function or a
    ``functools.partial`` of one) when workers are used.

    Parameters
    ----------
    func : callable
        Applied to each item; an exception propagates (name the item in its message).
    items : sequence
        File paths or other work items.
    n_jobs : int, optional
        Worker processes (see :func:`n_jobs_for`).
    progress : bool
        Show a progress bar.
    desc : str
        Its label.
    batch_size : int
        Items sent to a worker at a time.

    Returns
    -------
    list
        One result per item.

    Notebook: 01_speaker_recognition § The 120-dimensional speaker vector
    """
    jobs = n_jobs_for(len(items), n_jobs)
    with threadpool_limits(limits=1, user_api="blas"):
        if jobs > 1:
            from joblib import Parallel, delayed  # joblib starts its loky executor on first use

            _worker_warning_filters()
            run = Parallel(n_jobs=jobs, backend="loky", return_as="generator", batch_size=batch_size)
            it = run(delayed(func)(item) for item in items)
        else:
            it = (func(item) for item in items)
        return list(progress_bar(it, total=len(items), desc=desc, progress=progress))
