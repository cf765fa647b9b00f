"""The chapter's networks: the workshop's Conv1D on raw samples, a log-mel 2-D CNN, and a CTC CRNN.

Training goes through :func:`course_utils.training.fit` (the course's one loop).

Notebook: 10_keyword_spotting_and_asr § Isolated digits, speaker-independent
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..training import fit

__all__ = ["WorkshopConv1D", "LogMelCNN", "CTCRecognizer", "parameter_table", "train_classifier", "predict_logits"]


class WorkshopConv1D(nn.Module):
    """The workshop's network on one second of raw 8 kHz samples: four Conv1D blocks, then dense layers.

    Each block is a 'valid' Conv1D (kernel 11, ReLU), max-pooling by 4 and dropout 0.25 (8, 16, 32,
    64 filters); then Flatten, Dense 256, Dense 128 (ReLU, dropout 0.5) and the class logits.

    Parameters
    ----------
    n_classes : int
        Number of words.
    length : int
        Input samples (8000: one second at 8 kHz).

    Notebook: 10_keyword_spotting_and_asr § The workshop's Conv1D on the raw waveform
    """

    def __init__(self, n_classes: int = 10, length: int = 8000):
        super().__init__()
        layers, c_in, n = [], 1, length
        for c_out in (8, 16, 32, 64):
            layers += [nn.Conv1d(c_in, c_out, 11), nn.ReLU(), nn.MaxPool1d(4), nn.Dropout(0.25)]
            c_in, n = c_out, (n - 10) // 4
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * n, 256), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(256, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, n_classes))

    def forward(self, x):  # noqa: D102
        return self.head(self.features(x.unsqueeze(1)))


class LogMelCNN(nn.Module):
    """A small 2-D CNN on a log-mel spectrogram: three conv blocks, pooling to 4 time steps, logits.

    Pooling keeps four steps along time (and averages over frequency), so the order of the sounds in
    the word still reaches the classifier.

    Parameters
    ----------
    n_classes : int
        Number of words.
    channels : int
        Filters of the first block (doubled in each of the next two).

    Notebook: 10_keyword_spotting_and_asr § A log-mel 2-D CNN
    """

    def __init__(self, n_classes: int = 10, channels: int = 8):
        super().__init__()

        def block(c_in: int, c_out: int) -> nn.Sequential:
            return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(),
                                 nn.MaxPool2d(2))

        c = channels
        self.features = nn.Sequential(block(1, c), block(c, 2 * c), block(2 * c, 4 * c), nn.AdaptiveAvgPool2d((1, 4)))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(16 * c, n_classes))

    def forward(self, x):  # noqa: D102
        return self.head(self.features(x.unsqueeze(1)))


class CTCRecognizer(nn.Module):
    """Convolutional-recurrent acoustic model for CTC: log-mel frames in, per-frame label log-probabilities out.

    Two 1-D convolutions over time (the second halves the frame rate to 20 ms), a bidirectional GRU,
    and a linear layer to ``n_labels`` outputs (label 0 is the CTC blank, ``d + 1`` is digit ``d``).

    Parameters
    ----------
    n_mels : int
        Input mel bands.
    hidden : int
        GRU units per direction.
    n_labels : int
        Outputs per frame, blank included.

    Notebook: 10_keyword_spotting_and_asr § Connected digits with CTC
    """

    def __init__(self, n_mels: int = 40, hidden: int = 64, n_labels: int = 11):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mels, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 5, stride=2, padding=2), nn.BatchNorm1d(64), nn.ReLU())
        self.rnn = nn.GRU(64, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, n_labels)

    def forward(self, x, lengths=None):
        """``x``: ``(batch, n_mels, frames)`` -> log-probabilities ``(batch, (frames + 1) // 2, n_labels)``.

        ``lengths`` (output frames of each zero-padded recording) keeps the padding out of the GRU, so
        that its backward direction starts at each recording's real end, as it does at test time.
        """
        h = self.conv(x).transpose(1, 2)
        if lengths is not None:
            packed = nn.utils.rnn.pack_padded_sequence(h, torch.as_tensor(lengths).cpu(), batch_first=True,
                                                       enforce_sorted=False)
            h, _ = nn.utils.rnn.pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=h.shape[1])
        else:
            h, _ = self.rnn(h)
        return self.out(h).log_softmax(-1)


def parameter_table(model: nn.Module, example: torch.Tensor) -> pd.DataFrame:
    """Layer, output shape and parameter count of each leaf module, counted by running ``example`` through.

    Parameters
    ----------
    model : nn.Module
        The network.
    example : torch.Tensor
        One input batch (its shape fixes the output shapes).

    Returns
    -------
    pd.DataFrame
        Columns ``layer``, ``output shape``, ``parameters``; a last row ``total``.

    Notebook: 10_keyword_spotting_and_asr § The workshop's Conv1D on the raw waveform
    """
    rows, hooks = [], []
    for name, mod in model.named_modules():
        if not list(mod.children()):
            hooks.append(mod.register_forward_hook(
                lambda m, i, o, name=name: rows.append(
                    (f"{name} ({type(m).__name__})", tuple(o.shape[1:]), sum(p.numel() for p in m.parameters())))))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(example)
    model.train(was_training)
    for h in hooks:
        h.remove()
    table = pd.DataFrame(rows, columns=["layer", "output shape", "parameters"])
    total = sum(p.numel() for p in model.parameters())
    return pd.concat([table, pd.DataFrame([("total", "", total)], columns=table.columns)], ignore_index=True)


def train_classifier(model: nn.Module, X: np.ndarray, y: np.ndarray, *, epochs: int, lr: float = 1e-3,
                     batch_size: int = 32, seed: int = 0, progress: bool = True) -> dict[str, list[float]]:
    """Train a word classifier with Adam and cross-entropy through :func:`course_utils.training.fit`.

    Parameters
    ----------
    model : nn.Module
        Maps a batch of inputs to class logits.
    X : np.ndarray
        Inputs (clips or spectrograms), first axis = examples.
    y : np.ndarray
        Integer labels.
    epochs : int
        Passes over the data.
    lr : float
        Adam's learning rate.
    batch_size : int
        Examples per step.
    seed : int
        Seeds the shuffling and the initial weights' dropout.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict of str to list of float
        ``fit``'s history (``"train loss"``, ``"train accuracy"``).

    Notebook: 10_keyword_spotting_and_asr § A log-mel 2-D CNN
    """
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)

    def batches(epoch):
        order = torch.randperm(len(Xt), generator=gen)
        for s in range(0, len(order), batch_size):
            yield order[s:s + batch_size]

    def step(idx):
        logits = model(Xt[idx])
        acc = float((logits.argmax(1) == yt[idx]).float().mean())
        return nn.functional.cross_entropy(logits, yt[idx]), len(idx), {"train accuracy": acc}

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    return fit(model, opt, batches, step, epochs=epochs, seed=seed, progress=progress, desc="train")


def predict_logits(model: nn.Module, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Logits of ``model`` for ``X`` in evaluation mode, without gradients.

    Parameters
    ----------
    model : nn.Module
        A trained classifier.
    X : np.ndarray
        Inputs, first axis = examples.
    batch_size : int
        Examples per forward pass.

    Returns
    -------
    np.ndarray
        ``(len(X), n_classes)``.

    Notebook: 10_keyword_spotting_and_asr § A log-mel 2-D CNN
    """
    model.eval()
    with torch.no_grad():
        out = [model(torch.as_tensor(X[s:s + batch_size], dtype=torch.float32)).numpy()
               for s in range(0, len(X), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)
