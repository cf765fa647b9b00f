"""A small recurrent mask-estimation network: the model, its training (through
:func:`course_utils.training.fit`), its cache and the shipped checkpoint (through
:mod:`course_utils.checkpoint`), and enhancement with it."""
from __future__ import annotations

import inspect
import json
from collections.abc import Sequence
from pathlib import Path

import librosa
import numpy as np
import torch
from torch import nn

from ..audio import AudioError, check_audio, fix_length, mix_at_snr
from ..cache import arrays_digest, entry_path, key_of, source_digest
from ..checkpoint import CheckpointError, cached_model, load_into
from ..paths import CHECKPOINT_DIR
from ..training import fit
from .classical import _prepare

__all__ = [
    "NET_SR",
    "MaskNet",
    "net_stft_params",
    "train_mask_net",
    "load_or_train_mask_net",
    "MASKNET_RECIPE",
    "TRAIN_NOISE_SECONDS",
    "PRETRAINED_SHA256",
    "load_pretrained_mask_net",
    "shipped_mask_net",
    "mask_net_enhance",
]

#: Sample rate of the mask network (and of the chapter's data).
NET_SR = 16000

#: The chapter's training recipe for :class:`MaskNet` (everything but the number of steps), chosen on a dev
#: split of the training actors (train 1-12, dev 13-16) with ``scripts/train_masknet.py --dev``. The notebook
#: trains it briefly; the script trains it longer and ships the result (:func:`load_pretrained_mask_net`).
MASKNET_RECIPE = dict(batch_size=16, crop_seconds=1.5, lr=3e-3, hidden=96, layers=1, bidirectional=True,
                      n_bands=0, noise_weights={"babble": 3.0, "music": 1.0, "pink": 1.0, "white": 1.0},
                      loss="si_sdr", seed=0)
#: Length (s) of each training noise for :class:`MaskNet`; the babble is built from *all* training utterances
#: (more talker variety than a few: chosen on the dev split, like the recipe).
TRAIN_NOISE_SECONDS = 240.0
#: sha256 of ``checkpoints/ch05_masknet.pt``: :func:`load_pretrained_mask_net` refuses any other file.
PRETRAINED_SHA256 = "cf534024b44305dc490f4c410944a8d367c44c4fdb68a9ac6d18c908dfb5d4db"
_ARCH = ("hidden", "layers", "bidirectional", "n_bands")


def _band_interp(n_bands: int, n_freq: int, sr: int = NET_SR) -> np.ndarray:
    """``(n_bands, n_freq)`` matrix that turns per-band gains into per-bin gains: triangular mel
    filters normalised so that every bin's weights sum to 1 (linear interpolation between band centres)."""
    if n_bands < 2:
        raise ValueError(f"n_bands must be 0 (one gain per bin) or >= 2, got {n_bands}")
    fb = librosa.filters.mel(sr=sr, n_fft=2 * (n_freq - 1), n_mels=n_bands, norm=None, fmin=0.0, fmax=sr / 2)
    centre = np.argmax(fb, axis=1)
    for j in np.where(fb.sum(axis=0) <= 1e-8)[0]:  # bins no filter covers (the edges): nearest band
        fb[int(np.argmin(np.abs(centre - j))), j] = 1.0
    return (fb / fb.sum(axis=0, keepdims=True)).astype(np.float32)


