"""Training and evaluating the chapter's models: the shipped per-fold checkpoints and the CTC recogniser.

``scripts/train_ch10_models.py`` calls these functions to make ``course_utils/checkpoints/ch10_*``;
the notebook calls them to load the checkpoints and to train small versions live.

Notebook: 10_keyword_spotting_and_asr § Isolated digits, speaker-independent
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..checkpoint import load_checkpoint, load_into
from ..paths import CHECKPOINT_DIR
from ..training import fit
from .ctc import digit_strings, string_features
from .hmm import HMMWordModels
from .models import CTCRecognizer, LogMelCNN, WorkshopConv1D

__all__ = [
    "CTC_TRAIN_SPEAKERS",
    "CTC_TEST_SPEAKERS",
    "MODEL_KINDS",
    "checkpoint_path",
    "new_model",
    "load_model",
    "train_ctc",
    "ctc_log_probs",
    "connected_digit_set",
    "ctc_takes",
]

#: Speakers whose recordings train the CTC model (takes 0-44; takes 45-49 are its development set).
CTC_TRAIN_SPEAKERS = ("george", "jackson", "lucas", "nicolas")
#: Unseen speakers of the connected-digit test.
CTC_TEST_SPEAKERS = ("theo", "yweweler")
#: Isolated-word models shipped per leave-one-speaker-out fold.
MODEL_KINDS = ("conv1d", "cnn", "hmm")


def checkpoint_path(kind: str, fold: str = "") -> Path:
    """Where a shipped model lives: ``course_utils/checkpoints/ch10_<kind>[_<fold>].pt``.

    Parameters
    ----------
    kind : str
        ``"conv1d"``, ``"cnn"``, ``"hmm"`` or ``"ctc"``.
    fold : str
        The held-out speaker of a leave-one-speaker-out model ("" for the CTC model).

    Returns
    -------
    Path
        The ``.pt`` file (its JSON sidecar has the same stem).

    Notebook: 10_keyword_spotting_and_asr § Isolated digits, speaker-independent
    """
    if kind not in (*MODEL_KINDS, "ctc"):
        raise ValueError(f"checkpoint_path: unknown kind {kind!r}; expected one of {(*MODEL_KINDS, 'ctc')}")
    return CHECKPOINT_DIR / (f"ch10_{kind}_{fold}.pt" if fold else f"ch10_{kind}.pt")


def new_model(kind: str):
    """An untrained model of ``kind`` with the shipped configuration.

    Parameters
    ----------
    kind : str
        ``"conv1d"``, ``"cnn"``, ``"hmm"`` or ``"ctc"``.

    Returns
    -------
    nn.Module or HMMWordModels
        The model.

    Notebook: 10_keyword_spotting_and_asr § Isolated digits, speaker-independent
    """
    makers = {"conv1d": WorkshopConv1D, "cnn": LogMelCNN, "hmm": HMMWordModels, "ctc": CTCRecognizer}
    if kind not in makers:
        raise ValueError(f"new_model: unknown kind {kind!r}; expected one of {sorted(makers)}")
    return makers[kind]()


def load_model(kind: str, fold: str = ""):
    """The shipped model of ``kind`` (and fold), its SHA-256 checked against its sidecar.

    Parameters
    ----------
    kind : str
        ``"conv1d"``, ``"cnn"``, ``"hmm"`` or ``"ctc"``.
    fold : str
        Held-out speaker of the fold ("" for the CTC model).

    Returns
    -------
    nn.Module or HMMWordModels
        The model in evaluation mode.

    Notebook: 10_keyword_spotting_and_asr § Isolated digits, speaker-independent
    """
    path = checkpoint_path(kind, fold)
    sha = _sha_of(path)
    model = new_model(kind)
    if kind == "hmm":
        state, _ = load_checkpoint(path, sha256=sha, numpy=True)
        return model.load_state_dict(state)
    load_into(model, path, sha256=sha)
    return model


def _sha_of(path: Path) -> str | None:
    import json

    side = path.with_suffix(".json")
    return json.loads(side.read_text()).get("sha256") if side.exists() else None


def _ctc_batches(feats: Sequence[np.ndarray], texts: Sequence[Sequence[int]], batch_size: int,
                 gen: torch.Generator):
    order = torch.randperm(len(feats), generator=gen).tolist()
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        T = max(feats[i].shape[1] for i in idx)
        x = torch.zeros(len(idx), feats[idx[0]].shape[0], T)
        for j, i in enumerate(idx):
            x[j, :, :feats[i].shape[1]] = torch.from_numpy(feats[i])
        lengths = torch.tensor([(feats[i].shape[1] + 1) // 2 for i in idx])
        targets = torch.tensor([d + 1 for i in idx for d in texts[i]])
        target_lengths = torch.tensor([len(texts[i]) for i in idx])
        yield x, lengths, targets, target_lengths


def train_ctc(model: nn.Module, feats: Sequence[np.ndarray], texts: Sequence[Sequence[int]], *, epochs: int,
              lr: float = 3e-3, batch_size: int = 16, seed: int = 0, progress: bool = True) -> dict[str, list[float]]:
    """Train a CTC acoustic model (torch's ``nn.CTCLoss``, blank 0) through :func:`course_utils.training.fit`.

    Parameters
    ----------
    model : nn.Module
        Maps ``(batch, n_mels, frames)`` to log-probabilities ``(batch, frames // 2, labels)``.
    feats : sequence of np.ndarray
        :func:`course_utils.kws.ctc.string_features` of each recording.
    texts : sequence of sequence of int
        The digits of each recording.
    epochs : int
        Passes over the data.
    lr : float
        Adam's learning rate.
    batch_size : int
        Recordings per step (zero-padded to the longest).
    seed : int
        Seeds the order of the batches and the weights' initial dropout.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict of str to list of float
        ``fit``'s history (``"train loss"``: CTC loss per target label).

    Notebook: 10_keyword_spotting_and_asr § Connected digits with CTC
    """
    ctc = nn.CTCLoss(blank=0, reduction="mean", zero_infinity=True)
    gen = torch.Generator().manual_seed(seed)

    def step(batch):
        x, lengths, targets, target_lengths = batch
        lp = model(x, lengths)
        return ctc(lp.transpose(0, 1), targets, lengths, target_lengths), len(lengths), {}

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    return fit(model, opt, lambda epoch: _ctc_batches(feats, texts, batch_size, gen), step, epochs=epochs,
               seed=seed, progress=progress, desc="CTC", grad_clip=5.0)


def ctc_log_probs(model: nn.Module, feats: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per-frame log-posteriors ``(frames // 2, labels)`` of each recording, one at a time, in eval mode.

    Parameters
    ----------
    model : nn.Module
        A trained CTC model.
    feats : sequence of np.ndarray
        ``(n_mels, frames)`` features.

    Returns
    -------
    list of np.ndarray
        One array per recording.

    Notebook: 10_keyword_spotting_and_asr § Connected digits with CTC
    """
    model.eval()
    with torch.no_grad():
        return [model(torch.from_numpy(f)[None])[0].numpy() for f in feats]


def connected_digit_set(df, X: np.ndarray, speakers: Sequence[str], takes: range, n: int, seed: int
                        ) -> tuple[list[np.ndarray], list[np.ndarray], list[list[int]]]:
    """Connected-digit recordings built from FSDD ``speakers``' ``takes``: audio, CTC features, transcripts.

    Parameters
    ----------
    df : pd.DataFrame
        The FSDD table (:func:`course_utils.datasets.load_fsdd`).
    X : np.ndarray
        Its clips (:func:`course_utils.kws.data.load_clips`), row for row.
    speakers : sequence of str
        Whose recordings are used.
    takes : range
        Which takes (0-49) are used.
    n : int
        Strings to build.
    seed : int
        Seeds :func:`course_utils.kws.ctc.digit_strings`.

    Returns
    -------
    audio : list of np.ndarray
        The recordings.
    feats : list of np.ndarray
        Their :func:`course_utils.kws.ctc.string_features`.
    texts : list of list of int
        Their digits.

    Notebook: 10_keyword_spotting_and_asr § Connected digits with CTC
    """
    rows = np.flatnonzero(df["speaker"].isin(speakers).to_numpy() & df["take"].isin(takes).to_numpy())
    if len(rows) == 0:
        raise ValueError(f"connected_digit_set: no recordings of speakers {list(speakers)} with takes {takes}")
    words = [np.trim_zeros(X[i]) for i in rows]
    audio, texts = digit_strings(words, df["digit"].to_numpy()[rows], n, np.random.default_rng(seed))
    return audio, [string_features(y) for y in audio], texts


def ctc_takes(df) -> tuple[range, range]:
    """Takes of the training speakers used to train the CTC model, and the last tenth kept for development.

    FSDD has 50 takes per digit and speaker: takes 0-44 train, 45-49 are the development set that
    chooses the decoder's settings. The synthetic fallback has fewer takes; the same rule applies.

    Parameters
    ----------
    df : pd.DataFrame
        The FSDD table (column ``take``).

    Returns
    -------
    train, dev : range
        Take numbers.

    Notebook: 10_keyword_spotting_and_asr § Connected digits with CTC
    """
    n = int(df["take"].max()) + 1
    cut = n - max(1, n // 10)
    return range(0, cut), range(cut, n)
