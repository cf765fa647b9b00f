"""Style (genre) classification features, multi-label tagging and the AST patch embedding.

Taught in ``notebooks/06_music_information_retrieval.ipynb`` (sections "Style classification"
and "Tagging and the Audio Spectrogram Transformer's patch embedding").

* :func:`style_features`: the classic GTZAN-style summary (MFCC, chroma, spectral shape,
  contrast, zero-crossing rate, energy, tempo; mean and standard deviation over time), fed to a
  gradient-boosting classifier.
* :func:`load_gtzan`: a table of a *local* copy of GTZAN (not redistributable, never downloaded).
* :class:`MultiLabelTagger`: an MLP with one **sigmoid** output per tag trained with binary
  cross-entropy: tags are not exclusive (a clip can have drums *and* bass), so no softmax.
* :func:`patchify` and :class:`PatchEmbedding`: how the Audio Spectrogram Transformer (Gong et
  al. 2021) turns a log-mel spectrogram into a sequence of tokens: 16x16 patches, a linear
  projection, a [CLS] token and position embeddings.
"""
from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
import pandas as pd
import torch
from torch import nn

from ..audio import check_audio
from ..training import fit

__all__ = ["style_feature_names", "style_features", "tag_features", "load_gtzan", "MultiLabelTagger",
           "train_tagger", "patchify", "PatchEmbedding", "sincos_positions_2d"]

_STATS = ("mean", "std")


def style_feature_names(n_mfcc: int = 20) -> list[str]:
    """Names of the entries of :func:`style_features`, in order.

    Parameters
    ----------
    n_mfcc : int
        Cepstral coefficients per frame.

    Notebook: 06_music_information_retrieval § 3. Style (genre) classification
    """
    groups = [(f"mfcc{i}", 1) for i in range(n_mfcc)] + [(f"chroma_{p}", 1) for p in
              ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")]
    groups += [(n, 1) for n in ("centroid", "bandwidth", "rolloff", "flatness", "zcr", "rms")]
    groups += [(f"contrast{i}", 1) for i in range(7)]
    names = [f"{g}_{s}" for s in _STATS for g, _ in groups]
    return names + ["tempo"]


def style_features(y: np.ndarray, sr: int, n_mfcc: int = 20) -> np.ndarray:
    """GTZAN-style clip summary: mean and std over time of MFCC, chroma, spectral centroid,
    bandwidth, roll-off, flatness, zero-crossing rate, RMS and spectral contrast, plus the tempo.

    The dimension is ``len(style_feature_names(n_mfcc))``.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    n_mfcc : int
        Cepstral coefficients per frame.

    Notebook: 06_music_information_retrieval § 3. Style (genre) classification
    """
    y = check_audio(y, sr, name="y", min_duration=0.5)
    S = np.abs(librosa.stft(y, n_fft=2048, hop_length=512))
    P = S**2
    mel = librosa.feature.melspectrogram(S=P, sr=sr)
    frames = [
        librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=n_mfcc),
        librosa.feature.chroma_stft(S=P, sr=sr),
        librosa.feature.spectral_centroid(S=S, sr=sr) / 1000.0,
        librosa.feature.spectral_bandwidth(S=S, sr=sr) / 1000.0,
        librosa.feature.spectral_rolloff(S=S, sr=sr) / 1000.0,
        librosa.feature.spectral_flatness(S=S),
        librosa.feature.zero_crossing_rate(y, frame_length=2048, hop_length=512)[:, : S.shape[1]],
        librosa.feature.rms(S=S),
        librosa.feature.spectral_contrast(S=S, sr=sr),
    ]
    n = min(f.shape[1] for f in frames)
    F = np.concatenate([f[:, :n] for f in frames], axis=0)
    oenv = librosa.onset.onset_strength(S=librosa.power_to_db(mel), sr=sr)
    tempo = float(np.atleast_1d(librosa.feature.tempo(onset_envelope=oenv, sr=sr))[0])
    return np.concatenate([F.mean(axis=1), F.std(axis=1), [tempo]]).astype(np.float32)


def tag_features(y: np.ndarray, sr: int, n_mels: int = 64) -> np.ndarray:
    """Log-mel statistics for tagging: per-band mean, standard deviation and 95th percentile of
    the dB log-mel spectrogram, plus the same of its frame-to-frame flux (``4 * n_mels`` values).

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    n_mels : int
        Mel bands.

    Notebook: 06_music_information_retrieval § 4. Music tagging and the Audio Spectrogram Transformer's patch embedding
    """
    y = check_audio(y, sr, name="y", min_duration=0.5)
    M = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2048, hop_length=512, n_mels=n_mels),
                            ref=np.max, top_db=80)
    flux = np.maximum(np.diff(M, axis=1), 0)
    return np.concatenate([M.mean(1), M.std(1), np.percentile(M, 95, axis=1), flux.mean(1)]).astype(np.float32)


