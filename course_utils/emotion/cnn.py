"""A small CNN for speech emotion recognition on log-mel spectrograms.

Taught in ``notebooks/04_emotion_recognition.ipynb`` (section 8). The seed chapter's ``EmotionCNN``
idea, fed what a CNN is for: real time-frequency images
(:func:`course_utils.emotion.emotion_log_mel`), not feature vectors interpolated into pictures.

Per-utterance normalisation: each mel band's mean over time is removed (cepstral mean
normalisation in the log-mel domain), which takes out most of the microphone and some of the
speaker's timbre, and the result is scaled to unit variance.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ..corruptions import spec_augment as _spec_augment
from ..parallel import torch_threads
from ..training import fit

__all__ = ["EmotionCNN", "normalize_log_mel", "train_cnn", "predict_proba_cnn"]


def normalize_log_mel(S: np.ndarray) -> np.ndarray:
    """Remove each band's mean over time and divide by the utterance's standard deviation.

    Parameters
    ----------
    S : np.ndarray
        Log-mel spectrograms ``(..., mels, frames)``.

    Returns
    -------
    np.ndarray
        float32 array of the same shape.

    Notebook: 04_emotion_recognition § 8. A CNN on real log-mel spectrograms
    """
    S = np.asarray(S, dtype=np.float32)
    S = S - S.mean(axis=-1, keepdims=True)
    return S / (S.std(axis=(-2, -1), keepdims=True) + 1e-5)


def EmotionCNN(n_mels: int = 40, n_classes: int = 8, width: int = 32, dropout: float = 0.3) -> nn.Sequential:
    """A small convolutional network over time, the mel bands being its input channels.

    Average-pool time by 2 (20 ms -> 40 ms hops), then two blocks of 1-D convolution along time
    (kernel 5 = 200 ms, batch norm, ReLU; max-pool by 2 after the first), global average pooling
    over time, dropout and a linear layer. A 2-D CNN over (mel, time) works too but costs several
    times the CPU for this small corpus; convolving along time with all mel bands as channels is the
    classic "time-delay" design of speech models. About 12 k parameters at ``width=32``.

    Parameters
    ----------
    n_mels : int
        Mel bands of the input (its channels).
    n_classes : int
        Number of emotions.
    width : int
        Channels of both convolutions.
    dropout : float
        Dropout before the linear layer.

    Returns
    -------
    torch.nn.Sequential
        Maps ``(batch, n_mels, frames)`` to logits ``(batch, n_classes)``.

    Notebook: 04_emotion_recognition § 8. A CNN on real log-mel spectrograms
    """
    return nn.Sequential(
        nn.AvgPool1d(2),
        nn.Conv1d(n_mels, width, 5, padding=2, bias=False), nn.BatchNorm1d(width), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(width, width, 5, padding=2, bias=False), nn.BatchNorm1d(width), nn.ReLU(),
        nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(width, n_classes),
    )


def _batches(X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator, masks: bool):
    """One epoch of shuffled batches, each example with its own SpecAugment masks if ``masks``."""
    order = rng.permutation(len(X))
    for i in range(0, len(X), batch_size):
        idx = order[i:i + batch_size]
        xb = X[idx]
        if masks:
            xb = np.stack([_spec_augment(s, rng, fill=0.0) for s in xb])
        yield xb, y[idx]


def train_cnn(X: np.ndarray, y: Sequence[int], *, n_classes: int, epochs: int = 12, batch_size: int = 32,
              lr: float = 3e-3, weight_decay: float = 1e-3, spec_augment: bool = True, seed: int = 0,
              width: int = 32, X_val: np.ndarray | None = None, y_val: Sequence[int] | None = None,
              progress: bool = True):
    """Train :func:`EmotionCNN` with AdamW and a one-cycle learning rate (:func:`course_utils.training.fit`).

    Label smoothing 0.05; one math thread (tiny convolutions: extra threads only spin).

    Parameters
    ----------
    X : np.ndarray
        Normalised log-mels ``(n, mels, frames)`` (see :func:`normalize_log_mel`).
    y : sequence of int
        Class indices.
    n_classes, epochs, batch_size, width : int
        Classes, passes over ``X``, examples per step, channels of :func:`EmotionCNN`.
    lr, weight_decay : float
        Peak learning rate of the one-cycle schedule; AdamW's decoupled weight decay.
    spec_augment : bool
        Mask every training example with :func:`course_utils.corruptions.spec_augment` (2 bands
        of up to 6 mel bins, 2 stretches of up to 15 frames, filled with 0).
    seed : int
        Seeds the weights, the batch order and the masks.
    X_val, y_val : np.ndarray, optional
        Held-out log-mels and their classes, scored after every epoch for the curves.
    progress : bool
        Show a progress bar over epochs.

    Returns
    -------
    model, history
        The trained ``torch.nn.Module`` (eval mode) and ``{"train loss": [...], "val accuracy": [...]}``.

    Notebook: 04_emotion_recognition § 8. A CNN on real log-mel spectrograms
    """
    torch.manual_seed(seed)  # before the model: seeds its initial weights (fit's own seed would come after)
    rng = np.random.default_rng(seed)
    X, y = np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64)
    model = EmotionCNN(X.shape[1], n_classes, width=width)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * int(np.ceil(len(X) / batch_size)))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)

    def step(batch):
        xb, yb = batch
        return loss_fn(model(torch.from_numpy(xb)), torch.from_numpy(yb)), len(yb), {}

    def evaluate() -> dict[str, float]:
        return {"val accuracy": float((predict_proba_cnn(model, X_val).argmax(1) == np.asarray(y_val)).mean())}

    history = fit(model, opt, lambda epoch: _batches(X, y, batch_size, rng, spec_augment), step, epochs=epochs,
                  scheduler=sched, evaluate=evaluate if X_val is not None else None, threads=1,
                  progress=progress, desc="CNN epochs")
    return model, history


def predict_proba_cnn(model: nn.Module, X: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """Class probabilities of normalised log-mels, in eval mode, one math thread.

    Parameters
    ----------
    model : torch.nn.Module
        A network from :func:`train_cnn`.
    X : np.ndarray
        Normalised log-mels ``(n, mels, frames)``.
    batch_size : int
        Examples per forward pass.

    Returns
    -------
    np.ndarray
        ``(n, n_classes)`` probabilities.

    Notebook: 04_emotion_recognition § 8. A CNN on real log-mel spectrograms
    """
    model.eval()
    out = []
    with torch_threads(1), torch.no_grad():
        for i in range(0, len(X), batch_size):
            xb = torch.from_numpy(np.asarray(X[i:i + batch_size], dtype=np.float32))
            out.append(torch.softmax(model(xb), dim=1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)
