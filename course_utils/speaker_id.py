"""Speaker identification: splits, a GMM-UBM identifier, a raw-waveform CNN and its training loop.

Taught in ``notebooks/01_speaker_recognition.ipynb``. The 120-dim MFCC statistics themselves are
:func:`course_utils.features.speaker_features`.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from scipy.special import logsumexp
from sklearn.mixture import GaussianMixture

from .cache import entry_path, key_of, source_digest
from .checkpoint import cached_model, state_digest
from .features import frame_mfcc
from .paths import seed_everything
from .training import fit

__all__ = [
    "split_unseen_takes",
    "split_unseen_emotions",
    "frame_features",
    "GMMUBMIdentifier",
    "RawWaveformCNN",
    "train_classifier",
    "predict_classifier",
    "cosine_scores",
    "cosine_trials",
]


def split_unseen_takes(df: pd.DataFrame, test_repetition: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """RAVDESS split whose test utterances are takes never seen in training.

    Every actor says every sentence in every emotion twice; repetition ``test_repetition`` of each
    is held out, so training and test cover the same speakers, emotions and sentences.

    Parameters
    ----------
    df : pandas.DataFrame
        RAVDESS table (:func:`course_utils.datasets.load_ravdess`).
    test_repetition : int
        The repetition (1 or 2) held out for testing.

    Notebook: 01_speaker_recognition § 4. Closed-set identification with an SVM
    """
    test = df["repetition"] == test_repetition
    return df[~test].reset_index(drop=True), df[test].reset_index(drop=True)


def split_unseen_emotions(
    df: pd.DataFrame, test_emotions: Sequence[str] = ("angry", "fearful", "surprised", "disgust")
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The harder split: the test emotions never occur in training (the voice changes with them).

    Parameters
    ----------
    df : pandas.DataFrame
        RAVDESS table (:func:`course_utils.datasets.load_ravdess`).
    test_emotions : sequence of str
        Emotions held out for testing.

    Notebook: 01_speaker_recognition § 4. Closed-set identification with an SVM
    """
    test = df["emotion"].isin(list(test_emotions))
    return df[~test].reset_index(drop=True), df[test].reset_index(drop=True)


def frame_features(y: np.ndarray, sr: int, n_mfcc: int = 20) -> np.ndarray:
    """Frame-level MFCC + delta, the input of a GMM-UBM.

    :func:`course_utils.features.frame_mfcc` with one delta order, the quietest 30% of the frames
    dropped and per-utterance mean removal of the static coefficients (cepstral mean normalisation).

    Parameters
    ----------
    y : np.ndarray
        Mono speech.
    sr : int
        Its sample rate.
    n_mfcc : int
        Cepstral coefficients per frame.

    Returns
    -------
    np.ndarray
        ``(frames, 2 * n_mfcc)`` float32.

    Notebook: 01_speaker_recognition § 5. The classic baseline: GMM-UBM
    """
    return frame_mfcc(y, sr, n_mfcc, n_deltas=1, drop_quiet_percent=30.0, normalize="static_mean")


