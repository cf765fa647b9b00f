"""The x-vector network (TDNN + statistics pooling), its parameter count, and the CPU-sized variant.

Taught in ``notebooks/02_speaker_embeddings.ipynb``.

The x-vector of Snyder et al. (2018) reads a sequence of acoustic frames ``(batch, n_in, frames)``:

* five frame-level TDNN layers, 1-D convolutions with kernel 5/3/3/1/1, dilation 1/2/3/1/1 and
  512, 512, 512, 512, 1500 channels (ReLU then batch norm), seeing 15 frames of context;
* **statistics pooling**: the mean and the standard deviation of each channel over time, which
  turns any number of frames into one fixed 2 x 1500 vector;
* two segment-level layers (512 and 512); the output of the first affine layer is the x-vector.

:class:`AttentiveStatsPool` weights the frames before pooling (the ECAPA-TDNN idea) and
:class:`AAMSoftmax` is the additive-angular-margin classification head.
"""
from __future__ import annotations

from collections.abc import Sequence
import math

import pandas as pd
import torch
from torch import nn
import torch.nn.functional as F

__all__ = [
    "FULL_CONFIG",
    "SMALL_CONFIG",
    "SEED_PARAM_COUNT",
    "StatsPool",
    "AttentiveStatsPool",
    "XVector",
    "AAMSoftmax",
    "stats_pooling",
    "count_parameters",
    "xvector_layer_table",
]

#: The seed chapter's x-vector: exactly the published TDNN.
FULL_CONFIG = dict(channels=(512, 512, 512, 512, 1500), kernels=(5, 3, 3, 1, 1), dilations=(1, 2, 3, 1, 1),
                   emb_dim=512, seg_dim=512)
#: The CPU-sized variant trained in the notebook (same shape, narrower layers).
SMALL_CONFIG = dict(channels=(128, 128, 128, 128, 384), kernels=(5, 3, 3, 1, 1), dilations=(1, 2, 3, 1, 1),
                    emb_dim=128, seg_dim=128)
#: The parameter count the seed chapter printed without computing it (40-dim input, 512-dim embedding).
SEED_PARAM_COUNT = 5_358_336


