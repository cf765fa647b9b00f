"""Speech emotion recognition as a scikit-learn-style estimator, saved as NPZ (no pickle).

Taught in ``notebooks/04_emotion_recognition.ipynb`` (section 9); chapter 7 uses it as a component.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from ..audio import AudioError, check_audio, load_audio
from ..cache import atomic_path
from .evaluation import speaker_normalize
from .features import EMOTION_FEATURE_NAMES, MIN_DURATION, corpus_features, emotion_features

__all__ = ["EmotionRecognizer"]


_VERSION = 2  # 2: the JSON header carries a SHA-256 "digest" of the header and the arrays
_ARRAYS = ("mean", "scale", "coef", "intercept")


def _model_digest(meta: dict, arrays: dict) -> str:
    """SHA-256 of a saved model: its header (without ``digest``) and every array's dtype, shape and bytes."""
    h = hashlib.sha256(json.dumps({k: v for k, v in meta.items() if k != "digest"}, sort_keys=True).encode())
    for k in _ARRAYS:
        a = np.ascontiguousarray(arrays[k])
        h.update(f"{k}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _check_model(meta: dict, arrays: dict, n_features: int) -> None:
    """Raise ValueError unless a loaded model's header and arrays are complete and plausible."""
    classes = meta.get("classes")
    if not (isinstance(classes, list) and len(classes) >= 2 and all(isinstance(c, str) for c in classes)
            and len(set(classes)) == len(classes)):
        raise ValueError(f"classes must be at least two distinct names, got {classes!r}")
    sr, C = meta.get("sr"), meta.get("C")
    if isinstance(sr, bool) or not isinstance(sr, int) or not 8000 <= sr <= 384000:
        raise ValueError(f"sr must be an integer rate in 8000-384000 Hz, got {sr!r}")
    if isinstance(C, bool) or not isinstance(C, (int, float)) or not (np.isfinite(C) and C > 0):
        raise ValueError(f"C must be a positive number, got {C!r}")
    if not isinstance(meta.get("speaker_norm"), bool) or isinstance(meta.get("seed"), bool) \
            or not isinstance(meta.get("seed"), int):
        raise ValueError("speaker_norm must be true/false and seed an integer")
    k = len(classes)
    shapes = {"mean": (n_features,), "scale": (n_features,), "coef": (k, n_features), "intercept": (k,)}
    for name, shape in shapes.items():
        a = arrays[name]
        if a.shape != shape or a.dtype.kind != "f":
            raise ValueError(f"{name} must be a float array of shape {shape}, got {a.dtype} {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} holds {int((~np.isfinite(a)).sum())} NaN or infinite values")
    if not np.all(arrays["scale"] > 0):
        raise ValueError("scale must be positive (it divides the features)")


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class EmotionRecognizer:
    """Speech emotion recognition as a scikit-learn-style estimator.

    :func:`~course_utils.emotion.emotion_features` (prosodic + spectral, 110 values) ->
    standardisation -> multinomial logistic regression. Chapter 7 uses it as a component.

    Speaker normalisation: pass ``speakers=`` to :meth:`fit` and every training speaker's
    features are z-scored with that speaker's own statistics
    (:func:`~course_utils.emotion.speaker_normalize`), which makes the model markedly better on
    unseen speakers. Such a model needs the same for a new speaker:
    ``stats = rec.speaker_stats(some_utterances_of_that_speaker, sr)`` (no labels needed), then
    ``rec.predict(y, sr, speaker_stats=stats)``. Without ``speakers=`` the model works on any
    single utterance.

    Parameters
    ----------
    sr : int
        Rate at which audio is analysed (files and arrays are resampled to it).
    seed : int
        Seed of the solver (the fit is deterministic anyway).
    C : float
        Inverse L2 regularisation strength of the logistic regression.

    Examples
    --------
    >>> rec = EmotionRecognizer().fit(paths, labels)          # doctest: +SKIP
    >>> rec.predict(y, 16000), rec.predict_proba(y, 16000)    # doctest: +SKIP
    >>> rec.save("emotion.npz"); EmotionRecognizer.load("emotion.npz")  # doctest: +SKIP

    Notebook: 04_emotion_recognition § 9. A reusable estimator: `EmotionRecognizer`
    """

    feature_names: list[str] = EMOTION_FEATURE_NAMES

    def __init__(self, sr: int = 16000, seed: int = 0, C: float = 0.1) -> None:
        if not isinstance(sr, (int, np.integer)) or sr < 8000:
            raise ValueError(f"EmotionRecognizer: sr must be an integer >= 8000, got {sr!r}")
        if not C > 0:
            raise ValueError(f"EmotionRecognizer: C must be positive, got {C!r}")
        self.sr, self.seed, self.C = int(sr), int(seed), float(C)
        self.classes_: list[str] = []
        self.speaker_norm = False

    # ---- features
    def _load(self, item, sr: int | None, name: str) -> np.ndarray:
        if isinstance(item, (str, Path)):
            return load_audio(item, sr=self.sr, min_duration=MIN_DURATION)
        if sr is None:
            raise ValueError(f"{name}: audio arrays need their sample rate (pass sr=...)")
        y = check_audio(item, sr, name=name, min_duration=MIN_DURATION)
        if sr != self.sr:
            y = librosa.resample(y, orig_sr=sr, target_sr=self.sr, res_type="soxr_hq")
        return y

    @staticmethod
    def _check_file(path) -> None:
        """Raise an AudioError naming ``path`` if it is missing, unreadable or too short (header only)."""
        if not Path(path).is_file():
            raise AudioError(f"{path}: file not found")
        try:
            info = sf.info(str(path))
        except Exception as exc:  # soundfile raises LibsndfileError/RuntimeError/TypeError
            raise AudioError(f"{path}: not a readable audio file ({type(exc).__name__}: {exc})") from None
        if info.samplerate <= 0 or info.frames < MIN_DURATION * info.samplerate:
            raise AudioError(f"{path}: too short ({info.frames / max(info.samplerate, 1):.3f} s); at least "
                             f"{MIN_DURATION:g} s is needed")

    @staticmethod
    def _single(audio) -> bool:
        """One utterance (a path or a 1-D signal) or a list of them; a 2-D array is refused."""
        if isinstance(audio, np.ndarray) and audio.ndim >= 2:
            raise AudioError(f"audio: got a {audio.ndim}-D array of shape {audio.shape}; pass one mono 1-D "
                             "signal (mix stereo down first, e.g. y.mean(axis=0) for (channels, n)) or a list "
                             "of 1-D signals for several utterances")
        return isinstance(audio, (str, Path)) or (isinstance(audio, np.ndarray) and audio.ndim == 1)

    def transform(self, paths_or_audio, sr: int | None = None) -> np.ndarray:
        """Feature matrix ``(n, 110)`` of a list of files (cached on disk) or arrays."""
        items = list(paths_or_audio)
        if not items:
            raise ValueError("EmotionRecognizer: got an empty list of utterances")
        if all(isinstance(p, (str, Path)) for p in items):
            for p in items:  # clear errors, naming the file, before the cache sees a bad one
                self._check_file(p)
            return np.asarray(corpus_features(items, emotion_features, sr=self.sr, progress=len(items) > 50),
                              dtype=np.float64)
        with threadpool_limits(1):
            return np.stack([emotion_features(self._load(it, sr, f"utterance {i}"), self.sr)
                             for i, it in enumerate(items)]).astype(np.float64)

    # ---- training
    def fit(self, paths_or_audio, labels: Sequence[str], sr: int | None = None, *,
            speakers: Sequence | None = None) -> EmotionRecognizer:
        """Learn from a list of files or of arrays (then give ``sr``) and their emotion labels.

        ``speakers`` (optional, one per utterance) switches on per-speaker normalisation.
        """
        items = list(paths_or_audio)
        labels = [str(lab) for lab in labels]
        if len(items) != len(labels):
            raise ValueError(f"fit: {len(items)} utterances but {len(labels)} labels")
        if len(set(labels)) < 2:
            raise ValueError(f"fit: need at least two different emotions, got {sorted(set(labels))}")
        if speakers is not None and len(speakers) != len(items):
            raise ValueError(f"fit: {len(items)} utterances but {len(speakers)} speakers")
        X = self.transform(items, sr)
        return self.fit_features(X, labels, speakers=speakers)

    def fit_features(self, X: np.ndarray, labels: Sequence[str], *,
                     speakers: Sequence | None = None) -> EmotionRecognizer:
        """Fit on a ready feature matrix: rows of :func:`emotion_features` (for instance the cached
        corpus matrix of :func:`corpus_features`), with optional per-speaker normalisation."""
        X = np.asarray(X, dtype=np.float64)
        labels = [str(lab) for lab in labels]
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise ValueError(f"fit_features: X must have shape (n, {len(self.feature_names)}), got {X.shape}")
        if len(X) != len(labels):
            raise ValueError(f"fit: {len(X)} utterances but {len(labels)} labels")
        if len(set(labels)) < 2:
            raise ValueError(f"fit: need at least two different emotions, got {sorted(set(labels))}")
        if speakers is not None:
            if len(speakers) != len(X):
                raise ValueError(f"fit: {len(X)} utterances but {len(speakers)} speakers")
            X = speaker_normalize(X, speakers)
        self.speaker_norm = speakers is not None
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 1e-9, X.std(axis=0), 1.0)
        clf = LogisticRegression(C=self.C, max_iter=3000, random_state=self.seed)
        with threadpool_limits(1):
            clf.fit((X - self.mean_) / self.scale_, np.asarray(labels))
        self.classes_ = [str(c) for c in clf.classes_]
        self.coef_, self.intercept_ = clf.coef_.copy(), clf.intercept_.copy()
        if self.coef_.shape[0] == 1:  # binary: sigmoid(w.x + b) == softmax of (-(w.x+b)/2, (w.x+b)/2)
            self.coef_ = np.vstack([-self.coef_ / 2, self.coef_ / 2])
            self.intercept_ = np.array([-self.intercept_[0] / 2, self.intercept_[0] / 2])
        return self

    # ---- inference
    def speaker_stats(self, paths_or_audio, sr: int | None = None) -> dict[str, np.ndarray]:
        """Feature mean and std of one speaker's utterances (at least 5 recommended; no labels).
        Pass a feature matrix (2-D float array with one row per utterance) to skip extraction."""
        if isinstance(paths_or_audio, np.ndarray) and paths_or_audio.ndim == 2 \
                and paths_or_audio.shape[1] == len(self.feature_names):
            X = paths_or_audio.astype(np.float64)
        else:
            X = self.transform(paths_or_audio, sr)
        if len(X) < 2:
            raise ValueError("speaker_stats: need at least 2 utterances of the speaker")
        return {"mean": X.mean(axis=0), "std": X.std(axis=0)}

    def _check_fitted(self) -> None:
        if not self.classes_:
            raise RuntimeError("EmotionRecognizer: call fit() (or load()) first")

    def _proba(self, X: np.ndarray, speaker_stats: dict | None) -> np.ndarray:
        if self.speaker_norm:
            if speaker_stats is None:
                raise ValueError("this recognizer was trained with per-speaker normalisation: pass "
                                 "speaker_stats=rec.speaker_stats(<utterances of this speaker>, sr)")
            sd = np.asarray(speaker_stats["std"], dtype=np.float64)
            X = (X - np.asarray(speaker_stats["mean"])) / np.where(sd > 1e-6, sd, 1.0)
        Z = (X - self.mean_) / self.scale_
        return _softmax(Z @ self.coef_.T + self.intercept_)

    def predict_proba_features(self, X: np.ndarray, *, speaker_stats: dict | None = None) -> np.ndarray:
        """Probabilities ``(n, n_classes)`` for rows of :func:`emotion_features` (not normalised)."""
        self._check_fitted()
        return self._proba(np.atleast_2d(np.asarray(X, dtype=np.float64)), speaker_stats)

    def predict_proba(self, audio, sr: int | None = None, *, speaker_stats: dict | None = None):
        """Class probabilities: a dict ``{emotion: p}`` for one utterance (array or path), an array
        ``(n, n_classes)`` aligned with :attr:`classes_` for a list of them."""
        self._check_fitted()
        single = self._single(audio)
        P = self._proba(self.transform([audio] if single else audio, sr), speaker_stats)
        return dict(zip(self.classes_, map(float, P[0]))) if single else P

    def predict(self, audio, sr: int | None = None, *, speaker_stats: dict | None = None):
        """The most likely emotion (a ``str``), or a list of them for a list of utterances."""
        self._check_fitted()
        single = self._single(audio)
        P = self._proba(self.transform([audio] if single else audio, sr), speaker_stats)
        labels = [self.classes_[i] for i in P.argmax(axis=1)]
        return labels[0] if single else labels

    # ---- persistence (NPZ, no pickle)
    def save(self, path: str | Path) -> None:
        """Write the model to ``path`` (NPZ: arrays plus a JSON header; no pickle).

        The write is atomic (a failed, interrupted or concurrent save never leaves a half-written
        model) and the header carries a SHA-256 of the header and the arrays, checked by :meth:`load`.
        """
        self._check_fitted()
        meta = dict(kind="EmotionRecognizer", version=_VERSION, sr=self.sr, seed=self.seed, C=self.C,
                    classes=self.classes_, speaker_norm=self.speaker_norm, features=list(self.feature_names))
        arrays = dict(mean=self.mean_, scale=self.scale_, coef=self.coef_, intercept=self.intercept_)
        meta["digest"] = _model_digest(meta, arrays)
        with atomic_path(path) as tmp:  # a failed or interrupted save never leaves a half-written model
            np.savez(tmp, meta=np.array(json.dumps(meta)), **arrays)

    @classmethod
    def load(cls, path: str | Path) -> EmotionRecognizer:
        """Read a model written by :meth:`save`, checking it first.

        Checked: the file is a complete NPZ with its JSON header (never unpickled), the SHA-256
        digest matches (an edited or damaged file is refused), the feature set is this course's,
        and every value is plausible: distinct class names, finite arrays of the right shapes, a
        positive scale, a sample rate of at least 8 kHz.

        Raises
        ------
        FileNotFoundError
            No file at ``path``.
        ValueError
            Anything else wrong with the file; the message names the file and the problem.
        """
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such model file")
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                arrays = {k: z[k] for k in _ARRAYS}
        except (OSError, KeyError, ValueError, EOFError, RecursionError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not an EmotionRecognizer file (unreadable, truncated or damaged: "
                             f"{type(exc).__name__}: {str(exc)[:200]})") from None
        if not isinstance(meta, dict) or meta.get("kind") != "EmotionRecognizer":
            kind = meta.get("kind") if isinstance(meta, dict) else type(meta).__name__
            raise ValueError(f"{path}: not an EmotionRecognizer file (kind={kind!r})")
        if meta.get("version") != _VERSION or not isinstance(meta.get("digest"), str):
            raise ValueError(f"{path}: EmotionRecognizer file version {meta.get('version')!r} without a content "
                             f"digest (this course reads version {_VERSION}); fit the model again and save it")
        if meta["digest"] != _model_digest(meta, arrays):
            raise ValueError(f"{path}: content does not match its SHA-256 digest: the file was edited or damaged "
                             "after it was saved; fit the model again and save it")
        if meta.get("features") != list(cls.feature_names):
            raise ValueError(f"{path}: saved with a different feature set; retrain the model")
        try:
            _check_model(meta, arrays, len(cls.feature_names))
        except ValueError as exc:
            raise ValueError(f"{path}: implausible EmotionRecognizer file: {exc}") from None
        rec = cls(sr=meta["sr"], seed=meta["seed"], C=meta["C"])
        rec.classes_, rec.speaker_norm = list(meta["classes"]), bool(meta["speaker_norm"])
        rec.mean_, rec.scale_, rec.coef_, rec.intercept_ = (arrays[k].astype(np.float64) for k in _ARRAYS)
        return rec

    def __repr__(self) -> str:
        state = f"{len(self.classes_)} classes" if self.classes_ else "not fitted"
        return f"EmotionRecognizer(sr={self.sr}, C={self.C}, speaker_norm={self.speaker_norm}; {state})"