class GMMUBMIdentifier:
    """Closed-set speaker identification with a universal background model (Reynolds et al., 2000).

    A diagonal GMM (the UBM) is fitted to frames of all training speakers; each speaker's model is
    the UBM with means MAP-adapted to that speaker's frames (relevance factor ``relevance``). An
    utterance is scored by its average per-frame log-likelihood ratio against the UBM.

    Parameters
    ----------
    n_components : int
        Gaussians in the UBM.
    relevance : float
        MAP relevance factor: how many frames a component needs before its mean moves halfway.
    max_frames : int
        Frames sampled (with ``seed``) to fit the UBM.
    seed : int
        Random seed.

    Notebook: 01_speaker_recognition § GMM-UBM: modelling the frames
    """

    def __init__(self, n_components: int = 64, relevance: float = 16.0, max_frames: int = 20000, seed: int = 0):
        self.n_components = n_components
        self.relevance = relevance
        self.max_frames = max_frames
        self.seed = seed

    def fit(self, frames: Sequence[np.ndarray], labels: Sequence) -> GMMUBMIdentifier:
        """Fit the UBM on all ``frames`` (one array per utterance) and adapt one model per label."""
        if len(frames) != len(labels) or not len(frames):
            raise ValueError("fit: need as many frame arrays as labels, and at least one")
        rng = np.random.default_rng(self.seed)
        all_frames = np.concatenate(frames)
        sample = all_frames[rng.permutation(len(all_frames))[: self.max_frames]]
        self.ubm_ = GaussianMixture(self.n_components, covariance_type="diag", max_iter=100,
                                    random_state=self.seed, reg_covar=1e-3).fit(sample)
        labels = np.asarray(labels)
        self.classes_ = np.array(sorted(set(labels.tolist())))
        means = []
        for c in self.classes_:
            X = np.concatenate([f for f, lab in zip(frames, labels) if lab == c])
            post = self.ubm_.predict_proba(X)  # (frames, components)
            n_k = post.sum(axis=0)
            ex = post.T @ X / np.maximum(n_k[:, None], 1e-10)
            alpha = (n_k / (n_k + self.relevance))[:, None]
            means.append(alpha * ex + (1 - alpha) * self.ubm_.means_)
        self.speaker_means_ = np.stack(means)
        return self

    def _component_loglik(self, X: np.ndarray, means: np.ndarray) -> np.ndarray:
        """log w_k + log N(x | mu_k, var_k) for every frame and component of every model.

        ``means`` is ``(models, components, dims)``; the covariances are the UBM's (shared), so the
        quadratic form expands into matrix products instead of a (frames x components x dims) array.
        """
        prec = 1.0 / self.ubm_.covariances_  # (K, D)
        const = np.log(self.ubm_.weights_) - 0.5 * np.sum(np.log(2 * np.pi * self.ubm_.covariances_), axis=1)
        xx = (X**2) @ prec.T  # (T, K)
        M, K, D = means.shape
        xm = (X @ (means * prec[None]).reshape(M * K, D).T).reshape(len(X), M, K).transpose(1, 0, 2)  # (M, T, K)
        mm = np.sum(means**2 * prec[None], axis=2)  # (M, K)
        return const[None, None] - 0.5 * (xx[None] - 2 * xm + mm[:, None, :])

    def decision_function(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """Average log-likelihood ratio of each utterance against each speaker, ``(n, speakers)``."""
        models = np.concatenate([self.ubm_.means_[None], self.speaker_means_])
        out = np.empty((len(frames), len(self.classes_)))
        for i, X in enumerate(frames):
            ll = logsumexp(self._component_loglik(X.astype(np.float64), models), axis=2)  # (1 + S, T)
            out[i] = (ll[1:] - ll[0]).mean(axis=1)
        return out

    def predict(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """The best-scoring speaker of each utterance."""
        return self.classes_[np.argmax(self.decision_function(frames), axis=1)]


class RawWaveformCNN(torch.nn.Module):
    """A 1-D CNN on raw samples (M5-style, Dai et al. 2017): learnt filterbank, then pooling.

    Input ``(batch, samples)``; output class logits. The first layer's long kernels (80 samples,
    10 ms at 8 kHz, moved ``stride`` samples at a time) play the role of a filterbank that the
    network learns instead of the mel scale.

    Parameters
    ----------
    n_classes : int
        Output classes.
    channels : int
        Filters of the first layers (doubled in the last two).
    stride : int
        Hop of the first (filterbank) layer, in samples.

    Notebook: 01_speaker_recognition § A raw-waveform CNN
    """

    def __init__(self, n_classes: int, channels: int = 32, stride: int = 8):
        super().__init__()
        nn = torch.nn

        def block(c_in: int, c_out: int, k: int, stride: int = 1, pool: int = 4) -> nn.Sequential:
            return nn.Sequential(nn.Conv1d(c_in, c_out, k, stride=stride, padding=k // 2),
                                 nn.BatchNorm1d(c_out), nn.ReLU(), nn.MaxPool1d(pool))

        self.features = nn.Sequential(
            block(1, channels, 80, stride=stride), block(channels, channels, 3),
            block(channels, 2 * channels, 3), block(2 * channels, 2 * channels, 3, pool=2),
        )
        self.head = nn.Linear(2 * channels, n_classes)

    def forward(self, x):  # noqa: D102
        h = self.features(x.unsqueeze(1))
        return self.head(h.mean(dim=-1))


def train_classifier(
    model,
    X: np.ndarray,
    y: np.ndarray,
    *,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 3e-3,
    seed: int = 0,
    cache: bool = False,
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train a classifier with Adam, a one-cycle schedule and cross-entropy; return the per-epoch history.

    With ``cache=True`` the trained weights and history are kept in ``cache_dir("models")``
    (:func:`course_utils.checkpoint.cached_model`) under a content key: the model's class and initial
    weights, the data, the hyper-parameters and this function's code. Asking again loads them.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch of ``X`` rows to class logits; trained in place.
    X, y : np.ndarray
        Training inputs and integer labels.
    X_val, y_val : np.ndarray, optional
        Validation data; its accuracy is recorded after every epoch.
    epochs, batch_size : int
        Passes over the data and examples per step.
    lr : float
        Peak learning rate.
    seed : int
        Seeds everything, including the order of the examples.
    cache : bool
        Keep the trained model and load it on the next identical call.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict of str to list of float
        ``"train loss"``, ``"train accuracy"`` and (with validation data) ``"validation accuracy"``.

    Notebook: 01_speaker_recognition § 6. What was said vs who said it
    """
    def train() -> dict:
        return dict(history=_train_classifier(model, X, y, X_val, y_val, epochs, batch_size, lr, seed, progress))

    if not cache:
        return train()["history"]
    data = [np.ascontiguousarray(a) for a in (X, y, X_val, y_val) if a is not None]
    key = key_of(type(model).__name__, state_digest(model), [state_digest({"a": a}) for a in data],
                 epochs, batch_size, lr, seed, source_digest(_train_classifier))
    meta, _ = cached_model(entry_path("models", f"classifier-{type(model).__name__}", key, ".pt"), model, train)
    return {k: list(v) for k, v in meta["history"].items()}


def _train_classifier(model, X, y, X_val, y_val, epochs, batch_size, lr, seed, progress) -> dict[str, list[float]]:
    seed_everything(seed)
    Xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * int(np.ceil(len(X) / batch_size)))
    gen = torch.Generator().manual_seed(seed)

    def batches(epoch):
        order = torch.randperm(len(Xt), generator=gen)
        for start in range(0, len(order), batch_size):
            yield order[start:start + batch_size]

    def step(idx):
        logits = model(Xt[idx])
        correct = int((logits.argmax(1) == yt[idx]).sum())
        return torch.nn.functional.cross_entropy(logits, yt[idx]), len(idx), {"train accuracy": correct / len(idx)}

    def evaluate():
        return {"validation accuracy": float(np.mean(predict_classifier(model, X_val) == y_val))}

    return fit(model, opt, batches, step, epochs=epochs, scheduler=sched, evaluate=None if X_val is None else evaluate,
               threads=torch.get_num_threads(), progress=progress, desc="epochs")


def predict_classifier(model, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class indices predicted by ``model`` for ``X`` (evaluation mode, no gradients).

    Parameters
    ----------
    model : torch.nn.Module
        The network.
    X : np.ndarray
        Inputs, one row per example.
    batch_size : int
        Examples per forward pass.

    Notebook: 01_speaker_recognition § A raw-waveform CNN
    """
    model.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            out.append(model(torch.as_tensor(X[start : start + batch_size], dtype=torch.float32)).argmax(1).numpy())
    return np.concatenate(out) if out else np.zeros(0, int)


def cosine_scores(
    enroll: np.ndarray, enroll_labels: Sequence, test: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cosine similarity of every test vector to every enrolled speaker's voiceprint.

    A voiceprint is the mean of a speaker's L2-normalised enrollment vectors, normalised again.

    Parameters
    ----------
    enroll : np.ndarray
        Enrollment vectors, one row each.
    enroll_labels : sequence
        Speaker of each enrollment vector.
    test : np.ndarray
        Test vectors.

    Returns
    -------
    scores : np.ndarray
        ``(len(test), n_speakers)``.
    speakers : np.ndarray
        The speaker of each column, sorted.

    Notebook: 01_speaker_recognition § 7. A first verification demo
    """
    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    enroll_labels = np.asarray(enroll_labels)
    if len(enroll) != len(enroll_labels) or not len(enroll):
        raise ValueError("cosine_scores: need one label per enrollment vector, and at least one")
    speakers = np.array(sorted(set(enroll_labels.tolist())))
    prints = unit(np.stack([unit(enroll[enroll_labels == s]).mean(axis=0) for s in speakers]))
    return unit(np.asarray(test)) @ prints.T, speakers


def cosine_trials(
    enroll: np.ndarray, enroll_labels: Sequence, test: np.ndarray, test_labels: Sequence
) -> tuple[np.ndarray, np.ndarray]:
    """Every test vector scored against every voiceprint (:func:`cosine_scores`), split by trial type.

    Parameters
    ----------
    enroll : np.ndarray
        Enrollment vectors, one row each.
    enroll_labels : sequence
        Speaker of each enrollment vector.
    test : np.ndarray
        Test vectors.
    test_labels : sequence
        True speaker of each test vector.

    Returns
    -------
    target_scores, nontarget_scores : np.ndarray
        Scores of trials where the test speaker is the claimed speaker, and where it is not.

    Notebook: 01_speaker_recognition § 7. A first verification demo
    """
    scores, speakers = cosine_scores(enroll, enroll_labels, test)
    same = np.asarray(test_labels)[:, None] == speakers[None, :]
    return scores[same], scores[~same]
