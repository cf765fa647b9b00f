"""Speaker verification and identification on top of any speaker embedder.

Taught in ``notebooks/03_speaker_verification.ipynb``; :class:`SpeakerVerifier` is reused by
``notebooks/07_*`` (the voice-assistant chapter).

An *embedder* is anything with ``embed(y, sr) -> 1-D array`` (and ideally ``name``, ``sr``,
``dim``), e.g. :func:`course_utils.embeddings.load_or_train` or :class:`FunctionEmbedder`. The
pieces, in the order the chapter teaches them:

* enrollment: a speaker's *voiceprint* is the average of L2-normalised embeddings of a few
  utterances (:func:`enroll_models`);
* scoring: cosine similarity (:class:`CosineBackend`), cosine after LDA (:class:`LDABackend`),
  a two-covariance PLDA log-likelihood ratio (:class:`PLDABackend`), and symmetric score
  normalisation with a cohort (:func:`s_norm`, :class:`SNormBackend`);
* a threshold from the FAR/FRR trade-off (:func:`choose_threshold`), EER/minDCF from
  :mod:`course_utils.metrics.verification`, DET and ROC plots (:func:`plot_det`, :func:`plot_roc`);
* closed-set and open-set identification (:func:`identify_closed_set`, :func:`open_set_rates`);
* speaker-disjoint trial lists (:func:`split_enrollment`, :func:`make_trials`);
* attacks and robustness: a replay channel (:func:`simulate_replay`), noise at a chosen SNR
  (:func:`add_noise`, via :func:`course_utils.audio.mix_at_snr`), cached embeddings of corrupted
  audio (:func:`embed_files`);
* :class:`SpeakerVerifier`, the whole thing behind ``enroll`` / ``verify`` / ``identify`` /
  ``save`` / ``load`` (JSON, never pickle).
"""
from __future__ import annotations

import hashlib
import json
import os
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .audio import AudioError, check_audio, load_audio, mix_at_snr
from .metrics.verification import det_curve, eer, min_dcf, rates_at
from .paths import cache_dir

__all__ = [
    "VerificationError",
    "UnknownSpeakerError",
    "EnrollmentError",
    "VoiceprintFileError",
    "FunctionEmbedder",
    "embedder_name",
    "embed_files",
    "l2_normalize",
    "enroll_models",
    "cosine_scores",
    "CosineBackend",
    "LDABackend",
    "PLDABackend",
    "SNormBackend",
    "s_norm",
    "backend_from_dict",
    "choose_threshold",
    "identify_closed_set",
    "open_set_rates",
    "split_enrollment",
    "make_trials",
    "trial_scores",
    "evaluate_trials",
    "ScoreFusion",
    "room_impulse_response",
    "simulate_replay",
    "add_noise",
    "make_babble",
    "plot_det",
    "plot_roc",
    "plot_score_distributions",
    "SpeakerVerifier",
]


# ------------------------------------------------------------------------------------ errors
class VerificationError(ValueError):
    """A verifier was used in a way that cannot work (no threshold, nothing enrolled, ...)."""


class UnknownSpeakerError(KeyError):
    """A speaker id that was never enrolled; the message lists the enrolled ones."""

    def __str__(self) -> str:  # KeyError would print the message with quotes
        return str(self.args[0]) if self.args else "unknown speaker"


class EnrollmentError(ValueError):
    """Enrollment without usable audio (an empty list, no sample rate for arrays, ...)."""


class VoiceprintFileError(ValueError):
    """A saved verifier file that is missing, corrupt, or made with another embedder."""


# ------------------------------------------------------------------------------------ embedders
class FunctionEmbedder:
    """Wrap a feature function ``func(y, sr) -> 1-D array`` as an embedder.

    Audio at another rate is resampled to :attr:`sr` first. Example (chapter 1's MFCC
    statistics)::

        from course_utils.features import speaker_features
        mfcc = FunctionEmbedder("mfcc_stats", speaker_features)

    Parameters
    ----------
    name : str
        Stored with voiceprints and used in cache names.
    func : callable
        ``func(y, sr)`` returning a 1-D vector.
    sr : int
        Rate ``func`` expects.
    dim : int, optional
        Embedding size (found by the first call when not given).
    """

    def __init__(self, name: str, func: Callable[[np.ndarray, int], np.ndarray], sr: int = 16000,
                 dim: int | None = None):
        self.name = str(name)
        self.func = func
        self.sr = int(sr)
        self.dim = dim
        self.key = f"function:{name}"

    def embed(self, y: np.ndarray, sr: int, *, name: str = "y") -> np.ndarray:
        """Embedding of one mono signal (resampled to :attr:`sr` when needed)."""
        y = check_audio(y, sr, name=name)
        if sr != self.sr:
            import librosa

            y = librosa.resample(y, orig_sr=sr, target_sr=self.sr, res_type="soxr_hq")
        out = np.asarray(self.func(y, self.sr), dtype=np.float32).reshape(-1)
        self.dim = self.dim or out.size
        return out

    def embed_paths(self, paths: Sequence[str | os.PathLike], sr: int | None = None, *,
                    progress: bool = True) -> np.ndarray:
        """Embeddings ``(n, dim)`` of files, cached by :func:`course_utils.features.extract_cached`."""
        from .features import extract_cached

        X = extract_cached([str(p) for p in paths], self.func, sr=int(sr or self.sr), name=self.name,
                           progress=progress)
        X = np.asarray(X, dtype=np.float32)
        self.dim = self.dim or X.shape[1]
        return X

    def __repr__(self) -> str:
        return f"<FunctionEmbedder {self.name!r} sr={self.sr}>"


def embedder_name(embedder: Any) -> str:
    """``embedder.name`` or, failing that, its class name."""
    return str(getattr(embedder, "name", type(embedder).__name__))


