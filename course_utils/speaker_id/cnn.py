"""A raw-waveform CNN for chapter 1 and the classifier training it uses (the one loop, :func:`course_utils.training.fit`).

Notebook: 01_speaker_recognition § A raw-waveform CNN
"""
from __future__ import annotations

import numpy as np
import torch

from ..cache import entry_path, key_of, source_digest
from ..checkpoint import cached_model, state_digest
from ..paths import seed_everything
from ..training import fit

__all__ = ["RawWaveformCNN", "train_classifier", "predict_classifier"]


class RawWaveformCNN(torch.nn.Module):
    """A 1-D CNN on raw samples (M5-style, Dai et al. 2017): learnt filterbank, then pooling.

    Input ``(batch, samples)``; output class logits. The first layer's long kernels (80 samples,
    10 ms at 8 kHz, moved ``stride`` samples at a time) play the role of a filterbank that the
    network learns instead of the mel scale.

    Parameters
    ----------
    n_classes : int
        Output classes.
    channels : int
        Filters of the first layers (doubled in the last two).
    stride : int
        Hop of the first (filterbank) layer, in samples.

    Notebook: 01_speaker_recognition § A raw-waveform CNN
    """

    def __init__(self, n_classes: int, channels: int = 32, stride: int = 8):
        super().__init__()
        nn = torch.nn

        def block(c_in: int, c_out: int, k: int, stride: int = 1, pool: int = 4) -> nn.Sequential:
            return nn.Sequential(nn.Conv1d(c_in, c_out, k, stride=stride, padding=k // 2),
                                 nn.BatchNorm1d(c_out), nn.ReLU(), nn.MaxPool1d(pool))

        self.features = nn.Sequential(
            block(1, channels, 80, stride=stride), block(channels, channels, 3),
            block(channels, 2 * channels, 3), block(2 * channels, 2 * channels, 3, pool=2),
        )
        self.head = nn.Linear(2 * channels, n_classes)

    def forward(self, x):  # noqa: D102
        h = self.features(x.unsqueeze(1))
        return self.head(h.mean(dim=-1))


def train_classifier(
    model,
    X: np.ndarray,
    y: np.ndarray,
    *,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    cache: bool = False,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train a classifier with Adam, a one-cycle schedule and cross-entropy; return the per-epoch history.

    With ``cache=True`` the trained weights and history are kept in ``cache_dir("models")``
    (:func:`course_utils.checkpoint.cached_model`) under a content key: the model's class and initial
    weights, the data, the hyper-parameters and this function's code. Asking again loads them.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch of ``X`` rows to class logits; trained in place.
    X, y : np.ndarray
        Training inputs and integer labels.
    X_val, y_val : np.ndarray, optional
        Validation data; its accuracy is recorded after every epoch.
    epochs, batch_size : int
        Passes over the data and examples per step.
    lr : float
        Peak learning rate.
    seed : int
        Seeds everything, including the order of the examples.
    cache : bool
        Keep the trained model and load it on the next identical call.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict of str to list of float
        ``"train loss"``, ``"train accuracy"`` and (with validation data) ``"validation accuracy"``.

    Notebook: 01_speaker_recognition § 6. What was said vs who said it
    """
    def train() -> dict:
        return dict(history=_train_classifier(model, X, y, X_val, y_val, epochs, batch_size, lr, seed, progress))

    if not cache:
        return train()["history"]
    data = [np.ascontiguousarray(a) for a in (X, y, X_val, y_val) if a is not None]
    key = key_of(type(model).__name__, state_digest(model), [state_digest({"a": a}) for a in data],
                 epochs, batch_size, lr, seed, source_digest(_train_classifier))
    meta, _ = cached_model(entry_path("models", f"classifier-{type(model).__name__}", key, ".pt"), model, train)
    return {k: list(v) for k, v in meta["history"].items()}


def _train_classifier(model, X, y, X_val, y_val, epochs, batch_size, lr, seed, progress) -> dict[str, list[float]]:
    seed_everything(seed)
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * int(np.ceil(len(X) / batch_size)))
    gen = torch.Generator().manual_seed(seed)

    def batches(epoch):
        order = torch.randperm(len(Xt), generator=gen)
        for start in range(0, len(order), batch_size):
            yield order[start:start + batch_size]

    def step(idx):
        logits = model(Xt[idx])
        correct = int((logits.argmax(1) == yt[idx]).sum())
        return torch.nn.functional.cross_entropy(logits, yt[idx]), len(idx), {"train accuracy": correct / len(idx)}

    def evaluate():
        return {"validation accuracy": float(np.mean(predict_classifier(model, X_val) == y_val))}

    return fit(model, opt, batches, step, epochs=epochs, scheduler=sched, evaluate=None if X_val is None else evaluate,
               threads=torch.get_num_threads(), progress=progress, desc="epochs")


def predict_classifier(model, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class indices predicted by ``model`` for ``X`` (evaluation mode, no gradients).

    Parameters
    ----------
    model : torch.nn.Module
        The network.
    X : np.ndarray
        Inputs, one row per example.
    batch_size : int
        Examples per forward pass.

    Notebook: 01_speaker_recognition § A raw-waveform CNN
    """
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            out.append(model(torch.as_tensor(X[start : start + batch_size], dtype=torch.float32)).argmax(1).numpy())
    return np.concatenate(out) if out else np.zeros(0, int)
