"""A small CNN for speech emotion recognition on log-mel spectrograms.

Taught in ``notebooks/04_emotion_recognition.ipynb``. The seed chapter's ``EmotionCNN`` idea,
fed what a CNN is for: real time-frequency images (:func:`course_utils.emotion.emotion_log_mel`),
not feature vectors interpolated into pictures.

Per-utterance normalisation: each mel band's mean over time is removed (cepstral mean
normalisation in the log-mel domain), which takes out most of the microphone and some of the
speaker's timbre, and the result is scaled to unit variance.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["EmotionCNN", "normalize_log_mel", "train_cnn", "predict_proba_cnn"]


def _torch():
    import torch

    return torch


def normalize_log_mel(S: np.ndarray) -> np.ndarray:
    """Remove each band's mean over time and divide by the utterance's std; ``(..., mels, frames)``."""
    S = np.asarray(S, dtype=np.float32)
    S = S - S.mean(axis=-1, keepdims=True)
    return S / (S.std(axis=(-2, -1), keepdims=True) + 1e-5)


def EmotionCNN(n_mels: int = 40, n_classes: int = 8, width: int = 32, dropout: float = 0.3):
    """A small convolutional network over time, the mel bands being its input channels.

    Average-pool time by 2 (20 ms -> 40 ms hops), then two blocks of 1-D convolution along time
    (kernel 5 = 200 ms, batch norm, ReLU; max-pool by 2 after the first), global average pooling
    over time, dropout and a linear layer. A 2-D CNN over (mel, time) works too but costs several
    times the CPU for this small corpus; convolving along time with all mel bands as channels is the
    classic "time-delay" design of speech models. About 12 k parameters at ``width=32``.
    """
    torch = _torch()
    nn = torch.nn

    return nn.Sequential(
        nn.AvgPool1d(2),
        nn.Conv1d(n_mels, width, 5, padding=2, bias=False), nn.BatchNorm1d(width), nn.ReLU(), nn.MaxPool1d(2),
        nn.Conv1d(width, width, 5, padding=2, bias=False), nn.BatchNorm1d(width), nn.ReLU(),
        nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(width, n_classes),
    )


def train_cnn(
    X: np.ndarray,
    y: Sequence[int],
    *,
    n_classes: int,
    epochs: int = 12,
    batch_size: int = 32,
    lr: float = 3e-3,
    weight_decay: float = 1e-3,
    spec_augment: bool = True,
    seed: int = 0,
    width: int = 32,
    X_val: np.ndarray | None = None,
    y_val: Sequence[int] | None = None,
    progress: bool = True,
):
    """Train :func:`EmotionCNN` with AdamW and a one-cycle learning rate.

    Parameters
    ----------
    X : np.ndarray
        Normalised log-mels ``(n, mels, frames)`` (see :func:`normalize_log_mel`).
    y : class indices.
    spec_augment : bool
        Apply :func:`course_utils.emotion.spec_augment` masks to every training batch.
    X_val, y_val : optional held-out data, evaluated after every epoch for the curves.

    Returns
    -------
    model, history
        The trained ``torch.nn.Module`` (eval mode) and ``{"train loss": [...], "val accuracy": [...]}``.
    """
    torch = _torch()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny convolutions: extra threads only spin (10x the CPU time on a busy machine)
    try:
        return _train(X, y, n_classes, epochs, batch_size, lr, weight_decay, spec_augment, seed, width,
                      X_val, y_val, progress)
    finally:
        torch.set_num_threads(threads)


def _train(X, y, n_classes, epochs, batch_size, lr, weight_decay, spec_augment, seed, width, X_val, y_val,
           progress):
    from .progress import progress_bar

    from .emotion import spec_augment as _mask

    torch = _torch()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    model = EmotionCNN(X.shape[1], n_classes, width=width)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * int(np.ceil(len(X) / batch_size))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.05)
    history: dict[str, list[float]] = {"train loss": []}
    if X_val is not None:
        history["val accuracy"] = []
    for _ in progress_bar(range(epochs), desc="CNN epochs", progress=progress):
        model.train()
        order = rng.permutation(len(X))
        total = 0.0
        for i in range(0, len(X), batch_size):
            idx = order[i:i + batch_size]
            xb = X[idx]
            if spec_augment:
                xb = np.stack([_mask(s, rng=rng, fill=0.0) for s in xb])
            logits = model(torch.from_numpy(xb))
            loss = loss_fn(logits, torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        history["train loss"].append(total / len(X))
        if X_val is not None:
            acc = float((predict_proba_cnn(model, X_val).argmax(1) == np.asarray(y_val)).mean())
            history["val accuracy"].append(acc)
    model.eval()
    return model, history


def predict_proba_cnn(model, X: np.ndarray, batch_size: int = 128) -> np.ndarray:
    """Class probabilities ``(n, n_classes)`` for normalised log-mels ``(n, mels, frames)``."""
    torch = _torch()
    model.eval()
    out = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with torch.no_grad():
        for i in range(0, len(X), batch_size):
            xb = torch.from_numpy(np.asarray(X[i:i + batch_size], dtype=np.float32))
            out.append(torch.softmax(model(xb), dim=1).numpy())
    torch.set_num_threads(threads)
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)
