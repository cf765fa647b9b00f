"""Training of the speaker-embedding networks: classification (softmax or AAM) and triplets.

Taught in ``notebooks/02_speaker_embeddings.ipynb``. What is specific to speaker embeddings lives
here (random fixed-length crops of log-mel spectrograms, SpecAugment, P x K batches, triplet
mining, the losses); the loop itself (AdamW steps, the one-cycle learning-rate schedule, the
per-epoch history for :func:`course_utils.plotting.plot_curves`, the progress bar, one math thread)
is :func:`course_utils.training.fit`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..corruptions import spec_augment
from ..training import fit

__all__ = ["random_crops", "train_classifier", "sample_triplets", "triplet_loss", "train_triplet"]


def random_crops(feats: Sequence[np.ndarray], idx: Sequence[int], n_frames: int,
                 rng: np.random.Generator) -> torch.Tensor:
    """Random ``n_frames``-long windows of ``feats[i]`` (``(n_mels, T)`` arrays) -> ``(len(idx), n_mels, n_frames)``.

    A spectrogram shorter than ``n_frames`` is repeated (tiled) in time until it is long enough.

    Parameters
    ----------
    feats : sequence of np.ndarray
        ``(n_mels, T)`` spectrograms.
    idx : sequence of int
        Which spectrograms to crop.
    n_frames : int
        Frames per random crop.
    rng : np.random.Generator
        Draws the random choices.

    Notebook: 02_speaker_embeddings § Setup
    """
    out = np.empty((len(idx), feats[idx[0]].shape[0], n_frames), dtype=np.float32)
    for j, i in enumerate(idx):
        S = feats[i]
        if S.shape[1] < n_frames:
            S = np.tile(S, (1, int(np.ceil(n_frames / S.shape[1]))))
        start = int(rng.integers(0, S.shape[1] - n_frames + 1))
        out[j] = S[:, start:start + n_frames]
    return torch.from_numpy(out)


def _spec_augment(x: torch.Tensor, rng: np.random.Generator, max_bands: int = 6, max_frames: int = 20) -> torch.Tensor:
    """Zero one random band range and one random time range of each example (SpecAugment-style)."""
    x = x.clone()
    for i in range(len(x)):
        x[i] = spec_augment(x[i], rng, n_freq=1, max_freq=max_bands, n_time=1, max_time=max_frames, fill=0.0)
    return x


class _AfterStep:
    """A metric computed when :func:`course_utils.training.fit` reads it, i.e. after the optimiser step.

    The AAM head's plain accuracy has always been measured with the head's weights after the step;
    deferring it keeps the recorded training curves exactly as they were.
    """

    def __init__(self, compute):
        self.compute = compute

    def __float__(self) -> float:
        return float(self.compute())


def train_classifier(
    model: nn.Module,
    head: nn.Module,
    feats: Sequence[np.ndarray],
    labels: Sequence[int],
    *,
    epochs: int = 8,
    n_frames: int = 150,
    batch_size: int = 32,
    lr: float = 2e-3,
    weight_decay: float = 1e-4,
    augment: bool = True,
    seed: int = 0,
    progress: bool = True,
    threads: int = 1,
    head_on_embedding: bool | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` (features -> embedding) with a speaker-classification ``head``.

    ``head`` is ``nn.Linear`` (plain softmax cross-entropy) or :class:`~.xvector.AAMSoftmax`
    (called with the labels, so the margin applies). The softmax head reads
    ``model.segment_output(emb)`` (the x-vector's segment layer 7) when the model has it; the AAM
    head reads the embedding itself, so that the angular margin shapes the very vectors that are
    later compared by cosine (``head_on_embedding`` overrides this choice).

    Parameters
    ----------
    model : torch.nn.Module
        Features -> embedding (an :class:`~.xvector.XVector`).
    head : torch.nn.Module
        ``nn.Linear`` (softmax) or :class:`~.xvector.AAMSoftmax`.
    feats : sequence of np.ndarray
        One ``(n_mels, frames)`` log-mel spectrogram per utterance.
    labels : sequence of int
        Speaker index of each spectrogram.
    epochs : int
        Passes over the data.
    n_frames : int
        Frames per random crop.
    batch_size : int
        Examples per batch.
    lr : float
        Peak learning rate.
    weight_decay : float
        AdamW weight decay.
    augment : bool
        Apply SpecAugment masks to every crop.
    seed : int
        Random seed.
    progress : bool
        Show a progress bar.
    threads : int
        Math threads while training.
    head_on_embedding : bool, optional
        Feed the head the embedding itself (default: for AAM) instead of segment layer 7.

    Returns
    -------
    dict
        ``{"train loss": [...], "train accuracy": [...]}``, one value per epoch (accuracy of the
        head on the training crops, without margin).

    Notebook: 02_speaker_embeddings § Setup
    """
    labels_t = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    n = len(feats)
    if n == 0 or n != len(labels_t):
        raise ValueError(f"train_classifier: got {n} feature arrays and {len(labels_t)} labels")
    rng = np.random.default_rng(seed)
    opt = torch.optim.AdamW(list(model.parameters()) + list(head.parameters()), lr=lr, weight_decay=weight_decay)
    steps = epochs * int(np.ceil(n / batch_size))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    aam = hasattr(head, "margin")
    if head_on_embedding is None:
        head_on_embedding = aam
    seg = None if head_on_embedding else getattr(model, "segment_output", None)

    def batches(epoch):
        order = rng.permutation(n)
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            if len(idx) < 2:  # batch norm needs two examples
                continue
            x = random_crops(feats, idx, n_frames, rng)
            yield (_spec_augment(x, rng) if augment else x), labels_t[idx]

    def step(batch):
        x, y = batch
        emb = model(x)
        z = seg(emb) if seg is not None else emb
        logits = head(z, y) if aam else head(z)

        def accuracy():
            with torch.no_grad():
                plain = head(z) if aam else logits
                return float((plain.argmax(1) == y).sum()) / len(y)

        return F.cross_entropy(logits, y), len(y), {"train accuracy": _AfterStep(accuracy)}

    return fit([model, head], opt, batches, step, epochs=epochs, scheduler=sched, seed=seed, threads=threads,
               progress=progress, desc=f"train ({'AAM' if aam else 'softmax'})", total=steps)


