"""The six embedder kinds behind :func:`course_utils.embeddings.load_or_train`.

Taught in ``notebooks/02_speaker_embeddings.ipynb``; compared on the same trials in
``notebooks/03_speaker_verification.ipynb``.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch

from ..features import speaker_features
from ..parallel import torch_threads
from .base import SR, Embedder, log_mel_prepared
from .dvector import DVector, load_resemblyzer, sliding_embed
from .ivector import IVectorExtractor, mfcc_frames_prepared
from .xvector import XVector

__all__ = ["MFCCStatsEmbedder", "IVectorEmbedder", "XVectorEmbedder", "DVectorEmbedder", "ResemblyzerEmbedder"]


class MFCCStatsEmbedder(Embedder):
    """Chapter 1's 120-dim MFCC statistics, z-scored with the training set's mean and std.

    Parameters
    ----------
    mean : np.ndarray, optional
        Training mean of the 120 statistics.
    std : np.ndarray, optional
        Their training standard deviation.
    key : str
        Identifies the weights in cache names.

    Notebook: 02_speaker_embeddings § 5. Held-out evaluation: speakers no model has heard
    """

    name = "mfcc_stats"
    dim = 120

    def __init__(self, mean: np.ndarray | None = None, std: np.ndarray | None = None, key: str = "mfcc_stats"):
        super().__init__()
        self.mean = np.zeros(self.dim, np.float32) if mean is None else np.asarray(mean, np.float32)
        self.std = np.ones(self.dim, np.float32) if std is None else np.asarray(std, np.float32)
        self.key = key

    def _embed(self, y: np.ndarray) -> np.ndarray:
        return (speaker_features(y, SR) - self.mean) / self.std


class IVectorEmbedder(Embedder):
    """i-vectors from :class:`~.ivector.IVectorExtractor`, minus the training i-vectors' mean.

    Parameters
    ----------
    extractor : IVectorExtractor
        A trained extractor.
    center : np.ndarray, optional
        Mean training i-vector, subtracted.
    key : str
        Identifies the weights in cache names.

    Notebook: 02_speaker_embeddings § 5. Held-out evaluation: speakers no model has heard
    """

    name = "ivector"

    def __init__(self, extractor: IVectorExtractor, center: np.ndarray | None = None, key: str = "ivector"):
        super().__init__()
        self.extractor = extractor
        self.dim = int(extractor.T_.shape[2])
        self.center = np.zeros(self.dim, np.float32) if center is None else np.asarray(center, np.float32)
        self.key = key

    def _embed(self, y: np.ndarray) -> np.ndarray:
        return self.extractor.transform([mfcc_frames_prepared(y)])[0] - self.center


class XVectorEmbedder(Embedder):
    """A trained :class:`~.xvector.XVector`: the whole trimmed utterance in, segment-6 output out.

    Parameters
    ----------
    model : XVector
        A trained x-vector network.
    name : str
        The kind (``"xvector_ce"`` or ``"xvector_aam"``).
    key : str
        Identifies the weights in cache names.

    Notebook: 02_speaker_embeddings § 5. Held-out evaluation: speakers no model has heard
    """

    def __init__(self, model: XVector, name: str = "xvector_ce", key: str = ""):
        super().__init__()
        self.model = model.eval()
        self.name = name
        self.dim = int(model.config["emb_dim"])
        self.n_mels = int(model.config["n_in"])
        self.key = key or name

    def _embed(self, y: np.ndarray) -> np.ndarray:
        S = log_mel_prepared(y, n_mels=self.n_mels)
        with torch.no_grad(), torch_threads(1):
            return self.model(torch.from_numpy(S)[None]).numpy()[0]


class DVectorEmbedder(Embedder):
    """A trained :class:`~.dvector.DVector`: mean of 1.6 s window embeddings (unit length).

    Parameters
    ----------
    model : DVector
        A trained d-vector encoder.
    key : str
        Identifies the weights in cache names.

    Notebook: 02_speaker_embeddings § 5. Held-out evaluation: speakers no model has heard
    """

    name = "dvector"

    def __init__(self, model: DVector, key: str = "dvector"):
        super().__init__()
        self.model = model.eval()
        self.dim = int(model.config["emb_dim"])
        self.n_mels = int(model.config["n_in"])
        self.key = key

    def _embed(self, y: np.ndarray) -> np.ndarray:
        S = log_mel_prepared(y, n_mels=self.n_mels)
        with torch_threads(1):
            return sliding_embed(self.model, S)


class ResemblyzerEmbedder(Embedder):
    """resemblyzer's pretrained GE2E ``VoiceEncoder`` (256-dim, unit length, trained on thousands
    of speakers; no training here).

    Parameters
    ----------
    key : str
        Identifies the weights in cache names.

    Notebook: 02_speaker_embeddings § 5. Held-out evaluation: speakers no model has heard
    """

    name = "resemblyzer"
    dim = 256

    def __init__(self, key: str = "resemblyzer"):
        super().__init__()
        self.encoder = load_resemblyzer()
        self.key = key

    def _embed(self, y: np.ndarray) -> np.ndarray:
        from resemblyzer import preprocess_wav  # optional heavy dependency: imported when used

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wav = preprocess_wav(y, SR)
        if wav.size < 0.1 * SR:  # its voice-activity detector removed (nearly) everything
            wav = y
        with torch_threads(1):
            return self.encoder.embed_utterance(wav)
