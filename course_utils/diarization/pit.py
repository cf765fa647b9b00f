"""Permutation-invariant training (PIT) loss of end-to-end neural diarization.

Taught in ``notebooks/08_speaker_diarization.ipynb`` (section 7).
"""
from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

__all__ = ["pit_loss"]


def pit_loss(logits, targets):
    """Permutation-invariant binary cross-entropy for end-to-end neural diarization (EEND).

    A network outputs one speech-activity logit per frame and *output slot*; which slot a speaker
    lands in is arbitrary, so the loss takes, for each recording, the best of all ``S!`` slot
    permutations of the targets.

    Parameters
    ----------
    logits, targets : torch.Tensor
        Shape ``(batch, frames, speakers)``. Targets are 0/1 activities (two speakers may be
        active at once: overlap).

    Returns
    -------
    (loss, best_permutations)
        The mean over the batch of each recording's minimum BCE, and the minimising permutation
        of each recording (a tuple per recording: output slot ``j`` is matched to speaker
        ``perm[j]``).

    Notebook: 08_speaker_diarization § End-to-end neural diarization and permutation-invariant training
    """
    if logits.shape != targets.shape or logits.ndim != 3:
        raise ValueError(f"logits and targets must both be (batch, frames, speakers), got {tuple(logits.shape)} and {tuple(targets.shape)}")
    S = logits.shape[-1]
    perms = list(itertools.permutations(range(S)))
    losses = torch.stack([
        F.binary_cross_entropy_with_logits(logits, targets[..., list(p)], reduction="none").mean(dim=(1, 2))
        for p in perms
    ], dim=1)  # (batch, S!)
    best, arg = losses.min(dim=1)
    return best.mean(), [perms[i] for i in arg.tolist()]