def stats_pooling(h: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Mean and standard deviation over time: ``(batch, C, frames)`` -> ``(batch, 2C)``.

    The standard deviation is the population one (divide by the number of frames), computed as
    ``sqrt(clamp(E[h^2] - E[h]^2, eps))`` so that a constant channel gives ``sqrt(eps)``, not NaN.

    Parameters
    ----------
    h : torch.Tensor
        Frame-level activations ``(batch, C, frames)``.
    eps : float
        Floor of the variance before the square root.

    Notebook: 02_speaker_embeddings_solutions § Task 2: implement statistics pooling
    """
    if h.ndim != 3:
        raise ValueError(f"stats_pooling: expected (batch, channels, frames), got shape {tuple(h.shape)}")
    mu = h.mean(dim=2)
    var = (h * h).mean(dim=2) - mu * mu
    return torch.cat([mu, torch.sqrt(var.clamp(min=eps))], dim=1)


class StatsPool(nn.Module):
    """Statistics pooling layer (no parameters): see :func:`stats_pooling`.

    Notebook: 02_speaker_embeddings § Setup
    """

    def forward(self, h: torch.Tensor) -> torch.Tensor:  # noqa: D102
        return stats_pooling(h)


class AttentiveStatsPool(nn.Module):
    """Channel-dependent attentive statistics pooling (Okabe et al. 2018; ECAPA-TDNN 2020).

    A small network scores every frame for every channel,
    ``e = W2 tanh(W1 h + b1) + b2``; a softmax over time turns the scores into weights ``alpha``,
    and the pooled vector is the weighted mean ``sum alpha h`` and weighted standard deviation
    ``sqrt(sum alpha h^2 - mean^2)``. Frames that carry speaker information (voiced, stable) can
    count more than pauses and transitions.

    Parameters
    ----------
    channels : int
        Channels of the frame-level input.
    bottleneck : int
        Width of the attention network.
    eps : float
        Floor of the variance before the square root.

    Notebook: 02_speaker_embeddings § Setup
    """

    def __init__(self, channels: int, bottleneck: int = 64, eps: float = 1e-5):
        super().__init__()
        self.attention = nn.Sequential(
            nn.Conv1d(channels, bottleneck, kernel_size=1), nn.Tanh(),
            nn.Conv1d(bottleneck, channels, kernel_size=1),
        )
        self.eps = eps

    def weights(self, h: torch.Tensor) -> torch.Tensor:
        """Attention weights ``(batch, C, frames)``, summing to one over frames."""
        return torch.softmax(self.attention(h), dim=2)

    def forward(self, h: torch.Tensor) -> torch.Tensor:  # noqa: D102
        alpha = self.weights(h)
        mu = (alpha * h).sum(dim=2)
        var = (alpha * h * h).sum(dim=2) - mu * mu
        return torch.cat([mu, torch.sqrt(var.clamp(min=self.eps))], dim=1)


class XVector(nn.Module):
    """TDNN x-vector extractor: frame layers, (attentive) statistics pooling, two segment layers.

    Parameters
    ----------
    n_in : int
        Input features per frame (40 log-mel bands or MFCCs).
    channels, kernels, dilations : sequences of 5 ints
        Frame-level TDNN layers (see :data:`FULL_CONFIG` and :data:`SMALL_CONFIG`).
    emb_dim, seg_dim : int
        Sizes of the two segment layers; the first one's affine output is the embedding.
    pooling : {"stats", "attentive"}
        Plain statistics pooling or :class:`AttentiveStatsPool`.

    ``forward(x)`` takes ``(batch, n_in, frames)`` and returns the embeddings ``(batch, emb_dim)``;
    the classification head is a separate module (``nn.Linear`` or :class:`AAMSoftmax`) fed with
    :meth:`segment_output`.

    Notebook: 02_speaker_embeddings § 9. Saving and loading an encoder
    """

    def __init__(self, n_in: int = 40, channels: Sequence[int] = FULL_CONFIG["channels"],
                 kernels: Sequence[int] = FULL_CONFIG["kernels"], dilations: Sequence[int] = FULL_CONFIG["dilations"],
                 emb_dim: int = 512, seg_dim: int = 512, pooling: str = "stats"):
        super().__init__()
        if not (len(channels) == len(kernels) == len(dilations)):
            raise ValueError("channels, kernels and dilations must have the same length")
        if pooling not in ("stats", "attentive"):
            raise ValueError(f"pooling must be 'stats' or 'attentive', got {pooling!r}")
        self.config = dict(n_in=n_in, channels=tuple(channels), kernels=tuple(kernels),
                           dilations=tuple(dilations), emb_dim=emb_dim, seg_dim=seg_dim, pooling=pooling)
        layers = []
        c_in = n_in
        for i, (c, k, d) in enumerate(zip(channels, kernels, dilations), start=1):
            layers.append(nn.Sequential(nn.Conv1d(c_in, c, kernel_size=k, dilation=d), nn.ReLU(), nn.BatchNorm1d(c)))
            c_in = c
        self.frame = nn.Sequential(*layers)
        self.pool = StatsPool() if pooling == "stats" else AttentiveStatsPool(c_in)
        self.segment6 = nn.Linear(2 * c_in, emb_dim)
        self.post6 = nn.Sequential(nn.ReLU(), nn.BatchNorm1d(emb_dim))
        self.segment7 = nn.Sequential(nn.Linear(emb_dim, seg_dim), nn.ReLU(), nn.BatchNorm1d(seg_dim))

    @property
    def receptive_field(self) -> int:
        """Frames of context one output frame of the TDNN sees (15 for the published network)."""
        return 1 + sum((k - 1) * d for k, d in zip(self.config["kernels"], self.config["dilations"]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Embeddings ``(batch, emb_dim)`` of ``x`` ``(batch, n_in, frames)``."""
        if x.ndim != 3 or x.shape[1] != self.config["n_in"]:
            raise ValueError(f"XVector: expected input (batch, {self.config['n_in']}, frames), got {tuple(x.shape)}")
        if x.shape[2] < self.receptive_field:
            reps = math.ceil(self.receptive_field / x.shape[2])
            x = x.repeat(1, 1, reps)
        return self.segment6(self.pool(self.frame(x)))

    def segment_output(self, emb: torch.Tensor) -> torch.Tensor:
        """Segment layer 7's output, what the classification head reads."""
        return self.segment7(self.post6(emb))


class AAMSoftmax(nn.Module):
    """Additive angular margin softmax (ArcFace): logits ``s * cos(theta + m)`` for the true class.

    The weights and the input are L2-normalised, so each logit is the cosine of the angle between
    the embedding and a class centre. Adding the margin ``m`` (radians) to the true class's angle
    forces every class into a tighter cone; the scale ``s`` makes the softmax sharp enough to train.

    Parameters
    ----------
    in_dim : int
        Embedding size.
    n_classes : int
        Training speakers.
    margin : float
        Angular margin ``m`` (radians) added to the true class.
    scale : float
        Logit scale ``s``.

    Notebook: 02_speaker_embeddings § Training with a margin
    """

    def __init__(self, in_dim: int, n_classes: int, margin: float = 0.2, scale: float = 30.0):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_classes, in_dim))
        nn.init.xavier_uniform_(self.weight)
        self.margin, self.scale = float(margin), float(scale)

    def cosine(self, x: torch.Tensor) -> torch.Tensor:
        """Cosine similarity of each input to each class centre, ``(batch, n_classes)``."""
        return F.linear(F.normalize(x), F.normalize(self.weight))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Scaled logits; with ``labels`` the margin is applied to the true classes (training)."""
        cos = self.cosine(x)
        if labels is None:
            return self.scale * cos
        m = self.margin
        sin = torch.sqrt((1.0 - cos * cos).clamp(min=1e-7))
        phi = cos * math.cos(m) - sin * math.sin(m)  # cos(theta + m)
        # beyond theta = pi - m, cos(theta + m) is no longer decreasing: use the usual linear fallback
        phi = torch.where(cos > math.cos(math.pi - m), phi, cos - math.sin(math.pi - m) * m)
        onehot = F.one_hot(labels, cos.shape[1]).to(cos.dtype)
        return self.scale * (onehot * phi + (1.0 - onehot) * cos)


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters of a torch module.

    Parameters
    ----------
    module : torch.nn.Module
        Any module.
    trainable_only : bool
        Count only parameters that require gradients.

    Notebook: 02_speaker_embeddings § Counting the parameters layer by layer
    """
    return int(sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only))


