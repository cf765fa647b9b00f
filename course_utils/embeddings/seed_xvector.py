"""The seed chapter's x-vector network as its code is written, to count its real size.

The seed builds five TDNN layers (``Conv1d -> BatchNorm -> ReLU``), statistics pooling (mean and
standard deviation over time) and two plain fully connected segment layers (3000 -> 512 -> 512, no
batch norm), and prints 5,358,336 parameters without computing them. The course's own network
(:class:`~course_utils.embeddings.xvector.XVector`) follows Kaldi instead: ``Conv1d -> ReLU -> BatchNorm``
and batch norm after both segment layers too, which adds two scales and two shifts of 512 values.
Chapter 2 counts both.

Notebook: 02_speaker_embeddings § The x-vector network
"""
from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from .xvector import FULL_CONFIG, xvector_layer_table

__all__ = ["SeedXVector", "seed_layer_table"]


class SeedXVector(nn.Module):
    """The seed chapter's x-vector network: TDNN (conv, batch norm, ReLU), statistics pooling, two linear layers.

    Parameters
    ----------
    n_in : int
        Input features per frame (40 log-mel bands in the seed).
    emb_dim : int
        Width of both segment layers; the second one's output is the seed's embedding.

    Notebook: 02_speaker_embeddings § The x-vector network
    """

    def __init__(self, n_in: int = 40, emb_dim: int = 512) -> None:
        super().__init__()
        layers, c_in = [], n_in
        for c, k, d in zip(FULL_CONFIG["channels"], FULL_CONFIG["kernels"], FULL_CONFIG["dilations"]):
            layers += [nn.Conv1d(c_in, c, kernel_size=k, dilation=d), nn.BatchNorm1d(c), nn.ReLU()]
            c_in = c
        self.frame = nn.Sequential(*layers)
        self.segment = nn.Sequential(nn.Linear(2 * c_in, emb_dim), nn.ReLU(), nn.Linear(emb_dim, emb_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Embeddings ``(batch, emb_dim)`` of log-mel frames ``(batch, n_in, frames)``.

        Parameters
        ----------
        x : torch.Tensor
            A batch of spectrograms.

        Returns
        -------
        torch.Tensor
            The output of the second segment layer.
        """
        h = self.frame(x)
        return self.segment(torch.cat([h.mean(dim=2), h.std(dim=2)], dim=1))  # the seed's (unbiased) std


def seed_layer_table(n_in: int = 40, emb_dim: int = 512) -> pd.DataFrame:
    """The seed network's parameters counted by hand, layer by layer (no batch norm on the segment layers).

    Parameters
    ----------
    n_in : int
        Input features per frame.
    emb_dim : int
        Width of both segment layers.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~course_utils.embeddings.xvector.xvector_layer_table`.

    Notebook: 02_speaker_embeddings § Counting the parameters layer by layer
    """
    table = xvector_layer_table(n_in=n_in, emb_dim=emb_dim, seg_dim=emb_dim)
    table.loc[table["layer"].str.startswith("segment"), "batchnorm"] = 0
    table["total"] = table["weights"] + table["biases"] + table["batchnorm"]
    return table