class MaskNet(nn.Module):
    """A small recurrent mask estimator: noisy log-power STFT in, a gain per bin out.

    Input: the noisy log-power STFT ``(batch, frames, n_freq)``, normalised per utterance. A
    frame-wise linear layer, a GRU (bidirectional by default: it sees the whole utterance;
    ``bidirectional=False`` makes it causal, as a real-time system must be) and a linear layer
    with a sigmoid give a ratio mask in [0, 1] per STFT bin -- or, with ``n_bands > 0``, one gain
    per mel band, interpolated linearly to the STFT bins (RNNoise-style: fewer outputs, a smoother
    mask). Trained by :func:`train_mask_net`.

    Parameters
    ----------
    n_freq : int
        STFT bins per frame (257 for the 512-point STFT of :func:`net_stft_params`).
    hidden : int
        Width of the linear layer and of the GRU.
    layers : int
        GRU layers.
    bidirectional : bool
        Whether the GRU also runs backwards in time.
    n_bands : int
        0: one gain per bin; otherwise gains per mel band (>= 2).

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """

    def __init__(self, n_freq: int = 257, hidden: int = 96, layers: int = 1, bidirectional: bool = True,
                 n_bands: int = 0):
        super().__init__()
        self.n_freq, self.hidden, self.layers, self.bidirectional = n_freq, hidden, layers, bidirectional
        self.n_bands = int(n_bands)
        self.inp = nn.Sequential(nn.Linear(n_freq, hidden), nn.ReLU())
        self.gru = nn.GRU(hidden, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional)
        self.out = nn.Linear(hidden * (2 if bidirectional else 1), self.n_bands or n_freq)
        if self.n_bands:
            self.register_buffer("interp", torch.from_numpy(_band_interp(self.n_bands, n_freq)), persistent=False)

    def forward(self, logpow):  # (B, T, F) -> mask (B, T, F)
        mu = logpow.mean(dim=(1, 2), keepdim=True)
        sd = logpow.std(dim=(1, 2), keepdim=True) + 1e-5
        h = self.inp((logpow - mu) / sd)
        h, _ = self.gru(h)
        mask = torch.sigmoid(self.out(h))
        return mask @ self.interp if self.n_bands else mask

    def config(self) -> dict:
        """The constructor's arguments (what a checkpoint's JSON stores to rebuild the network)."""
        return {"n_freq": self.n_freq, "hidden": self.hidden, "layers": self.layers,
                "bidirectional": self.bidirectional, "n_bands": self.n_bands}


def net_stft_params() -> tuple[int, int]:
    """``(n_fft, hop)`` of the network's STFT at 16 kHz: 32 ms windows, 16 ms hops.

    Half the frames of :func:`~course_utils.enhancement.stft_params`, so training costs half as much.

    Returns
    -------
    tuple of int
        ``(512, 256)``.

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """
    return 512, 256


def _torch_stft(y, n_fft: int = 512, hop: int = 256):
    win = torch.hann_window(n_fft)
    return torch.stft(y, n_fft=n_fft, hop_length=hop, window=win, center=True, return_complex=True)


def _torch_si_sdr(ref, est):
    """Batch SI-SDR in dB (differentiable), zero-mean."""
    ref = ref - ref.mean(dim=-1, keepdim=True)
    est = est - est.mean(dim=-1, keepdim=True)
    alpha = (est * ref).sum(-1, keepdim=True) / ((ref**2).sum(-1, keepdim=True) + 1e-8)
    target = alpha * ref
    return 10 * torch.log10(((target**2).sum(-1) + 1e-8) / (((est - target) ** 2).sum(-1) + 1e-8))


def _draw_batch(clean, noises, kinds, kind_p, rng, batch_size, crop, snrs):
    """One dynamic-mixing batch: random crops of clean utterances, each mixed with a random noise
    segment at a random SNR and brought to a random level. Returns ``(mixtures, clean)``, both
    ``(batch_size, crop)``."""
    xs, ss = [], []
    for _ in range(batch_size):
        c = clean[int(rng.integers(len(clean)))]
        if c.size > crop:  # a random window of the utterance
            start = int(rng.integers(0, c.size - crop + 1))
            c = c[start : start + crop]
        else:
            c = np.pad(c, (0, crop - c.size))
        if np.max(np.abs(c)) < 1e-4:
            c = clean[0][:crop] if clean[0].size >= crop else np.pad(clean[0], (0, crop - clean[0].size))
        kind = kinds[int(rng.choice(len(kinds), p=kind_p))]
        x = mix_at_snr(c, noises[kind], float(rng.choice(snrs)), rng=rng)
        g = 10 ** (rng.uniform(-15, 5) / 20) / (np.max(np.abs(x)) + 1e-9)  # random level
        xs.append(x * g)
        ss.append(c * g)
    return np.stack(xs), np.stack(ss)