def xvector_layer_table(n_in: int = 40, channels: Sequence[int] = FULL_CONFIG["channels"],
                        kernels: Sequence[int] = FULL_CONFIG["kernels"],
                        dilations: Sequence[int] = FULL_CONFIG["dilations"], emb_dim: int = 512,
                        seg_dim: int = 512, n_speakers: int = 0):
    """The x-vector's parameters counted by hand, layer by layer, as a DataFrame.

    Columns: ``layer``, ``context`` (frames seen by the layer's kernel), ``input``, ``output``,
    ``weights`` (``in * kernel * out``), ``biases`` (``out``), ``batchnorm`` (scale and shift,
    ``2 * out``), ``total``. With ``n_speakers > 0`` a softmax output layer
    (``seg_dim * n_speakers`` weights + ``n_speakers`` biases) is added; it is only needed for
    training and is thrown away afterwards.

    Parameters
    ----------
    n_in : int
        Input features per frame.
    channels : sequence of int
        Widths of the frame layers.
    kernels : sequence of int
        Their kernel sizes.
    dilations : sequence of int
        Their dilations.
    emb_dim : int
        Size of segment layer 6 (the x-vector).
    seg_dim : int
        Size of segment layer 7.
    n_speakers : int
        Add a softmax layer over this many speakers (0: none).

    Notebook: 02_speaker_embeddings § Counting the parameters layer by layer
    """
    rows = []
    c_in = n_in
    for i, (c, k, d) in enumerate(zip(channels, kernels, dilations), start=1):
        ctx = (k - 1) * d + 1
        rows.append(dict(layer=f"frame{i} (TDNN k={k}, d={d})", context=ctx, input=c_in * k, output=c,
                         weights=c_in * k * c, biases=c, batchnorm=2 * c))
        c_in = c
    rows.append(dict(layer="stats pooling (mean+std)", context=0, input=c_in, output=2 * c_in,
                     weights=0, biases=0, batchnorm=0))
    rows.append(dict(layer="segment6 (x-vector)", context=0, input=2 * c_in, output=emb_dim,
                     weights=2 * c_in * emb_dim, biases=emb_dim, batchnorm=2 * emb_dim))
    rows.append(dict(layer="segment7", context=0, input=emb_dim, output=seg_dim,
                     weights=emb_dim * seg_dim, biases=seg_dim, batchnorm=2 * seg_dim))
    if n_speakers:
        rows.append(dict(layer=f"softmax ({n_speakers} speakers)", context=0, input=seg_dim, output=n_speakers,
                         weights=seg_dim * n_speakers, biases=n_speakers, batchnorm=0))
    df = pd.DataFrame(rows)
    df["total"] = df["weights"] + df["biases"] + df["batchnorm"]
    return df


def module_layer_counts(model: XVector) -> dict[str, int]:
    """Parameters of each named block of an :class:`XVector` as PyTorch counts them.

    Parameters
    ----------
    model : XVector
        A built x-vector network.

    Notebook: 02_speaker_embeddings § Counting the parameters layer by layer
    """
    out = {f"frame{i + 1}": count_parameters(layer) for i, layer in enumerate(model.frame)}
    out["pool"] = count_parameters(model.pool)
    out["segment6"] = count_parameters(model.segment6) + count_parameters(model.post6)
    out["segment7"] = count_parameters(model.segment7)
    return out


def small_xvector(n_in: int = 40, pooling: str = "stats") -> XVector:
    """The CPU-sized x-vector (:data:`SMALL_CONFIG`).

    Parameters
    ----------
    n_in : int
        Input features per frame.
    pooling : str
        ``"stats"`` or ``"attentive"`` statistics pooling.

    Notebook: 02_speaker_embeddings § Counting the parameters layer by layer
    """
    return XVector(n_in=n_in, pooling=pooling, **SMALL_CONFIG)


def full_xvector(n_in: int = 40, pooling: str = "stats") -> XVector:
    """The published x-vector (:data:`FULL_CONFIG`); far too big to train in a notebook on a CPU.

    Parameters
    ----------
    n_in : int
        Input features per frame.
    pooling : str
        ``"stats"`` or ``"attentive"`` statistics pooling.

    Notebook: 02_speaker_embeddings § 1. The x-vector network
    """
    return XVector(n_in=n_in, pooling=pooling, **FULL_CONFIG)


__all__ += ["module_layer_counts", "small_xvector", "full_xvector"]