def load_gtzan(root: str | Path) -> pd.DataFrame:
    """Table (``path``, ``genre``) of a local GTZAN copy.

    Accepts the Kaggle layout ``root/genres_original/<genre>/<genre>.000NN.wav`` and the original
    ``root/genres/<genre>/<genre>.000NN.au`` (or ``root/<genre>/...``). GTZAN is not freely
    redistributable, so the course never downloads it; nothing in the tests needs it.

    Parameters
    ----------
    root : str or pathlib.Path
        GTZAN folder (``genres/<genre>/*.wav``).

    Notebook: 06_music_information_retrieval § 3. Style (genre) classification
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root}: GTZAN folder not found (expected genre sub-folders such as blues/, rock/)")
    files = [p for ext in ("wav", "au") for p in root.rglob(f"*.000[0-9][0-9].{ext}")]
    rows = [dict(path=str(p), genre=p.parent.name) for p in sorted(files) if p.name.startswith(p.parent.name + ".")]
    if not rows:
        raise ValueError(f"{root}: no GTZAN files like <genre>/<genre>.00000.wav were found")
    df = pd.DataFrame(rows)
    df.attrs.update(dataset="gtzan", synthetic=False)
    return df


class MultiLabelTagger:
    """A small MLP tagger with **sigmoid** outputs (one independent probability per tag).

    Features are standardised with the training statistics; ``fit`` trains with
    ``BCEWithLogitsLoss`` (binary cross-entropy on every tag), ``predict_proba`` returns
    ``sigmoid(logits)`` and ``predict`` thresholds it at ``threshold``.

    Parameters
    ----------
    n_hidden : int
        Hidden units.
    epochs : int
        Passes over the data.
    lr : float
        Peak learning rate.
    weight_decay : float
        L2 penalty.
    threshold : float
        Decision threshold on each tag's probability.
    seed : int
        Random seed.

    Notebook: 06_music_information_retrieval § Setup
    """

    def __init__(self, n_hidden: int = 64, epochs: int = 300, lr: float = 3e-3, weight_decay: float = 1e-3,
                 threshold: float = 0.5, seed: int = 0):
        self.n_hidden, self.epochs, self.lr, self.weight_decay = n_hidden, epochs, lr, weight_decay
        self.threshold, self.seed = threshold, seed
        self.history: dict[str, list[float]] = {"train_loss": []}

    def fit(self, X: np.ndarray, Y: np.ndarray) -> "MultiLabelTagger":
        X, Y = np.asarray(X, np.float32), np.asarray(Y, np.float32)
        if X.ndim != 2 or Y.ndim != 2 or len(X) != len(Y):
            raise ValueError(f"X must be (n, d) and Y (n, n_tags) with the same n, got {X.shape} and {Y.shape}")
        if not np.isin(Y, (0, 1)).all():
            raise ValueError("Y must hold 0/1 tag indicators")
        torch.manual_seed(self.seed)
        self.mean_, self.std_ = X.mean(0), X.std(0) + 1e-6
        self.model_ = torch.nn.Sequential(torch.nn.Linear(X.shape[1], self.n_hidden), torch.nn.ReLU(),
                                          torch.nn.Dropout(0.2), torch.nn.Linear(self.n_hidden, Y.shape[1]))
        opt = torch.optim.Adam(self.model_.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        xt, yt = torch.from_numpy((X - self.mean_) / self.std_), torch.from_numpy(Y)
        history = fit(self.model_, opt, lambda epoch: [(xt, yt)], lambda batch: loss_fn(self.model_(batch[0]), batch[1]),
                      epochs=self.epochs, threads=1, progress=False, desc="tagger")  # full batch, one thread
        self.history["train_loss"].extend(history["train loss"])
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise ValueError("MultiLabelTagger: call fit() before predict")
        X = np.asarray(X, np.float32)
        with torch.no_grad():
            return torch.sigmoid(self.model_(torch.from_numpy((X - self.mean_) / self.std_))).numpy()

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.predict_proba(X) >= self.threshold).astype(int)


def train_tagger(X: np.ndarray, Y: np.ndarray, **kwargs) -> MultiLabelTagger:
    """``MultiLabelTagger(**kwargs).fit(X, Y)``.

    Parameters
    ----------
    X : np.ndarray
        Features, one row per clip.
    Y : np.ndarray
        0/1 tag matrix ``(clips, tags)``.

    Notebook: 06_music_information_retrieval § 4. Music tagging and the Audio Spectrogram Transformer's patch embedding
    """
    return MultiLabelTagger(**kwargs).fit(X, Y)


def patchify(S: np.ndarray, patch: int = 16, stride: int | None = None) -> tuple[np.ndarray, tuple[int, int]]:
    """Cut a ``(n_mels, frames)`` spectrogram into ``patch x patch`` tiles.

    ``stride`` defaults to ``patch`` (no overlap; AST itself uses stride 10). Returns
    ``(patches, (n_freq, n_time))``: ``patches`` is ``(n_freq * n_time, patch * patch)``, in
    frequency-major order (as ``Conv2d`` + ``flatten`` would give).

    Parameters
    ----------
    S : np.ndarray
        Spectrogram ``(n_mels, frames)``.
    patch : int
        Patch side.
    stride : int, optional
        Hop between patches (default: ``patch``).

    Notebook: 06_music_information_retrieval § AST patch embedding
    """
    S = np.asarray(S, dtype=np.float32)
    stride = stride or patch
    if S.ndim != 2 or S.shape[0] < patch or S.shape[1] < patch:
        raise ValueError(f"spectrogram must be 2-D and at least {patch}x{patch}, got {S.shape}")
    nf, nt = (S.shape[0] - patch) // stride + 1, (S.shape[1] - patch) // stride + 1
    out = np.empty((nf * nt, patch * patch), dtype=np.float32)
    for i in range(nf):
        for j in range(nt):
            out[i * nt + j] = S[i * stride : i * stride + patch, j * stride : j * stride + patch].ravel()
    return out, (nf, nt)


def sincos_positions_2d(n_freq: int, n_time: int, dim: int) -> np.ndarray:
    """Fixed 2-D sine/cosine position codes ``(n_freq * n_time, dim)``: half the channels encode
    the frequency index, half the time index (``dim`` divisible by 4).

    Parameters
    ----------
    n_freq : int
        Patch rows.
    n_time : int
        Patch columns.
    dim : int
        Code size.

    Notebook: 06_music_information_retrieval § Setup
    """
    if dim % 4:
        raise ValueError(f"dim must be divisible by 4, got {dim}")

    def one(n: int, d: int) -> np.ndarray:
        pos = np.arange(n)[:, None]
        freq = 1.0 / 10000 ** (np.arange(d // 2) / (d // 2))
        return np.concatenate([np.sin(pos * freq), np.cos(pos * freq)], axis=1)

    pf, pt = one(n_freq, dim // 2), one(n_time, dim // 2)
    return np.concatenate([np.repeat(pf, n_time, axis=0), np.tile(pt, (n_freq, 1))], axis=1).astype(np.float32)


class PatchEmbedding(nn.Module):
    """AST front end: ``(batch, n_mels, frames)`` -> tokens ``(batch, 1 + n_patches, dim)``.

    A ``Conv2d`` with kernel = stride = ``patch`` is exactly "flatten each 16x16 patch and
    multiply by one shared matrix"; a learnable [CLS] token is prepended and position
    embeddings (initialised with :func:`sincos_positions_2d`, learnable) are added so that the
    transformer knows where in time *and* frequency each patch came from.

    Parameters
    ----------
    n_mels : int
        Mel bands.
    n_frames : int
        Frames of the input.
    patch : int
        Patch side.
    dim : int
        Token size.
    seed : int
        Random seed.

    Notebook: 06_music_information_retrieval § AST patch embedding
    """

    def __init__(self, n_mels: int = 128, n_frames: int = 256, patch: int = 16, dim: int = 192, seed: int = 0):
        super().__init__()
        if n_mels < patch or n_frames < patch:
            raise ValueError(f"input {n_mels}x{n_frames} is smaller than one {patch}x{patch} patch")
        g = torch.Generator().manual_seed(seed)
        self.patch, self.dim = patch, dim
        self.grid = (n_mels // patch, n_frames // patch)
        self.proj = nn.Conv2d(1, dim, kernel_size=patch, stride=patch)
        with torch.no_grad():
            self.proj.weight.copy_(torch.randn(self.proj.weight.shape, generator=g) / patch)
            self.proj.bias.zero_()
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        pos = sincos_positions_2d(*self.grid, dim)
        self.pos = nn.Parameter(torch.from_numpy(np.concatenate([np.zeros((1, dim), np.float32), pos]))[None])

    def forward(self, spec):
        if spec.ndim != 3:
            raise ValueError(f"expected (batch, n_mels, frames), got {tuple(spec.shape)}")
        nf, nt = spec.shape[1] // self.patch, spec.shape[2] // self.patch
        if (nf, nt) != self.grid:
            raise ValueError(f"input gives a {nf}x{nt} patch grid, the embedding was built for {self.grid}")
        x = self.proj(spec[:, None])  # (batch, dim, nf, nt)
        x = x.flatten(2).transpose(1, 2)  # (batch, nf * nt, dim), frequency-major
        x = torch.cat([self.cls.expand(len(x), -1, -1), x], dim=1)
        return x + self.pos
