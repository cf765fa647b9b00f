"""Training and evaluating the chapter's networks with the course's one loop (:func:`course_utils.training.fit`).

Notebook: 09_sound_classification § A log-mel CNN with attention pooling
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from ..parallel import torch_threads
from ..training import fit
from .augment import augment_batch
from .networks import EscCNN

__all__ = ["Recipe", "normalize", "train_network", "predict_proba", "accuracy"]


@dataclass(frozen=True)
class Recipe:
    """How a network is trained (everything the weights depend on besides the data and the seed).

    Parameters
    ----------
    epochs : int
        Maximal number of epochs.
    lr : float
        Peak learning rate of AdamW (one-cycle schedule).
    weight_decay : float
        AdamW weight decay.
    batch_size : int
        Examples per step.
    crop : int or None
        Frames kept by the time shift (``None``: all).
    alpha : float or None
        Mixup parameter (``None``: no mixup).
    spec : bool
        SpecAugment.
    shift : bool
        Time shift (and crop); ``False`` trains on the clips as they are.
    patience : int or None
        Early stopping on the validation accuracy (needs validation data).

    Notebook: 09_sound_classification § A log-mel CNN with attention pooling
    """

    epochs: int = 40
    lr: float = 3e-3
    weight_decay: float = 1e-2
    batch_size: int = 32
    crop: int | None = 128
    alpha: float | None = 0.2
    spec: bool = True
    shift: bool = True
    patience: int | None = None


def normalize(mels: np.ndarray) -> np.ndarray:
    """Map log-mels in dB re the peak (-80..0) to about -1..1: ``mels / 40 + 1`` (no statistics of any split).

    Parameters
    ----------
    mels : np.ndarray
        Log-mel spectrograms in dB.

    Returns
    -------
    np.ndarray
        float32, same shape.

    Notebook: 09_sound_classification § A log-mel CNN with attention pooling
    """
    return (np.asarray(mels, np.float32) / 40.0 + 1.0).astype(np.float32)


def _loss(model: torch.nn.Module, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    if isinstance(model, EscCNN):  # clip probabilities from attention pooling: binary cross-entropy
        return F.binary_cross_entropy(out, target)
    return torch.sum(-target * F.log_softmax(out, dim=1), dim=1).mean()  # soft-target cross-entropy


def predict_proba(model: torch.nn.Module, X: np.ndarray, *, batch_size: int = 64) -> np.ndarray:
    """Class scores of a trained network for normalised log-mels ``X`` (eval mode, no gradients).

    Parameters
    ----------
    model : torch.nn.Module
        One of the chapter's networks.
    X : np.ndarray
        ``(clips, n_mels, frames)``, normalised with :func:`normalize`.
    batch_size : int
        Clips per forward pass.

    Returns
    -------
    np.ndarray
        ``(clips, n_classes)``: probabilities (softmax of the logits for networks that output logits).

    Notebook: 09_sound_classification § A log-mel CNN with attention pooling
    """
    model.eval()
    outs = []
    with torch.no_grad(), torch_threads(1):
        for i in range(0, len(X), batch_size):
            out = model(torch.from_numpy(np.asarray(X[i:i + batch_size], np.float32)))
            outs.append(out if isinstance(model, EscCNN) else torch.softmax(out, dim=1))
    return torch.cat(outs).numpy()


def accuracy(model: torch.nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of clips whose highest-scoring class is the label.

    Parameters
    ----------
    model : torch.nn.Module
        A trained network.
    X : np.ndarray
        Normalised log-mels.
    y : np.ndarray
        Class indices.

    Returns
    -------
    float
        Accuracy in [0, 1].

    Notebook: 09_sound_classification § A log-mel CNN with attention pooling
    """
    return float(np.mean(predict_proba(model, X).argmax(1) == np.asarray(y)))


def train_network(model: torch.nn.Module, X: np.ndarray, y: np.ndarray, recipe: Recipe = Recipe(), *,
                  validation: tuple[np.ndarray, np.ndarray] | None = None, seed: int = 0,
                  max_steps: int | None = None, progress: bool = True, desc: str = "train") -> dict[str, list[float]]:
    """Train ``model`` in place on normalised log-mels ``X`` with labels ``y``; return the history.

    Each epoch visits the clips in a seeded random order, in batches augmented by
    :func:`~course_utils.sound_events.augment.augment_batch`; AdamW with a one-cycle schedule. With
    ``validation`` the history has ``"val accuracy"`` per epoch, and with ``recipe.patience`` the best
    epoch's weights are kept (the validation clips must come from a fold that is neither trained on
    nor tested on).

    Parameters
    ----------
    model : torch.nn.Module
        Built, untrained (or pretrained, to fine-tune).
    X : np.ndarray
        ``(clips, n_mels, frames)`` normalised log-mels.
    y : np.ndarray
        Class indices.
    recipe : Recipe
        Epochs, learning rate, augmentation.
    validation : tuple of np.ndarray, optional
        ``(X_val, y_val)``.
    seed : int
        Seeds the batches, the augmentation and torch.
    max_steps : int, optional
        Stop after this many steps (a short live run).
    progress : bool
        Show a progress bar.
    desc : str
        Its label.

    Returns
    -------
    dict of str to list of float
        ``"train loss"`` (and ``"val accuracy"``) per epoch.

    Notebook: 09_sound_classification § A log-mel CNN with attention pooling
    """
    X, y = np.asarray(X, np.float32), np.asarray(y)
    n_classes = int(model.head.out_features if hasattr(model, "head") else model.pool.frame.out_features)
    Y = np.eye(n_classes, dtype=np.float32)[y]
    rng = np.random.default_rng(seed)
    per_epoch = int(np.ceil(len(X) / recipe.batch_size))
    total = min(recipe.epochs * per_epoch, max_steps or 10**9)
    torch.manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe.lr, total_steps=total)
    steps = [0]

    def batches(epoch):
        order = rng.permutation(len(X))
        for i in range(0, len(X), recipe.batch_size):
            if steps[0] >= total:
                return
            steps[0] += 1
            idx = order[i:i + recipe.batch_size]
            xb, yb = X[idx], Y[idx]
            if recipe.shift or recipe.spec or recipe.alpha is not None:
                xb, yb = augment_batch(xb, yb, rng, crop=recipe.crop, alpha=recipe.alpha, spec=recipe.spec,
                                       shift=recipe.shift)
            yield torch.from_numpy(xb), torch.from_numpy(yb)

    def step(batch):
        xb, yb = batch
        return _loss(model, model(xb), yb), len(xb), {}

    evaluate, monitor, patience = None, None, None
    if validation is not None:
        def evaluate():
            return {"val accuracy": accuracy(model, *validation)}
        if recipe.patience is not None:
            monitor, patience = "val accuracy", recipe.patience
    epochs = int(np.ceil(total / per_epoch))
    return fit(model, optimizer, batches, step, epochs=epochs, scheduler=scheduler, evaluate=evaluate,
               monitor=monitor, patience=patience, seed=seed, progress=progress, desc=desc)