def sample_triplets(labels: Sequence[int], rng: np.random.Generator | None = None,
                    mining: str = "all") -> np.ndarray:
    """(anchor, positive, negative) index triples for a batch with speaker ``labels``.

    ``mining="random"``: every example is an anchor once, with a random positive (another
    example of the same speaker) and a random negative (an example of another speaker).
    ``mining="all"``: every valid triple of the batch (a P x K batch gives ``P K (K-1) (P-1) K``).
    Anchors whose speaker has no other example in the batch are skipped.

    Parameters
    ----------
    labels : sequence
        Speaker of each example of the batch.
    rng : np.random.Generator, optional
        Draws the random positives and negatives.
    mining : {"all", "random"}
        Which triplets of a batch are used (see :func:`sample_triplets`).

    Returns
    -------
    np.ndarray
        ``(n_triplets, 3)`` int array of indices into ``labels``.

    Notebook: 02_speaker_embeddings § Setup
    """
    labels = np.asarray(labels)
    n = len(labels)
    if mining == "all":
        same = labels[:, None] == labels[None, :]
        a, p = np.nonzero(same & ~np.eye(n, dtype=bool))
        out = [(ai, pi, ni) for ai, pi in zip(a, p) for ni in np.flatnonzero(~same[ai])]
        return np.array(out, dtype=np.int64).reshape(-1, 3)
    if mining != "random":
        raise ValueError(f"sample_triplets: mining must be 'random' or 'all', got {mining!r}")
    rng = rng or np.random.default_rng(0)
    out = []
    for a, la in enumerate(labels):
        pos = np.flatnonzero((labels == la) & (np.arange(n) != a))
        neg = np.flatnonzero(labels != la)
        if len(pos) and len(neg):
            out.append((a, int(rng.choice(pos)), int(rng.choice(neg))))
    return np.array(out, dtype=np.int64).reshape(-1, 3)


