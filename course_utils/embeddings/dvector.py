"""d-vectors: an LSTM speaker encoder trained with the triplet loss, and resemblyzer's GE2E encoder.

Taught in ``notebooks/02_speaker_embeddings.ipynb``.

A d-vector encoder reads a window of log-mel frames with an LSTM, averages its frame-level
outputs over time (Variani et al. 2014 average the last hidden layer over the utterance; GE2E
keeps the last state instead), projects and L2-normalises. An utterance's d-vector is the normalised mean of the d-vectors of
overlapping 1.6 s windows (:func:`sliding_embed`), as in resemblyzer.

:class:`ResemblyzerEncoder` wraps ``resemblyzer.VoiceEncoder``, a 3-layer, 256-unit LSTM trained
with the generalised end-to-end (GE2E) loss on thousands of speakers; its weights ship with the
package, so it works offline.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DVector", "sliding_embed", "load_resemblyzer"]


class DVector(nn.Module):
    """LSTM d-vector encoder: ``(batch, n_in, frames)`` -> L2-normalised ``(batch, emb_dim)``.

    Parameters
    ----------
    n_in : int
        Log-mel bands per frame.
    hidden : int
        LSTM units per layer.
    layers : int
        Stacked LSTM layers.
    emb_dim : int
        Size of the projection (the d-vector).
    pooling : {"mean", "last"}
        Average the LSTM outputs over time, or keep the last hidden state (GE2E style; with only
        16 training speakers and a minute of CPU it learns much more slowly).

    Notebook: 02_speaker_embeddings § 4. d-vectors: an LSTM trained with the triplet loss, and resemblyzer
    """

    def __init__(self, n_in: int = 40, hidden: int = 128, layers: int = 2, emb_dim: int = 64, pooling: str = "mean"):
        super().__init__()
        if pooling not in ("mean", "last"):
            raise ValueError(f"DVector: pooling must be 'mean' or 'last', got {pooling!r}")
        self.config = dict(n_in=n_in, hidden=hidden, layers=layers, emb_dim=emb_dim, pooling=pooling)
        self.lstm = nn.LSTM(n_in, hidden, num_layers=layers, batch_first=True)
        self.proj = nn.Linear(hidden, emb_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # noqa: D102
        if x.ndim != 3 or x.shape[1] != self.config["n_in"]:
            raise ValueError(f"DVector: expected input (batch, {self.config['n_in']}, frames), got {tuple(x.shape)}")
        out, (h, _) = self.lstm(x.transpose(1, 2))
        z = out.mean(dim=1) if self.config["pooling"] == "mean" else h[-1]
        return F.normalize(self.proj(z), dim=1)


def sliding_embed(model: nn.Module, S: np.ndarray, win: int = 160, hop: int = 80) -> np.ndarray:
    """Utterance embedding: normalised mean of the model's embeddings of ``win``-frame windows.

    ``S`` is ``(n_mels, frames)``; an utterance shorter than ``win`` is embedded whole.

    Parameters
    ----------
    model : torch.nn.Module
        The network.
    S : np.ndarray
        Log-mel spectrogram ``(n_mels, frames)``.
    win : int
        Window length (frames).
    hop : int
        Hop between windows (frames).

    Notebook: 02_speaker_embeddings § 4. d-vectors: an LSTM trained with the triplet loss, and resemblyzer
    """
    T = S.shape[1]
    starts = [0] if T <= win else list(range(0, T - win + 1, hop))
    if T > win and starts[-1] + win < T:
        starts.append(T - win)
    x = torch.from_numpy(np.stack([S[:, s:s + min(win, T)] for s in starts]).astype(np.float32))
    with torch.no_grad():
        e = model(x).cpu().numpy()
    e = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
    m = e.mean(axis=0)
    return (m / max(float(np.linalg.norm(m)), 1e-12)).astype(np.float32)


def load_resemblyzer():
    """resemblyzer's pretrained ``VoiceEncoder`` on the CPU (weights ship with the package).

    Raises
    ------
    ImportError
        resemblyzer is not installed (``pip install resemblyzer``).

    Notebook: 02_speaker_embeddings § 4. d-vectors: an LSTM trained with the triplet loss, and resemblyzer
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # resemblyzer/webrtcvad import pkg_resources
        try:
            from resemblyzer import VoiceEncoder
        except ImportError as exc:  # pragma: no cover - resemblyzer is a course requirement
            raise ImportError("resemblyzer is needed for the 'resemblyzer' embedder: pip install resemblyzer") from exc
        return VoiceEncoder(device="cpu", verbose=False)
