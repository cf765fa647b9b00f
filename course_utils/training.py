"""The one training loop every network of the course uses: epochs, steps, history, early stopping.

A chapter describes *what* one step computes (``step(batch) -> loss``) and *which* batches an epoch
sees (``batches(epoch)``, usually drawn with a seeded generator); :func:`fit` does the rest the same
way everywhere: train mode, ``zero_grad`` / ``backward`` / optional gradient clipping / ``step``, the
learning-rate schedule per step, the per-epoch history (for :func:`course_utils.plotting.plot_curves`),
an optional evaluation after each epoch with early stopping on it, a fixed torch seed, one math thread,
and a progress bar. The loop is written out once in chapter 1 so that students see it; after that the
chapters call this function.

Notebook: 01_speaker_recognition § What was said vs who said it
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch

from .parallel import torch_threads
from .progress import progress_bar

__all__ = ["fit"]


def _as_step_result(out: Any) -> tuple[torch.Tensor, int, dict[str, float]]:
    if isinstance(out, torch.Tensor):
        return out, 1, {}
    loss, n, metrics = out
    return loss, int(n), dict(metrics or {})


def fit(
    modules: torch.nn.Module | Sequence[torch.nn.Module],
    optimizer: torch.optim.Optimizer,
    batches: Callable[[int], Iterable[Any]],
    step: Callable[[Any], Any],
    *,
    epochs: int,
    scheduler: Any | None = None,
    evaluate: Callable[[], dict[str, float]] | None = None,
    monitor: str | None = None,
    patience: int | None = None,
    mode: str = "max",
    seed: int | None = None,
    threads: int = 1,
    progress: bool = True,
    desc: str = "train",
    total: int | None = None,
    grad_clip: float | None = None,
) -> dict[str, list[float]]:
    """Train ``modules`` for ``epochs`` epochs; return the history, one value per epoch.

    Early stopping: with ``monitor`` (a key returned by ``evaluate``) and ``patience``, training stops
    after ``patience`` epochs without improvement and the best epoch's weights are restored.
    The function is longer than most because it is the whole loop, in one readable piece.

    Parameters
    ----------
    modules : torch.nn.Module or sequence of torch.nn.Module
        What is trained (e.g. an encoder and a classification head); put in train mode each epoch
        and in eval mode at the end.
    optimizer : torch.optim.Optimizer
        Over the modules' parameters.
    batches : callable
        ``batches(epoch)`` yields the epoch's batches (draw them with a seeded generator).
    step : callable
        ``step(batch)`` runs the forward pass and returns the loss tensor, or ``(loss, n, metrics)``
        with the batch size ``n`` and a dict of per-batch metric values (averaged over the epoch,
        weighted by ``n``). Return ``None`` to skip a batch.
    epochs : int
        Number of passes.
    scheduler : torch.optim.lr_scheduler.LRScheduler, optional
        Stepped after every optimiser step.
    evaluate : callable, optional
        Called after each epoch, in eval mode and without gradients; returns a dict of metrics
        added to the history.
    monitor : str, optional
        Metric of ``evaluate`` that early stopping watches.
    patience : int, optional
        Epochs without improvement before stopping.
    mode : {"max", "min"}
        Whether a larger or a smaller ``monitor`` value is better.
    seed : int, optional
        ``torch.manual_seed(seed)`` before the first step (dropout, initial states).
    threads : int
        Math threads while training (see :func:`course_utils.parallel.torch_threads`).
    progress : bool
        Show a progress bar.
    desc : str
        Its label.
    total : int, optional
        Total number of steps, for a bar per step (default: a bar per epoch).
    grad_clip : float, optional
        Clip the gradients' global norm to this value.

    Returns
    -------
    dict of str to list of float
        ``"train loss"``, the step metrics and the evaluation metrics, one value per epoch.

    Notebook: 01_speaker_recognition § What was said vs who said it
    """
    if mode not in ("max", "min"):
        raise ValueError(f"fit: mode must be 'max' or 'min', got {mode!r}")
    if (monitor is None) != (patience is None) or (monitor is not None and evaluate is None):
        raise ValueError("fit: early stopping needs evaluate, monitor and patience together")
    mods = [modules] if isinstance(modules, torch.nn.Module) else list(modules)
    params = [p for m in mods for p in m.parameters()]
    if seed is not None:
        torch.manual_seed(seed)
    history: dict[str, list[float]] = {"train loss": []}
    best, best_state, since_best = None, None, 0
    bar = progress_bar(total=total if total is not None else epochs, desc=desc, progress=progress)
    with torch_threads(threads):
        for epoch in range(epochs):
            for m in mods:
                m.train()
            sums: dict[str, float] = {}
            count = 0
            for batch in batches(epoch):
                out = step(batch)
                if out is None:
                    continue
                loss, n, metrics = _as_step_result(out)
                optimizer.zero_grad()
                loss.backward()
                if grad_clip is not None:
                    torch.nn.utils.clip_grad_norm_(params, grad_clip)
                optimizer.step()
                if scheduler is not None:
                    scheduler.step()
                for key, value in {"train loss": float(loss.item()), **metrics}.items():
                    sums[key] = sums.get(key, 0.0) + float(value) * n
                count += n
                if total is not None:
                    bar.update(1)
            for key, value in sums.items():
                history.setdefault(key, []).append(value / max(count, 1))
            if total is None:
                bar.update(1)
            if evaluate is not None:
                for m in mods:
                    m.eval()
                with torch.no_grad():
                    scores = evaluate()
                for key, value in scores.items():
                    history.setdefault(key, []).append(float(value))
                if monitor is not None:
                    value = float(scores[monitor])
                    if best is None or (value > best if mode == "max" else value < best):
                        best, since_best = value, 0
                        best_state = [copy.deepcopy(m.state_dict()) for m in mods]
                    else:
                        since_best += 1
                        if since_best >= patience:
                            break
    bar.close()
    if best_state is not None:
        for m, state in zip(mods, best_state):
            m.load_state_dict(state)
    for m in mods:
        m.eval()
    return history