def _mask_loss(model, xs: np.ndarray, ss: np.ndarray, loss_kind: str):
    """The training loss of one batch (see :func:`train_mask_net`'s ``loss``)."""
    n_fft, hop = net_stft_params()
    X = _torch_stft(torch.from_numpy(xs), n_fft, hop)
    S = _torch_stft(torch.from_numpy(ss), n_fft, hop)
    Xm, Sm = X.abs().transpose(1, 2), S.abs().transpose(1, 2)
    mask = model(torch.log(Xm**2 + 1e-10))
    loss = 0.0
    if loss_kind in ("si_sdr", "combined"):
        est = torch.istft(X * mask.transpose(1, 2), n_fft=n_fft, hop_length=hop,
                          window=torch.hann_window(n_fft), length=xs.shape[1])
        loss = -_torch_si_sdr(torch.from_numpy(ss), est).mean()
    if loss_kind in ("magnitude", "combined"):
        mag = torch.mean(((mask * Xm + 1e-8) ** 0.3 - (Sm + 1e-8) ** 0.3) ** 2)
        loss = loss + (100.0 if loss_kind == "combined" else 1.0) * mag
    return loss


def train_mask_net(
    clean: Sequence[np.ndarray],
    noises: dict[str, np.ndarray],
    *,
    sr: int = NET_SR,
    steps: int = 300,
    batch_size: int = 16,
    crop_seconds: float = 1.5,
    snrs: Sequence[float] = (-5.0, 0.0, 5.0, 10.0),
    lr: float = 3e-3,
    hidden: int = 96,
    layers: int = 1,
    bidirectional: bool = True,
    n_bands: int = 0,
    noise_weights: dict[str, float] | None = None,
    loss: str = "si_sdr",
    threads: int = 1,
    seed: int = 0,
    progress: bool = True,
):
    """Train :class:`MaskNet` on random mixtures of ``clean`` speech with ``noises``.

    Every step draws ``batch_size`` utterances, a ``crop_seconds`` window of each, a noise kind,
    a random segment of that noise and an SNR from ``snrs``, mixes them with
    :func:`course_utils.audio.mix_at_snr` (fresh mixtures each step: dynamic mixing) and
    minimises ``loss``. The loop is :func:`course_utils.training.fit` with one step per "epoch"
    (one-cycle learning-rate schedule, gradients clipped to norm 5).

    Parameters
    ----------
    clean : sequence of np.ndarray
        Clean training utterances at ``sr``.
    noises : dict of str to np.ndarray
        Training noise of each kind (long recordings; random segments are used).
    sr : int
        Sample rate; must be :data:`NET_SR`.
    steps : int
        Optimiser steps.
    batch_size : int
        Mixtures per step.
    crop_seconds : float
        Length of each training mixture.
    snrs : sequence of float
        Input SNRs drawn from (dB).
    lr : float
        Peak learning rate of the one-cycle schedule (Adam).
    hidden, layers, bidirectional, n_bands : int, int, bool, int
        Architecture, see :class:`MaskNet`.
    noise_weights : dict of str to float, optional
        Probability weight of each noise kind (default: uniform).
    loss : {"si_sdr", "magnitude", "combined"}
        ``"si_sdr"``: the negative SI-SDR of the resynthesised waveform (the metric we report, made
        differentiable); ``"magnitude"``: the mean squared error between compressed magnitudes
        ``|(M |Y|)^0.3 - |S|^0.3|²``; ``"combined"``: negative SI-SDR plus 100 times that error.
    threads : int
        torch's CPU threads while training (restored afterwards).
    seed : int
        Seeds the weights' initialisation and the mixtures.
    progress : bool
        Show a progress bar.

    Returns
    -------
    model : MaskNet
        The trained network (eval mode).
    history : dict
        ``{"loss": [...]}`` per step.

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """
    if sr != NET_SR:
        raise AudioError(f"train_mask_net: training audio must be at {NET_SR} Hz, got {sr}")
    if not clean or not noises:
        raise ValueError("train_mask_net: need at least one clean utterance and one noise")
    if loss not in ("si_sdr", "magnitude", "combined"):
        raise ValueError(f"train_mask_net: loss must be 'si_sdr', 'magnitude' or 'combined', got {loss!r}")
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    n_fft, _ = net_stft_params()
    model = MaskNet(n_freq=n_fft // 2 + 1, hidden=hidden, layers=layers, bidirectional=bidirectional, n_bands=n_bands)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    crop = int(crop_seconds * sr)
    kinds = sorted(noises)
    weights = np.array([1.0 if noise_weights is None else float(noise_weights.get(k, 0.0)) for k in kinds])
    if np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(f"train_mask_net: noise_weights must be >= 0 with a positive sum, got {noise_weights}")
    kind_p = weights / weights.sum()
    clean = [check_audio(c, name=f"clean[{i}]") for i, c in enumerate(clean)]

    def batches(_step):  # one "epoch" = one step: the history and the schedule are per step
        yield _draw_batch(clean, noises, kinds, kind_p, rng, batch_size, crop, snrs)

    hist = fit(model, opt, batches, lambda batch: _mask_loss(model, *batch, loss), epochs=steps, scheduler=sched,
               threads=threads, progress=progress, desc="training MaskNet", grad_clip=5.0)
    return model, {"loss": hist["train loss"]}


def load_or_train_mask_net(
    clean: Sequence[np.ndarray],
    noises: dict[str, np.ndarray],
    *,
    name: str = "ch05_masknet",
    progress: bool = True,
    **train_kwargs,
):
    """Load the trained :class:`MaskNet` from the cache, or train it and keep it there.

    The entry's key is the content of the training data (a fingerprint of every clean utterance and
    noise), the training arguments and the source of this module, so any change retrains. The
    weights are a checkpoint (:func:`course_utils.checkpoint.cached_model`: ``state_dict`` + JSON with
    the architecture and the loss history) in ``cache_dir("models")``.

    Parameters
    ----------
    clean : sequence of np.ndarray
        Clean training utterances.
    noises : dict of str to np.ndarray
        Training noises.
    name : str
        Readable part of the cache file's name.
    progress : bool
        Show a progress bar while training.
    **train_kwargs
        Passed to :func:`train_mask_net`.

    Returns
    -------
    model, history, from_cache : MaskNet, dict, bool
        The network (eval mode), ``{"loss": [...]}``, and whether it was loaded.

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """
    defaults = {k: p.default for k, p in inspect.signature(train_mask_net).parameters.items() if k in _ARCH}
    model = MaskNet(n_freq=net_stft_params()[0] // 2 + 1, **{k: train_kwargs.get(k, v) for k, v in defaults.items()})
    key = key_of(arrays_digest(clean), arrays_digest(noises), train_kwargs, source_digest(train_mask_net))

    def train() -> dict:
        trained, history = train_mask_net(clean, noises, progress=progress, **train_kwargs)
        model.load_state_dict(trained.state_dict())
        return {**model.config(), "history": history}

    meta, from_cache = cached_model(entry_path("models", name, key, suffix=".pt"), model, train)
    return model, meta["history"], from_cache


def load_pretrained_mask_net(path: str | Path | None = None, *, sha256: str | None = None):
    """Load the shipped :class:`MaskNet` checkpoint, trained longer by ``scripts/train_masknet.py``.

    The ``.pt`` file is a ``state_dict``; its SHA-256 is checked against ``sha256`` *before* loading,
    and it is loaded with ``weights_only=True`` (:func:`course_utils.checkpoint.load_into`). The
    ``.json`` next to it holds the architecture, the recipe and the loss history.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The ``.pt`` file (default: ``course_utils/checkpoints/ch05_masknet.pt``).
    sha256 : str, optional
        Its expected SHA-256 (default: :data:`PRETRAINED_SHA256`).

    Returns
    -------
    model, meta : MaskNet, dict
        The network (eval mode) and the checkpoint's JSON.

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """
    path = Path(path) if path is not None else CHECKPOINT_DIR / "ch05_masknet.pt"
    if not path.exists() or not path.with_suffix(".json").exists():
        raise FileNotFoundError(f"{path}: checkpoint (or its .json) not found; run scripts/train_masknet.py")
    arch = json.loads(path.with_suffix(".json").read_text())
    model = MaskNet(n_freq=arch["n_freq"], hidden=arch["hidden"], layers=arch["layers"],
                    bidirectional=arch["bidirectional"], n_bands=arch.get("n_bands", 0))
    meta = load_into(model, path, sha256=PRETRAINED_SHA256 if sha256 is None else sha256)
    return model, meta


def shipped_mask_net():
    """The shipped checkpoint, checked to be the chapter's recipe and training data, and its provenance.

    Besides the SHA-256 (:func:`load_pretrained_mask_net`), the checkpoint's JSON must say it was
    trained with :data:`MASKNET_RECIPE` on all utterances of the training actors (every utterance both
    target speech and babble talker) with :data:`TRAIN_NOISE_SECONDS` of each training noise.

    Returns
    -------
    model : MaskNet
        The network (eval mode).
    meta : dict
        The checkpoint's JSON (recipe with ``steps``, training actors, loss history...).
    provenance : str
        One line saying what was verified and how the checkpoint was trained.

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """
    model, meta = load_pretrained_mask_net()
    recipe = {k: meta["recipe"].get(k) for k in MASKNET_RECIPE}
    if recipe != MASKNET_RECIPE:
        raise CheckpointError(f"ch05_masknet: trained with {recipe}, not the chapter's recipe {MASKNET_RECIPE}")
    if meta["babble_per_actor"] != 0 or meta["noise_seconds"] != TRAIN_NOISE_SECONDS:
        raise CheckpointError(f"ch05_masknet: trained on other data (babble_per_actor={meta['babble_per_actor']}, "
                              f"noise_seconds={meta['noise_seconds']}) than the chapter's")
    provenance = (f"shipped checkpoint (sha256 verified): {meta['recipe']['steps']} steps on {meta['n_utterances']} "
                  f"utterances of actors {meta['train_actors'][0]}-{meta['train_actors'][1]}, "
                  f"{meta['cpu_seconds']} s of CPU to train")
    return model, meta, provenance


def mask_net_enhance(model, y: np.ndarray, sr: int) -> np.ndarray:
    """Enhance ``y`` with a trained :class:`MaskNet` (resampled to 16 kHz and back if needed).

    Parameters
    ----------
    model : MaskNet
        A trained network.
    y : np.ndarray
        Noisy speech.
    sr : int
        Its sample rate.

    Returns
    -------
    np.ndarray
        float32, same length as ``y``.

    Notebook: 05_speech_enhancement § A small mask-estimation network
    """
    y, sr = _prepare(y, sr)
    x = y
    if sr != NET_SR:
        x = librosa.resample(y, orig_sr=sr, target_sr=NET_SR, res_type="soxr_hq")
    n_fft, hop = net_stft_params()
    with torch.no_grad():
        X = _torch_stft(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None], n_fft, hop)
        mask = model(torch.log(X.abs().transpose(1, 2) ** 2 + 1e-10)).transpose(1, 2)
        out = torch.istft(X * mask, n_fft=n_fft, hop_length=hop, window=torch.hann_window(n_fft), length=x.size)
    out = out[0].numpy().astype(np.float32)
    if sr != NET_SR:
        out = librosa.resample(out, orig_sr=NET_SR, target_sr=sr, res_type="soxr_hq")
        out = fix_length(out, y.size)
    return out.astype(np.float32)