def triplet_loss(emb: torch.Tensor, triplets: np.ndarray, margin: float = 0.3,
                 active_only: bool = False) -> torch.Tensor:
    """Triplet loss ``max(0, d(a, p) - d(a, n) + margin)`` with the cosine distance ``d = 1 - cos``.

    Averaged over all triplets, or only over those that violate the margin (``active_only``, the
    usual choice with ``mining="all"``: easy triplets would otherwise dilute the gradient).

    Parameters
    ----------
    emb : torch.Tensor
        Embeddings ``(batch, dim)``.
    triplets : np.ndarray
        ``(n, 3)`` anchor, positive, negative indices.
    margin : float
        Triplet margin (cosine distance).
    active_only : bool
        Average only over the triplets that violate the margin.

    Notebook: 02_speaker_embeddings § Setup
    """
    e = F.normalize(emb, dim=1)
    t = torch.as_tensor(triplets, dtype=torch.long)
    d_ap = 1.0 - (e[t[:, 0]] * e[t[:, 1]]).sum(1)
    d_an = 1.0 - (e[t[:, 0]] * e[t[:, 2]]).sum(1)
    losses = F.relu(d_ap - d_an + margin)
    if active_only:
        active = losses > 0
        return losses[active].mean() if bool(active.any()) else losses.sum()
    return losses.mean()


def train_triplet(
    model: nn.Module,
    feats: Sequence[np.ndarray],
    labels: Sequence[int],
    *,
    epochs: int = 8,
    speakers_per_batch: int = 8,
    utts_per_speaker: int = 4,
    n_frames: int = 160,
    margin: float = 0.3,
    mining: str = "all",
    lr: float = 2e-3,
    augment: bool = True,
    seed: int = 0,
    progress: bool = True,
    threads: int = 1,
) -> dict[str, list[float]]:
    """Train an encoder with the triplet loss on P x K batches (P speakers, K crops each).

    Triplets come from :func:`sample_triplets` (``mining``); with ``"all"`` the loss averages the
    triplets that still violate the margin.

    An "epoch" is as many batches as it takes to draw about every utterance once.

    Parameters
    ----------
    model : torch.nn.Module
        The encoder (a :class:`~.dvector.DVector`).
    feats : sequence of np.ndarray
        One ``(n_mels, frames)`` log-mel spectrogram per utterance.
    labels : sequence of int
        Speaker index of each spectrogram.
    epochs : int
        Passes over the data.
    speakers_per_batch : int
        ``P``: speakers per batch.
    utts_per_speaker : int
        ``K``: crops per speaker.
    n_frames : int
        Frames per random crop.
    margin : float
        Triplet margin (cosine distance).
    mining : {"all", "random"}
        Which triplets of a batch are used (see :func:`sample_triplets`).
    lr : float
        Peak learning rate.
    augment : bool
        Apply SpecAugment masks to every crop.
    seed : int
        Random seed.
    progress : bool
        Show a progress bar.
    threads : int
        Math threads while training.

    Returns
    -------
    dict
        ``{"triplet loss": [...], "active triplets": [...]}`` per epoch (the fraction of triplets
        that still violate the margin: it falls as the embedding learns).

    Notebook: 02_speaker_embeddings § Setup
    """
    labels = np.asarray(labels)
    speakers = np.unique(labels)
    if len(speakers) < 2:
        raise ValueError("train_triplet: need at least two speakers")
    by_spk = {s: np.flatnonzero(labels == s) for s in speakers}
    P = min(speakers_per_batch, len(speakers))
    K = utts_per_speaker
    per_epoch = max(1, int(np.ceil(len(labels) / (P * K))))
    rng = np.random.default_rng(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * per_epoch, pct_start=0.15)

    def batches(epoch):
        for _ in range(per_epoch):
            spk = rng.choice(speakers, size=P, replace=False)
            idx = np.concatenate([rng.choice(by_spk[s], size=K, replace=len(by_spk[s]) < K) for s in spk])
            x = random_crops(feats, idx, n_frames, rng)
            yield (_spec_augment(x, rng) if augment else x), idx

    def step(batch):
        x, idx = batch
        emb = model(x)
        trip = sample_triplets(labels[idx], rng, mining)
        loss = triplet_loss(emb, trip, margin, active_only=mining == "all")
        with torch.no_grad():
            e = F.normalize(emb, dim=1)
            t = torch.as_tensor(trip)
            viol = ((1 - (e[t[:, 0]] * e[t[:, 1]]).sum(1)) - (1 - (e[t[:, 0]] * e[t[:, 2]]).sum(1)) + margin) > 0
        return loss, 1, {"active triplets": float(viol.float().mean())}

    history = fit(model, opt, batches, step, epochs=epochs, scheduler=sched, seed=seed, threads=threads,
                  progress=progress, desc="train (triplet)", total=epochs * per_epoch)
    return {"triplet loss": history["train loss"], "active triplets": history["active triplets"]}
