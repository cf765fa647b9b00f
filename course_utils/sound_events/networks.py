"""The chapter's networks: a log-mel CNN with attention pooling, a small ResNet, and a small AST.

All three map a batch of log-mel spectrograms ``(batch, n_mels, frames)`` to clip logits or
probabilities over the ten classes. :class:`EscCNN` keeps a time axis to the end and pools it with
class-wise attention (Kong et al., 2019), so that the same network trained on clip labels also gives
frame-level activity: the sound event detector of the chapter.

Notebook: 09_sound_classification § A log-mel CNN with attention pooling
"""
from __future__ import annotations

import torch
from torch import nn

from ..mir.tagging import PatchEmbedding

__all__ = ["AttentionPooling", "EscCNN", "ResNetSmall", "AudioTransformer", "count_parameters"]


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters.

    Parameters
    ----------
    model : torch.nn.Module
        Any model.

    Returns
    -------
    int
        Sum of the sizes of the parameters that require gradients.

    Notebook: 09_sound_classification § An audio spectrogram transformer at equal size
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class AttentionPooling(nn.Module):
    """Weak-label pooling: clip probability = attention-weighted mean over time of frame probabilities.

    For each class ``c``: frame probabilities ``p[t, c] = sigmoid(z[t, c])`` and attention weights
    ``w[:, c] = softmax_t(a[t, c])``; the clip probability is ``sum_t w[t, c] p[t, c]``.

    Parameters
    ----------
    channels : int
        Features per frame.
    n_classes : int
        Classes.

    Notebook: 09_sound_classification § A log-mel CNN with attention pooling
    """

    def __init__(self, channels: int, n_classes: int):
        super().__init__()
        self.frame = nn.Linear(channels, n_classes)
        self.attention = nn.Linear(channels, n_classes)

    def forward(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``h`` ``(batch, frames, channels)`` -> clip probabilities, frame probabilities, weights."""
        p = torch.sigmoid(self.frame(h))
        w = torch.softmax(self.attention(h), dim=1)
        return (w * p).sum(dim=1).clamp(1e-6, 1 - 1e-6), p, w


def _block(c_in: int, c_out: int, pool: tuple[int, int], n_convs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(n_convs):
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
    return nn.Sequential(*layers, nn.MaxPool2d(pool))


class EscCNN(nn.Module):
    """Log-mel CNN: a 5x5 stride-2 first convolution, then blocks of 3x3 convs with batch norm and
    max-pooling (two convs in the last block), frequency averaged away,
    then :class:`AttentionPooling` over the remaining frames.

    ``forward`` returns clip probabilities ``(batch, n_classes)``; :meth:`frames` also returns the
    frame probabilities and attention weights (one frame per ``8 * hop``).

    Parameters
    ----------
    n_classes : int
        Classes.
    channels : tuple of int
        Channels of the conv blocks.
    dropout : float
        Dropout before the pooling head.

    Notebook: 09_sound_classification § A log-mel CNN with attention pooling
    """

    def __init__(self, n_classes: int = 10, channels: tuple[int, ...] = (16, 32, 64, 96), dropout: float = 0.3):
        super().__init__()
        pools = [(2, 2), (2, 2)] + [(2, 1)] * (len(channels) - 3)
        c_in = channels[0]
        blocks = [nn.Sequential(nn.Conv2d(1, c_in, 5, stride=2, padding=2, bias=False), nn.BatchNorm2d(c_in), nn.ReLU())]
        for i, (c, pool) in enumerate(zip(channels[1:], pools)):
            blocks.append(_block(c_in, c, pool, 1 if i < len(channels) - 2 else 2))
            c_in = c
        self.features = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(dropout)
        self.pool = AttentionPooling(c_in, n_classes)
        self.time_factor = 8

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, n_mels, frames)`` -> frame features ``(batch, frames // 8, channels)``."""
        h = self.features(x[:, None])          # (batch, channels, mels', frames')
        return self.dropout(h.mean(dim=2).transpose(1, 2))

    def frames(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Clip probabilities, frame probabilities ``(batch, frames', classes)`` and attention weights."""
        return self.pool(self.embed(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.frames(x)[0]


class _Residual(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                                  nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out))
        self.skip = (nn.Identity() if stride == 1 and c_in == c_out else
                     nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.skip(x))


class ResNetSmall(nn.Module):
    """A ResNet-style network with a one-channel first convolution (a spectrogram is one "colour").

    Stem (5x5 conv, stride 2), residual stages with stride 2, global average pooling, a linear
    classifier ``head`` (replaced when a pretrained network is fine-tuned on another task).

    Parameters
    ----------
    n_classes : int
        Outputs of the head.
    channels : tuple of int
        Channels of the stem and the residual stages.

    Notebook: 09_sound_classification § Transfer: pretrain on speech, fine-tune on sounds
    """

    def __init__(self, n_classes: int = 10, channels: tuple[int, ...] = (16, 32, 64, 96)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, channels[0], 5, 2, 2, bias=False), nn.BatchNorm2d(channels[0]), nn.ReLU())
        self.stages = nn.Sequential(*[_Residual(a, b, 2) for a, b in zip(channels[:-1], channels[1:])])
        self.head = nn.Linear(channels[-1], n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stages(self.stem(x[:, None]))
        return self.head(h.mean(dim=(2, 3)))


class AudioTransformer(nn.Module):
    """A small AST: chapter 6's :class:`~course_utils.mir.tagging.PatchEmbedding` (16x16 patches, [CLS]
    token, position embeddings), a pre-norm transformer encoder, and a linear head on the [CLS] token.

    Parameters
    ----------
    n_mels, n_frames : int
        Input size (cropped to whole patches); the default 128 frames is the training crop. A longer
        input is scored as the mean of the logits of its first and its last ``n_frames`` frames.
    n_classes : int
        Classes.
    dim, depth, heads : int
        Token width, encoder layers, attention heads.
    patch : int
        Patch size.

    Notebook: 09_sound_classification § An audio spectrogram transformer at equal size
    """

    def __init__(self, n_mels: int = 64, n_frames: int = 128, n_classes: int = 10, dim: int = 64, depth: int = 2,
                 heads: int = 4, patch: int = 16):
        super().__init__()
        self.crop = (n_mels // patch * patch, n_frames // patch * patch)
        self.embed = PatchEmbedding(n_mels=self.crop[0], n_frames=self.crop[1], patch=patch, dim=dim)
        layer = nn.TransformerEncoderLayer(dim, heads, 2 * dim, dropout=0.1, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.encoder(self.embed(x))
        return self.head(self.norm(tokens[:, 0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x[:, :self.crop[0]]
        if x.shape[2] < self.crop[1]:
            raise ValueError(f"AudioTransformer: {x.shape[2]} frames, fewer than the {self.crop[1]} it was built for")
        if x.shape[2] == self.crop[1]:
            return self._logits(x)
        # a longer clip: the mean of the logits of its first and last crop (the position grid is fixed)
        return 0.5 * (self._logits(x[:, :, :self.crop[1]]) + self._logits(x[:, :, -self.crop[1]:]))