def _seed_of(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def embed_files(
    embedder: Any,
    paths: Sequence[str | os.PathLike],
    *,
    transform: Callable[[np.ndarray, int, np.random.Generator], np.ndarray] | None = None,
    transform_key: str | None = None,
    sr: int | None = None,
    seed: int = 0,
    progress: bool = True,
) -> np.ndarray:
    """Embeddings ``(n, dim)`` of audio files, optionally after a corruption, cached on disk.

    Without ``transform`` this is ``embedder.embed_paths(paths)`` when the embedder has it
    (its own cache), else a loop over :func:`course_utils.audio.load_audio`. With a
    ``transform(y, sr, rng) -> y`` (noise, a replay channel, ...) each file is loaded, corrupted
    with a generator seeded from ``seed`` and the file name (same run, same corruption), and
    embedded; the result is cached in ``cache_dir("verification")`` under a key made of the
    embedder's name and ``key``, ``transform_key``, the files and ``seed``.

    Parameters
    ----------
    transform_key : str
        Names the corruption and all its parameters (e.g. ``"babble-snr10"``); required with
        ``transform``, because a function cannot be hashed reliably.

    Raises
    ------
    AudioError
        A file is missing or unusable (the message names it).
    """
    from .progress import progress_bar

    paths = [str(p) for p in paths]
    load_sr = int(sr or getattr(embedder, "sr", 16000) or 16000)
    if transform is None and hasattr(embedder, "embed_paths"):
        return np.asarray(embedder.embed_paths(paths, load_sr, progress=progress), dtype=np.float32)
    if transform is not None and not transform_key:
        raise ValueError("embed_files: give transform_key (a name for the corruption and its parameters)")
    stamps = []
    for p in paths:
        st = Path(p).stat() if Path(p).exists() else None
        stamps.append((p, st.st_size if st else -1, st.st_mtime_ns if st else -1))
    key = hashlib.sha256(json.dumps([embedder_name(embedder), str(getattr(embedder, "key", "")),
                                     transform_key, load_sr, seed, stamps]).encode()).hexdigest()[:20]
    target = cache_dir("verification") / f"{embedder_name(embedder)}-{transform_key or 'clean'}-{key}.npz"
    if target.exists():
        with np.load(target, allow_pickle=False) as z:
            return z["X"]
    rows = []
    desc = f"{embedder_name(embedder)} {transform_key or 'clean'}"
    for p in progress_bar(paths, desc=desc, progress=progress):
        y = load_audio(p, sr=load_sr)
        if transform is not None:
            rng = np.random.default_rng(_seed_of(seed, transform_key, Path(p).name))
            y = transform(y, load_sr, rng)
        rows.append(np.asarray(embedder.embed(y, load_sr), dtype=np.float32).reshape(-1))
    X = np.stack(rows) if rows else np.zeros((0, int(getattr(embedder, "dim", 0) or 0)), np.float32)
    tmp = target.with_name(target.stem + f".{os.getpid()}.tmp.npz")
    np.savez(tmp, X=X)
    os.replace(tmp, target)
    return X


# ------------------------------------------------------------------------------------ scoring
def l2_normalize(X: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Rows of ``X`` scaled to unit Euclidean length (a 1-D vector is treated as one row)."""
    X = np.asarray(X, dtype=np.float64)
    return X / np.maximum(np.linalg.norm(X, axis=-1, keepdims=True), eps)


def enroll_models(embeddings: np.ndarray, speakers: Sequence) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Voiceprints: for each speaker the average of their L2-normalised embeddings.

    Parameters
    ----------
    embeddings : np.ndarray
        ``(n, dim)`` enrollment embeddings.
    speakers : sequence
        ``n`` speaker ids.

    Returns
    -------
    ids : list of str
        Speaker ids, sorted.
    models : np.ndarray
        ``(n_speakers, dim)`` voiceprints.
    counts : np.ndarray
        Number of utterances behind each voiceprint (the PLDA back-end uses it).
    """
    E = np.asarray(embeddings, dtype=np.float64)
    spk = np.asarray([str(s) for s in speakers])
    if E.ndim != 2 or E.shape[0] != spk.size:
        raise ValueError(f"enroll_models: got {E.shape[0] if E.ndim else 0} embeddings for {spk.size} speaker labels")
    if spk.size == 0:
        raise EnrollmentError("enroll_models: no enrollment embeddings given")
    ids = sorted(set(spk))
    En = l2_normalize(E)
    models = np.stack([En[spk == s].mean(axis=0) for s in ids])
    counts = np.array([int((spk == s).sum()) for s in ids])
    return ids, models, counts


def cosine_scores(models: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Cosine similarity of every model (row) with every test embedding: ``(n_models, n_test)``."""
    return l2_normalize(np.atleast_2d(models)) @ l2_normalize(np.atleast_2d(X)).T


class CosineBackend:
    """Cosine scoring of raw embeddings (no training): the baseline back-end."""

    kind = "cosine"

    def fit(self, X: np.ndarray | None = None, y: Sequence | None = None) -> "CosineBackend":
        """Nothing to learn; returns ``self`` so it can stand in for a trained back-end."""
        return self

    def score(self, models: np.ndarray, X: np.ndarray, n_enroll: np.ndarray | None = None) -> np.ndarray:
        """``(n_models, n_test)`` cosine scores."""
        return cosine_scores(models, X)

    def to_dict(self) -> dict:
        """JSON-able description (see :func:`backend_from_dict`)."""
        return {"kind": self.kind}


class _LinearBackend:
    """Shared part of LDA and PLDA: standardise, length-normalise, project on the directions that
    separate speakers (generalised eigenvectors of between- vs within-speaker scatter)."""

    kind = "linear"

    def __init__(self, n_components: int | None = None, *, reg: float = 1e-3):
        self.n_components = n_components
        self.reg = float(reg)
        self.fitted = False

    # unit length (so a voiceprint, an average of unit vectors, is on the same scale as one
    # utterance), standardise with the training set's statistics, unit length again
    # (Garcia-Romero's length normalisation)
    def _pre(self, X: np.ndarray) -> np.ndarray:
        Z = (l2_normalize(np.atleast_2d(np.asarray(X, dtype=np.float64))) - self.mean_) / self.scale_
        return l2_normalize(Z)

    def fit(self, X: np.ndarray, y: Sequence) -> "_LinearBackend":
        """Learn the projection from training-speaker embeddings ``X`` ``(n, dim)`` and labels ``y``.

        Raises
        ------
        ValueError
            Fewer than two speakers, or a label count that does not match ``X``.
        """
        from scipy.linalg import eigh

        X = np.asarray(X, dtype=np.float64)
        y = np.asarray([str(v) for v in y])
        if X.ndim != 2 or X.shape[0] != y.size:
            raise ValueError(f"{type(self).__name__}.fit: X has {X.shape[0] if X.ndim else 0} rows, y has {y.size} labels")
        classes = sorted(set(y))
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__}.fit: needs at least two training speakers, got {len(classes)}")
        Xn = l2_normalize(X)
        self.mean_ = Xn.mean(axis=0)
        sd = Xn.std(axis=0)
        self.scale_ = sd + 0.05 * sd.mean() + 1e-12  # floor: dead (constant) dimensions must not explode
        Z = self._pre(X)
        mu = Z.mean(axis=0)
        d = Z.shape[1]
        Sw = np.zeros((d, d))
        Sb = np.zeros((d, d))
        for c in classes:
            Zc = Z[y == c]
            mc = Zc.mean(axis=0)
            Sw += (Zc - mc).T @ (Zc - mc)
            Sb += len(Zc) * np.outer(mc - mu, mc - mu)
        Sw /= len(Z)
        Sb /= len(Z)
        Sw += self.reg * np.trace(Sw) / d * np.eye(d)
        vals, vecs = eigh(Sb, Sw)  # vecs.T @ Sw @ vecs = I, vecs.T @ Sb @ vecs = diag(vals)
        order = np.argsort(vals)[::-1]
        k = min(self.n_components or len(classes) - 1, len(classes) - 1, d)
        self.center_ = mu
        self.V_ = vecs[:, order[:k]]
        self.psi_ = np.clip(vals[order[:k]], 0.0, None)
        self.fitted = True
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Project embeddings into the back-end's ``n_components``-dim speaker space."""
        if not self.fitted:
            raise VerificationError(f"{type(self).__name__}: call fit(X_train, speakers) before scoring")
        return (self._pre(X) - self.center_) @ self.V_

    def to_dict(self) -> dict:
        """JSON-able parameters (see :func:`backend_from_dict`)."""
        if not self.fitted:
            raise VerificationError(f"{type(self).__name__}: an unfitted back-end cannot be saved")
        return {"kind": self.kind, "n_components": self.n_components, "reg": self.reg,
                **{k: getattr(self, k).tolist() for k in ("mean_", "scale_", "center_", "V_", "psi_")}}

    @classmethod
    def _from_dict(cls, d: Mapping) -> "_LinearBackend":
        obj = cls(d.get("n_components"), reg=float(d.get("reg", 1e-3)))
        for k in ("mean_", "scale_", "center_", "V_", "psi_"):
            setattr(obj, k, np.asarray(d[k], dtype=np.float64))
        obj.fitted = True
        return obj


class LDABackend(_LinearBackend):
    """Cosine scoring after linear discriminant analysis trained on other speakers.

    ``fit`` finds the directions with the largest between-speaker / within-speaker variance
    ratio (at most ``n_speakers - 1`` of them); scores are cosines in that space, where channel
    and emotion directions that vary *within* a speaker have been projected away.
    """

    kind = "lda"

    def score(self, models: np.ndarray, X: np.ndarray, n_enroll: np.ndarray | None = None) -> np.ndarray:
        """``(n_models, n_test)`` cosine scores in LDA space."""
        return cosine_scores(self.transform(models), self.transform(X))


class PLDABackend(_LinearBackend):
    """Two-covariance PLDA (Ioffe 2006) in the LDA space: scores are log-likelihood ratios.

    In the projected space the within-speaker covariance is the identity and the
    between-speaker covariance is ``diag(psi)``. For a voiceprint ``u_bar`` built from ``n``
    utterances and a test vector ``u``, per dimension,

    ``LLR = log N(u; n psi / (n psi + 1) u_bar, 1 + psi / (n psi + 1)) - log N(u; 0, 1 + psi)``,

    summed over dimensions: "same speaker" against "two different speakers".
    """

    kind = "plda"

    def score(self, models: np.ndarray, X: np.ndarray, n_enroll: np.ndarray | None = None) -> np.ndarray:
        """``(n_models, n_test)`` PLDA log-likelihood ratios (``n_enroll`` defaults to 1 each)."""
        M = self.transform(models)
        U = self.transform(X)
        n = np.ones(len(M)) if n_enroll is None else np.asarray(n_enroll, dtype=np.float64).reshape(-1)
        if n.size != len(M):
            raise ValueError(f"PLDABackend.score: {len(M)} models but {n.size} enrollment counts")
        psi = self.psi_[None, :]
        gain = (n[:, None] * psi) / (n[:, None] * psi + 1.0)          # (m, k)
        var_same = 1.0 + psi / (n[:, None] * psi + 1.0)                 # (m, k)
        var_diff = 1.0 + psi                                            # (1, k)
        mean_same = gain * M                                            # (m, k)
        # sum_k [ -(u - mean_same)^2 / (2 var_same) - log(var_same)/2 + u^2 / (2 var_diff) + log(var_diff)/2 ]
        q_same = ((U[None, :, :] - mean_same[:, None, :]) ** 2 / var_same[:, None, :]).sum(-1)
        q_diff = (U**2 / var_diff).sum(-1)[None, :]
        logdet = 0.5 * (np.log(var_diff).sum() - np.log(var_same).sum(-1))[:, None]
        return -0.5 * q_same + 0.5 * q_diff + logdet


def s_norm(scores: np.ndarray, enroll_cohort: np.ndarray, test_cohort: np.ndarray,
           top_k: int | None = None) -> np.ndarray:
    """Symmetric score normalisation (s-norm), optionally adaptive (top-k cohort, "AS-norm").

    ``s' = ((s - mu_e) / sd_e + (s - mu_t) / sd_t) / 2`` where ``mu_e, sd_e`` are the mean and
    standard deviation of the enrollment model's scores against a cohort of impostor
    embeddings, and ``mu_t, sd_t`` the same for the test utterance.

    Parameters
    ----------
    scores : np.ndarray
        ``(n_models, n_test)`` raw scores.
    enroll_cohort : np.ndarray
        ``(n_models, n_cohort)`` scores of each model against the cohort.
    test_cohort : np.ndarray
        ``(n_test, n_cohort)`` scores of each test utterance against the cohort.
    top_k : int, optional
        Use only the ``top_k`` highest cohort scores of each side (the closest impostors).
    """
    S = np.asarray(scores, dtype=np.float64)
    E = np.asarray(enroll_cohort, dtype=np.float64)
    T = np.asarray(test_cohort, dtype=np.float64)
    if E.shape[0] != S.shape[0] or T.shape[0] != S.shape[1] or E.shape[1] != T.shape[1]:
        raise ValueError(f"s_norm: shapes do not fit: scores {S.shape}, enroll_cohort {E.shape}, test_cohort {T.shape}")
    if E.shape[1] < 2:
        raise ValueError("s_norm: the cohort needs at least two embeddings")
    if top_k is not None:
        k = int(min(max(top_k, 2), E.shape[1]))
        E = -np.sort(-E, axis=1)[:, :k]
        T = -np.sort(-T, axis=1)[:, :k]
    mu_e, sd_e = E.mean(1)[:, None], E.std(1)[:, None] + 1e-9
    mu_t, sd_t = T.mean(1)[None, :], T.std(1)[None, :] + 1e-9
    return 0.5 * ((S - mu_e) / sd_e + (S - mu_t) / sd_t)


class SNormBackend:
    """Any back-end followed by s-norm against a cohort of impostor embeddings.

    Parameters
    ----------
    base : back-end
        :class:`CosineBackend`, :class:`LDABackend` or :class:`PLDABackend` (fitted).
    cohort : np.ndarray
        ``(n_cohort, dim)`` embeddings of speakers who are neither enrolled nor tested
        (training speakers).
    top_k : int, optional
        Adaptive s-norm with the ``top_k`` closest cohort members.
    """

    kind = "snorm"

    def __init__(self, base: Any, cohort: np.ndarray, top_k: int | None = None):
        self.base = base
        self.cohort = np.asarray(cohort, dtype=np.float64)
        if self.cohort.ndim != 2 or len(self.cohort) < 2:
            raise ValueError(f"SNormBackend: cohort must be (n >= 2, dim) embeddings, got shape {self.cohort.shape}")
        self.top_k = top_k

    def fit(self, X: np.ndarray, y: Sequence) -> "SNormBackend":
        """Fit the base back-end (the cohort stays as given)."""
        self.base.fit(X, y)
        return self

    def score(self, models: np.ndarray, X: np.ndarray, n_enroll: np.ndarray | None = None) -> np.ndarray:
        """``(n_models, n_test)`` s-normalised scores."""
        S = self.base.score(models, X, n_enroll)
        E = self.base.score(models, self.cohort, n_enroll)            # (m, c)
        T = self.base.score(self.cohort, X, None).T                   # (t, c)
        return s_norm(S, E, T, self.top_k)

    def to_dict(self) -> dict:
        """JSON-able parameters, the base back-end's included."""
        return {"kind": self.kind, "base": self.base.to_dict(), "cohort": self.cohort.tolist(), "top_k": self.top_k}


def backend_from_dict(d: Mapping | None) -> Any:
    """Rebuild a back-end from its :meth:`to_dict` description (``None`` gives cosine)."""
    if d is None:
        return CosineBackend()
    kind = d.get("kind")
    if kind == "cosine":
        return CosineBackend()
    if kind == "lda":
        return LDABackend._from_dict(d)
    if kind == "plda":
        return PLDABackend._from_dict(d)
    if kind == "snorm":
        return SNormBackend(backend_from_dict(d["base"]), np.asarray(d["cohort"]), d.get("top_k"))
    raise ValueError(f"unknown back-end kind {kind!r}")


# ------------------------------------------------------------------------------------ thresholds
def choose_threshold(positive_scores, negative_scores, target: str = "eer", *, rate: float | None = None,
                     p_target: float = 0.01) -> float:
    """A decision threshold (accept when ``score > threshold``) from target/non-target scores.

    Parameters
    ----------
    target : {"eer", "min_dcf", "far", "frr"}
        ``"eer"``: where FAR = FRR. ``"min_dcf"``: where the detection cost with ``p_target`` is
        smallest. ``"far"``: the lowest threshold whose FAR is at most ``rate`` (a security
        setting). ``"frr"``: the highest threshold whose FRR is at most ``rate`` (a convenience
        setting).
    rate : float
        The allowed FAR or FRR, in [0, 1], for ``target="far"`` / ``"frr"``.
    """
    from .metrics.verification import candidate_thresholds

    if target == "eer":
        return eer(positive_scores, negative_scores)[1]
    if target == "min_dcf":
        return min_dcf(positive_scores, negative_scores, p_target=p_target)[1]
    if target in ("far", "frr"):
        if rate is None or not 0.0 <= rate <= 1.0:
            raise ValueError(f"choose_threshold: target={target!r} needs rate in [0, 1], got {rate!r}")
        thr = candidate_thresholds(positive_scores, negative_scores)
        far, frr = rates_at(positive_scores, negative_scores, thr)
        if target == "far":
            ok = np.flatnonzero(far <= rate)
            return float(thr[ok[0]]) if ok.size else float(thr[-1])
        ok = np.flatnonzero(frr <= rate)
        return float(thr[ok[-1]]) if ok.size else float(thr[0])
    raise ValueError(f"choose_threshold: target must be 'eer', 'min_dcf', 'far' or 'frr', got {target!r}")


# ------------------------------------------------------------------------------------ identification
def identify_closed_set(scores: np.ndarray, model_ids: Sequence[str]) -> np.ndarray:
    """Closed-set identification: the enrolled speaker with the highest score for each test column."""
    S = np.atleast_2d(np.asarray(scores))
    if S.shape[0] != len(model_ids):
        raise ValueError(f"identify_closed_set: {S.shape[0]} score rows but {len(model_ids)} model ids")
    return np.asarray(model_ids)[np.argmax(S, axis=0)]


def open_set_rates(scores: np.ndarray, model_ids: Sequence[str], true_ids: Sequence[str],
                   threshold: float) -> dict[str, float]:
    """Open-set identification with a rejection threshold.

    Each test utterance gets the best-scoring enrolled speaker if that score exceeds
    ``threshold``, else "unknown". Utterances of speakers not in ``model_ids`` should be
    rejected.

    Returns
    -------
    dict
        ``dir``: detection-and-identification rate (known speakers accepted *and* named
        correctly); ``known_rejected``: known speakers wrongly rejected; ``misidentified``: known
        speakers accepted as someone else; ``unknown_accepted``: unknown speakers wrongly let in
        (the open-set false-alarm rate); ``n_known``, ``n_unknown``.
    """
    S = np.atleast_2d(np.asarray(scores, dtype=np.float64))
    ids = np.asarray(model_ids)
    true = np.asarray([str(t) for t in true_ids])
    if S.shape != (len(ids), len(true)):
        raise ValueError(f"open_set_rates: scores {S.shape} do not match {len(ids)} models x {len(true)} tests")
    best = np.argmax(S, axis=0)
    accepted = S[best, np.arange(S.shape[1])] > threshold
    known = np.isin(true, ids)
    correct = ids[best] == true
    nk, nu = int(known.sum()), int((~known).sum())
    return {
        "dir": float((accepted & correct & known).sum() / nk) if nk else float("nan"),
        "known_rejected": float((~accepted & known).sum() / nk) if nk else float("nan"),
        "misidentified": float((accepted & ~correct & known).sum() / nk) if nk else float("nan"),
        "unknown_accepted": float((accepted & ~known).sum() / nu) if nu else float("nan"),
        "n_known": nk,
        "n_unknown": nu,
    }


# ------------------------------------------------------------------------------------ trial lists
def split_enrollment(df: pd.DataFrame, n_enroll: int = 4, *, emotions: Sequence[str] = ("neutral", "calm"),
                     speaker_col: str = "speaker", seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split each speaker's files into enrollment and test utterances.

    Enrollment takes ``n_enroll`` files per speaker, drawn (seeded) from those whose
    ``emotion`` is in ``emotions`` with normal intensity when the columns exist (a calm
    enrollment, as a user would record it); every other file of the speaker is a test
    utterance. Returns ``(enroll_df, test_df)``, both with a fresh index.
    """
    if speaker_col not in df.columns:
        raise ValueError(f"split_enrollment: the table has no {speaker_col!r} column")
    if n_enroll < 1:
        raise ValueError(f"split_enrollment: n_enroll must be at least 1, got {n_enroll}")
    rng = np.random.default_rng(seed)
    enroll_idx = []
    for spk, group in df.groupby(speaker_col, sort=True):
        pool = group
        if "emotion" in group.columns and emotions:
            pool = group[group["emotion"].isin(list(emotions))]
            if "intensity" in pool.columns and (pool["intensity"] == "normal").sum() >= n_enroll:
                pool = pool[pool["intensity"] == "normal"]
        if len(pool) < n_enroll:
            raise ValueError(f"split_enrollment: speaker {spk} has only {len(pool)} files to enroll from "
                             f"(emotions {list(emotions)}), {n_enroll} needed")
        if len(group) <= n_enroll:
            raise ValueError(f"split_enrollment: speaker {spk} has no file left for testing")
        enroll_idx += list(rng.choice(pool.index.to_numpy(), size=n_enroll, replace=False))
    enroll = df.loc[sorted(enroll_idx)].reset_index(drop=True)
    test = df.drop(index=enroll_idx).reset_index(drop=True)
    enroll.attrs.update(df.attrs)
    test.attrs.update(df.attrs)
    return enroll, test


def make_trials(model_ids: Sequence[str], test_df: pd.DataFrame, *, speaker_col: str = "speaker",
                enroll_emotions: Sequence[str] = ("neutral", "calm")) -> pd.DataFrame:
    """Every (enrolled model, test utterance) pair as a trial table.

    Columns: ``model`` (speaker id), ``model_index`` (row of the model matrix), ``test_index``
    (row of ``test_df``), ``target`` (same speaker), ``speaker`` (the test utterance's),
    and when present in ``test_df``: ``emotion``, ``intensity``, ``same_gender`` (model and test
    speaker share a gender), ``other_emotion`` (the test emotion is not one used for enrollment).
    """
    ids = [str(m) for m in model_ids]
    n_t = len(test_df)
    mi = np.repeat(np.arange(len(ids)), n_t)
    ti = np.tile(np.arange(n_t), len(ids))
    spk = test_df[speaker_col].astype(str).to_numpy()
    trials = pd.DataFrame({"model": np.asarray(ids)[mi], "model_index": mi, "test_index": ti, "speaker": spk[ti]})
    trials["target"] = trials["model"] == trials["speaker"]
    if "emotion" in test_df.columns:
        trials["emotion"] = test_df["emotion"].to_numpy()[ti]
        trials["other_emotion"] = ~trials["emotion"].isin(list(enroll_emotions))
    if "intensity" in test_df.columns:
        trials["intensity"] = test_df["intensity"].to_numpy()[ti]
    if "gender" in test_df.columns:
        gender_of = dict(zip(spk, test_df["gender"].astype(str)))
        model_gender = np.array([gender_of.get(m, "?") for m in ids])[mi]
        trials["same_gender"] = model_gender == test_df["gender"].astype(str).to_numpy()[ti]
    return trials


def trial_scores(trials: pd.DataFrame, scores: np.ndarray) -> np.ndarray:
    """Pick each trial's score from a ``(n_models, n_test)`` score matrix."""
    S = np.asarray(scores)
    return S[trials["model_index"].to_numpy(), trials["test_index"].to_numpy()]


def evaluate_trials(trials: pd.DataFrame, scores: np.ndarray, mask: np.ndarray | None = None,
                    p_target: float = 0.01) -> dict[str, float]:
    """EER, minDCF and trial counts of a trial table (``scores`` per trial or as a matrix).

    ``mask`` keeps a subset of the trials (e.g. only other-emotion targets plus all non-targets).
    """
    s = np.asarray(scores)
    if s.ndim == 2:
        s = trial_scores(trials, s)
    target = trials["target"].to_numpy()
    keep = np.ones(len(trials), bool) if mask is None else np.asarray(mask, bool)
    pos, neg = s[keep & target], s[keep & ~target]
    e, thr = eer(pos, neg)
    d, _ = min_dcf(pos, neg, p_target=p_target)
    return {"eer": e, "min_dcf": d, "threshold": thr, "n_target": int(pos.size), "n_nontarget": int(neg.size)}


class ScoreFusion:
    """Score-level fusion by logistic regression (standard NIST SRE practice).

    Each system's trial scores are standardised (mean/std of the development scores), then a
    logistic regression learns one weight per system and a bias from development trials with
    known labels (``fit``). ``fuse`` returns the fused score, a calibrated log-odds. The weights
    must be learned on trials of speakers that are neither in the test set nor, ideally, in the
    embedders' training set. Taught in ``notebooks/03_speaker_verification.ipynb``.
    """

    def __init__(self, C: float = 1.0):
        self.C = float(C)

    def fit(self, scores: np.ndarray, target: Sequence[bool]) -> "ScoreFusion":
        """``scores``: ``(n_trials, n_systems)``; ``target``: True for same-speaker trials."""
        from sklearn.linear_model import LogisticRegression

        S = np.asarray(scores, dtype=np.float64)
        t = np.asarray(target, dtype=bool)
        if S.ndim != 2 or S.shape[0] != t.size:
            raise ValueError(f"ScoreFusion.fit: scores must be (n_trials, n_systems) with one row per label; "
                             f"got shape {S.shape} and {t.size} labels")
        if not np.all(np.isfinite(S)):
            raise ValueError("ScoreFusion.fit: scores contain NaN or inf")
        if t.all() or not t.any():
            raise ValueError("ScoreFusion.fit: need both target and non-target trials")
        self.mean_, self.std_ = S.mean(0), S.std(0) + 1e-12
        lr = LogisticRegression(C=self.C, class_weight="balanced").fit((S - self.mean_) / self.std_, t)
        self.weights_, self.bias_ = lr.coef_[0].copy(), float(lr.intercept_[0])
        return self

    def fuse(self, scores: np.ndarray) -> np.ndarray:
        """Fused score of each trial (``(n_trials, n_systems)`` in, ``(n_trials,)`` out)."""
        if not hasattr(self, "weights_"):
            raise VerificationError("ScoreFusion.fuse: call fit() on development trials first")
        S = np.asarray(scores, dtype=np.float64)
        if S.ndim != 2 or S.shape[1] != self.weights_.size:
            raise ValueError(f"ScoreFusion.fuse: expected (n_trials, {self.weights_.size}) scores, got {S.shape}")
        return ((S - self.mean_) / self.std_) @ self.weights_ + self.bias_


# ------------------------------------------------------------------------------------ attacks
def room_impulse_response(sr: int, rt60: float = 0.4, *, drr_db: float = 3.0, seed: int = 0) -> np.ndarray:
    """A synthetic room impulse response: a direct path plus exponentially decaying noise.

    The tail decays by 60 dB in ``rt60`` seconds; ``drr_db`` is the direct-to-reverberant
    energy ratio. Normalised to unit energy.
    """
    if rt60 <= 0:
        raise ValueError(f"room_impulse_response: rt60 must be positive, got {rt60}")
    rng = np.random.default_rng(seed)
    n = max(2, int(rt60 * sr))
    t = np.arange(n) / sr
    tail = rng.normal(size=n) * 10.0 ** (-3.0 * t / rt60)
    tail[0] = 0.0
    tail *= np.sqrt(10.0 ** (-drr_db / 10.0) / np.sum(tail**2))
    h = tail
    h[0] = 1.0
    return (h / np.linalg.norm(h)).astype(np.float32)


def simulate_replay(y: np.ndarray, sr: int, *, band: tuple[float, float] = (300.0, 4000.0), rt60: float = 0.4,
                    drr_db: float = 3.0, seed: int = 0) -> np.ndarray:
    """A recording played back through a small loudspeaker into a room and re-recorded.

    The loudspeaker and microphone are a 4th-order Butterworth band-pass ``band`` (Hz); the
    room is :func:`room_impulse_response`. The output keeps the input's length and RMS level.
    """
    from scipy.signal import butter, fftconvolve, sosfilt

    y = check_audio(y, sr, name="y")
    lo, hi = band
    if not 0 < lo < hi < sr / 2:
        raise ValueError(f"simulate_replay: band must satisfy 0 < low < high < sr/2, got {band} at sr={sr}")
    sos = butter(4, [lo, hi], btype="bandpass", fs=sr, output="sos")
    z = sosfilt(sos, y.astype(np.float64))
    z = fftconvolve(z, room_impulse_response(sr, rt60, drr_db=drr_db, seed=seed).astype(np.float64))[: y.size]
    rms_in, rms_out = np.sqrt(np.mean(y.astype(np.float64) ** 2)), np.sqrt(np.mean(z**2))
    return (z * (rms_in / max(rms_out, 1e-12))).astype(np.float32)


def add_noise(y: np.ndarray, noise: np.ndarray, snr_db: float, rng: np.random.Generator | None = None) -> np.ndarray:
    """``y`` plus ``noise`` scaled to ``snr_db`` (a random segment when ``rng`` is given).

    A thin wrapper of :func:`course_utils.audio.mix_at_snr`, kept here so that the chapter's
    corruptions read alike.
    """
    return mix_at_snr(y, noise, snr_db, rng=rng)


def make_babble(signals: Sequence[np.ndarray], length: int | None = None) -> np.ndarray:
    """Babble noise: several talkers' recordings, each RMS-normalised, looped to a common length and summed."""
    sigs = [check_audio(s, name=f"signals[{i}]") for i, s in enumerate(signals)]
    if not sigs:
        raise ValueError("make_babble: give at least one signal")
    n = int(length or max(s.size for s in sigs))
    out = np.zeros(n, np.float64)
    for s in sigs:
        s = np.tile(s, int(np.ceil(n / s.size)))[:n].astype(np.float64)
        out += s / (np.sqrt(np.mean(s**2)) + 1e-12)
    return (out / len(sigs)).astype(np.float32)


# ------------------------------------------------------------------------------------ plots
_DET_TICKS = np.array([0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8])


def plot_det(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], *, ax=None, title: str = "DET curve",
             mark_eer: bool = True, limits: tuple[float, float] = (0.001, 0.8)):
    """DET curves on normal-deviate axes (``scipy.stats.norm.ppf``), one per system.

    Parameters
    ----------
    curves : mapping
        ``{label: (positive_scores, negative_scores)}``.
    mark_eer : bool
        Put a dot at each system's EER point (where the curve meets the diagonal).

    On these axes the two score distributions, if Gaussian, give a straight line; better
    systems lie closer to the origin (lower-left).
    """
    import matplotlib.pyplot as plt
    from scipy.stats import norm

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.5), layout="constrained")
    lo, hi = limits
    for label, (pos, neg) in curves.items():
        far, frr, _ = det_curve(pos, neg)
        e, _ = eer(pos, neg)
        x = norm.ppf(np.clip(far, lo / 2, 1 - 1e-9))
        yv = norm.ppf(np.clip(frr, lo / 2, 1 - 1e-9))
        line, = ax.plot(x, yv, label=f"{label} (EER {100 * e:.1f}%)")
        if mark_eer:
            p = norm.ppf(np.clip(e, lo / 2, 1 - 1e-9))
            ax.plot([p], [p], "o", color=line.get_color())
    ticks = _DET_TICKS[(_DET_TICKS >= lo) & (_DET_TICKS <= hi)]
    labels = [f"{100 * t:g}" for t in ticks]
    ax.set_xticks(norm.ppf(ticks), labels)
    ax.set_yticks(norm.ppf(ticks), labels)
    ax.plot(norm.ppf([lo, hi]), norm.ppf([lo, hi]), ":", color="gray", linewidth=0.8)
    ax.set(xlim=norm.ppf([lo, hi]), ylim=norm.ppf([lo, hi]), title=title,
           xlabel="False acceptance rate (%)", ylabel="False rejection rate (%)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    return ax


def plot_roc(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], *, ax=None, title: str = "ROC curve"):
    """ROC curves (true acceptance rate against false acceptance rate) with the AUC in the legend."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_auc_score

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.5), layout="constrained")
    for label, (pos, neg) in curves.items():
        far, frr, _ = det_curve(pos, neg)
        yt = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
        auc = roc_auc_score(yt, np.r_[pos, neg])
        ax.plot(far, 1 - frr, label=f"{label} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], ":", color="gray", linewidth=0.8)
    ax.set(xlim=(0, 1), ylim=(0, 1.01), title=title, xlabel="False acceptance rate",
           ylabel="True acceptance rate (1 - FRR)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_score_distributions(positive_scores, negative_scores, *, threshold: float | None = None, ax=None,
                             title: str = "Score distributions", bins: int = 40):
    """Histograms of target and non-target scores, with the decision threshold as a line."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3), layout="constrained")
    pos, neg = np.asarray(positive_scores), np.asarray(negative_scores)
    edges = np.histogram_bin_edges(np.r_[pos, neg], bins=bins)
    ax.hist(neg, bins=edges, density=True, alpha=0.6, label=f"non-target ({neg.size})")
    ax.hist(pos, bins=edges, density=True, alpha=0.6, label=f"target ({pos.size})")
    if threshold is not None:
        ax.axvline(threshold, color="k", linestyle="--", label=f"threshold {threshold:.3g}")
    ax.set(xlabel="Score", ylabel="Density", title=title)
    ax.legend(fontsize=8)
    return ax


# ------------------------------------------------------------------------------------ the verifier
_FORMAT = "course_utils.SpeakerVerifier"


class SpeakerVerifier:
    """Enroll speakers, then verify ("is this Alice?") or identify ("who is this?").

    Parameters
    ----------
    embedder : object
        Anything with ``embed(y, sr) -> 1-D array``; ``name`` and ``sr`` are used when present
        (e.g. ``course_utils.embeddings.load_or_train("xvector_aam")``).
    threshold : float, optional
        Accept when ``score > threshold``. Set it later with :meth:`calibrate`.
    backend : optional
        A fitted :class:`CosineBackend` (default), :class:`LDABackend`, :class:`PLDABackend`
        or :class:`SNormBackend`; the threshold lives on its score scale.
    min_duration : float
        Shortest audio (seconds) accepted for enrollment and tests; shorter raises
        :class:`~course_utils.audio.AudioError`.

    Examples
    --------
    >>> sv = SpeakerVerifier(load_or_train("resemblyzer"))          # doctest: +SKIP
    >>> sv.enroll("alice", ["a1.wav", "a2.wav", "a3.wav"])          # doctest: +SKIP
    >>> sv.calibrate(target_scores, impostor_scores, target="eer")  # doctest: +SKIP
    >>> sv.verify("alice", y, sr)                                   # doctest: +SKIP
    (True, 0.83)
    """

    def __init__(self, embedder: Any, threshold: float | None = None, backend: Any = None, *,
                 min_duration: float = 0.5):
        if not callable(getattr(embedder, "embed", None)):
            raise TypeError(f"SpeakerVerifier: the embedder must have an embed(y, sr) method, got {type(embedder).__name__}")
        self.embedder = embedder
        self.threshold = None if threshold is None else float(threshold)
        self.backend = backend if backend is not None else CosineBackend()
        self.min_duration = float(min_duration)
        self._voiceprints: dict[str, np.ndarray] = {}
        self._counts: dict[str, int] = {}
        self.dim: int | None = None

    # -- helpers -------------------------------------------------------------------------------
    @property
    def speakers(self) -> list[str]:
        """Enrolled speaker ids, in enrollment order."""
        return list(self._voiceprints)

    @property
    def embedder_name(self) -> str:
        """The embedder's name, as stored in saved files."""
        return embedder_name(self.embedder)

    def _target_sr(self) -> int:
        return int(getattr(self.embedder, "sr", 16000) or 16000)

    def embed(self, audio: Any, sr: int | None = None, *, name: str = "audio") -> np.ndarray:
        """Embedding of one utterance given as a signal (with ``sr``) or a file path.

        Raises
        ------
        AudioError
            Unreadable, empty, silent or too short audio (shorter than ``min_duration``).
        ValueError
            A signal without its sample rate.
        """
        if isinstance(audio, (str, os.PathLike)):
            y = load_audio(audio, sr=self._target_sr(), min_duration=self.min_duration)
            sr, name = self._target_sr(), str(audio)
        else:
            if sr is None:
                raise ValueError(f"{name}: a signal needs its sample rate: pass sr=...")
            if not isinstance(sr, (int, np.integer)) or sr <= 0:
                raise ValueError(f"{name}: sr must be a positive integer, got {sr!r}")
            y = check_audio(np.asarray(audio), int(sr), name=name, min_duration=self.min_duration)
        v = np.asarray(self.embedder.embed(y, int(sr)), dtype=np.float64).reshape(-1)
        if v.size == 0 or not np.all(np.isfinite(v)):
            raise AudioError(f"{name}: the embedder {self.embedder_name} returned no usable embedding")
        if self.dim is not None and v.size != self.dim:
            raise VerificationError(f"{name}: embedding has {v.size} dimensions, the voiceprints have {self.dim}")
        return v

    def _voiceprint(self, speaker_id: str) -> np.ndarray:
        if speaker_id not in self._voiceprints:
            known = ", ".join(map(repr, self.speakers)) or "none yet"
            raise UnknownSpeakerError(f"speaker {speaker_id!r} is not enrolled (enrolled: {known})")
        return self._voiceprints[speaker_id]

    def _need_threshold(self) -> float:
        if self.threshold is None:
            raise VerificationError("no decision threshold: call calibrate(target_scores, impostor_scores) "
                                    "or pass threshold=... to SpeakerVerifier")
        return self.threshold

    # -- enrollment ------------------------------------------------------------------------------
    def enroll(self, speaker_id: str, audio_or_paths: Any, sr: int | None = None) -> None:
        """Enroll (or re-enroll) ``speaker_id`` from several utterances.

        Parameters
        ----------
        speaker_id : str
            Any non-empty name.
        audio_or_paths : list
            Signals (then give ``sr``) and/or file paths; a single signal or path also works.
        sr : int, optional
            Sample rate of the signals.

        Raises
        ------
        EnrollmentError
            No utterances, or an empty ``speaker_id``.
        AudioError
            An utterance that is unreadable, silent or too short (the message names it).
        """
        if not isinstance(speaker_id, str) or not speaker_id.strip():
            raise EnrollmentError(f"enroll: speaker_id must be a non-empty string, got {speaker_id!r}")
        items = audio_or_paths
        if isinstance(items, (str, os.PathLike)) or (isinstance(items, np.ndarray) and items.ndim == 1):
            items = [items]
        if items is None or len(items) == 0:
            raise EnrollmentError(f"enroll {speaker_id!r}: no enrollment audio given (need at least one utterance)")
        embs = [self.embed(a, sr, name=f"enroll {speaker_id!r} utterance {i}") for i, a in enumerate(items)]
        E = np.stack(embs)
        self.dim = E.shape[1]
        self._voiceprints[speaker_id] = l2_normalize(E).mean(axis=0)
        self._counts[speaker_id] = len(embs)

    def remove(self, speaker_id: str) -> None:
        """Forget an enrolled speaker (raises :class:`UnknownSpeakerError` if not enrolled)."""
        self._voiceprint(speaker_id)
        del self._voiceprints[speaker_id], self._counts[speaker_id]

    # -- scoring ---------------------------------------------------------------------------------
    def _score_vectors(self, ids: list[str], v: np.ndarray) -> np.ndarray:
        M = np.stack([self._voiceprints[s] for s in ids])
        n = np.array([self._counts[s] for s in ids])
        return np.asarray(self.backend.score(M, v[None, :], n), dtype=np.float64)[:, 0]

    def score(self, speaker_id: str, audio: Any, sr: int | None = None) -> float:
        """Similarity of ``audio`` to ``speaker_id``'s voiceprint (higher = more alike)."""
        self._voiceprint(speaker_id)
        v = self.embed(audio, sr, name="test audio")
        return float(self._score_vectors([speaker_id], v)[0])

    def scores(self, audio: Any, sr: int | None = None) -> dict[str, float]:
        """Score of ``audio`` against every enrolled speaker."""
        if not self._voiceprints:
            raise VerificationError("no speaker is enrolled yet: call enroll(speaker_id, utterances) first")
        v = self.embed(audio, sr, name="test audio")
        return dict(zip(self.speakers, map(float, self._score_vectors(self.speakers, v))))

    def verify(self, speaker_id: str, audio: Any, sr: int | None = None) -> tuple[bool, float]:
        """Is ``audio`` spoken by ``speaker_id``? Returns ``(accepted, score)``.

        Raises
        ------
        UnknownSpeakerError
            ``speaker_id`` was never enrolled.
        VerificationError
            No threshold yet (see :meth:`calibrate`).
        AudioError
            Unusable or too short audio.
        """
        thr = self._need_threshold()
        s = self.score(speaker_id, audio, sr)
        return bool(s > thr), s

    def identify(self, audio: Any, sr: int | None = None, *, open_set: bool = True) -> tuple[str | None, float]:
        """Who is speaking? Returns ``(speaker_id, score)`` of the best-scoring enrolled speaker.

        With ``open_set=True`` the best score must also pass the threshold, otherwise the
        answer is ``(None, score)``: an unknown speaker is rejected rather than given the
        closest enrolled name. ``open_set=False`` always names someone (closed set).
        """
        all_scores = self.scores(audio, sr)
        best = max(all_scores, key=all_scores.get)
        s = all_scores[best]
        if open_set and not s > self._need_threshold():
            return None, s
        return best, s

    def calibrate(self, positive_scores, negative_scores, target: str = "eer", *, rate: float | None = None) -> float:
        """Set (and return) the threshold from target and impostor scores of held-out trials.

        ``target`` as in :func:`choose_threshold`: ``"eer"``, ``"min_dcf"``, ``"far"`` (with
        ``rate``, e.g. 0.01 for at most 1 % false acceptances) or ``"frr"``.
        """
        self.threshold = choose_threshold(positive_scores, negative_scores, target, rate=rate)
        return self.threshold

    # -- persistence -------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write voiceprints, threshold, back-end and embedder name/dimension as JSON (no pickle)."""
        data = {
            "format": _FORMAT,
            "version": 1,
            "embedder": self.embedder_name,
            "dim": self.dim,
            "threshold": self.threshold,
            "min_duration": self.min_duration,
            "backend": self.backend.to_dict() if hasattr(self.backend, "to_dict") else None,
            "speakers": {s: {"voiceprint": self._voiceprints[s].tolist(), "n": self._counts[s]} for s in self.speakers},
        }
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike, embedder: Any) -> "SpeakerVerifier":
        """Read a file written by :meth:`save`; ``embedder`` must be the one the voiceprints were made with.

        Raises
        ------
        VoiceprintFileError
            Missing, unreadable or corrupt file, or an embedder whose name or dimension differs.
        """
        path = Path(path)
        if not path.is_file():
            raise VoiceprintFileError(f"{path}: no such voiceprint file")
        try:
            data = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise VoiceprintFileError(f"{path}: not a SpeakerVerifier file (invalid JSON: {exc})") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise VoiceprintFileError(f"{path}: not a SpeakerVerifier file (no '{_FORMAT}' format marker)")
        name = embedder_name(embedder)
        if data.get("embedder") != name:
            raise VoiceprintFileError(f"{path}: voiceprints were made with embedder {data.get('embedder')!r}, "
                                      f"but {name!r} was given; load with the same embedder")
        dim = data.get("dim")
        emb_dim = getattr(embedder, "dim", None)
        if dim is not None and emb_dim and int(emb_dim) != int(dim):
            raise VoiceprintFileError(f"{path}: voiceprints have {dim} dimensions, embedder {name!r} gives {emb_dim}")
        try:
            obj = cls(embedder, data.get("threshold"), backend_from_dict(data.get("backend")),
                      min_duration=float(data.get("min_duration", 0.5)))
            for spk, entry in data["speakers"].items():
                v = np.asarray(entry["voiceprint"], dtype=np.float64)
                if v.ndim != 1 or (dim is not None and v.size != dim) or not np.all(np.isfinite(v)):
                    raise ValueError(f"voiceprint of {spk!r} has shape {v.shape}")
                obj._voiceprints[str(spk)] = v
                obj._counts[str(spk)] = int(entry.get("n", 1))
            obj.dim = None if dim is None else int(dim)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise VoiceprintFileError(f"{path}: corrupt SpeakerVerifier file ({type(exc).__name__}: {exc})") from None
        return obj

    def __repr__(self) -> str:
        return (f"<SpeakerVerifier embedder={self.embedder_name!r} speakers={len(self._voiceprints)} "
                f"threshold={self.threshold} backend={getattr(self.backend, 'kind', type(self.backend).__name__)}>")
