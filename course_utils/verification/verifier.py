"""The reusable verifier: enroll speakers, then verify ("is this Alice?") or identify ("who is this?").

:class:`SpeakerVerifier` puts chapter 3 behind ``enroll`` / ``verify`` / ``identify`` / ``calibrate``
/ ``save`` / ``load`` (JSON, never pickle; written atomically). Chapter 7 uses it as the voice lock
of its assistant.

Notebook: 03_speaker_verification § `SpeakerVerifier`: the whole pipeline in one object
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import AudioError, check_audio, load_audio
from ..cache import atomic_write_text
from .embedding import embedder_name
from .errors import EnrollmentError, UnknownSpeakerError, VerificationError, VoiceprintFileError
from .scoring import CosineBackend, backend_from_dict, l2_normalize
from .trials import choose_threshold

__all__ = ["SpeakerVerifier"]

_FORMAT = "course_utils.SpeakerVerifier"
_VERSION = 2  # 2: with a SHA-256 "digest" of the content
#: Back-ends whose scores are cosines, so a threshold outside [-1, 1] accepts or rejects everyone.
_COSINE_KINDS = ("cosine", "lda")
#: Largest plausible |threshold| on an unbounded score scale (PLDA log-likelihood ratios, s-norm).
_MAX_ABS_THRESHOLD = 1e4
_MAX_MIN_DURATION = 60.0


def _content_digest(data: dict) -> str:
    """SHA-256 of a saved verifier's content: every field but ``digest``, as canonical JSON."""
    body = {k: v for k, v in data.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _check_threshold(threshold: Any, kind: str) -> float | None:
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise ValueError(f"threshold must be a number or None, got {threshold!r}")
    t = float(threshold)
    if not np.isfinite(t):
        raise ValueError(f"threshold must be finite, got {t} (NaN rejects everyone, -inf accepts everyone)")
    if kind in _COSINE_KINDS and not -1.0 <= t <= 1.0:
        raise ValueError(f"threshold {t:g} is outside [-1, 1], the range of {kind} scores: it would accept or "
                         "reject every trial")
    if abs(t) > _MAX_ABS_THRESHOLD:
        raise ValueError(f"threshold {t:g} is implausibly far from zero for {kind} scores")
    return t


def _check_min_duration(min_duration: Any) -> float:
    d = float(min_duration)
    if not (np.isfinite(d) and 0.0 <= d <= _MAX_MIN_DURATION):
        raise ValueError(f"min_duration must be between 0 and {_MAX_MIN_DURATION:g} seconds, got {min_duration!r}")
    return d


def _check_voiceprint(spk: str, entry: Any, dim: int) -> tuple[np.ndarray, int]:
    v = np.asarray(entry["voiceprint"], dtype=np.float64)
    if v.shape != (dim,):
        raise ValueError(f"voiceprint of {spk!r} has shape {v.shape}, expected ({dim},)")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"voiceprint of {spk!r} holds NaN or infinite values")
    norm = float(np.linalg.norm(v))
    if not 1e-6 < norm <= 1.0 + 1e-6:  # an average of unit vectors: never longer than 1, zero only if zeroed
        raise ValueError(f"voiceprint of {spk!r} has norm {norm:.6g}; an average of unit-length embeddings "
                         "has a norm in (0, 1]")
    n = entry.get("n", 1)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"enrollment count of {spk!r} must be a positive integer, got {n!r}")
    return v, n


class SpeakerVerifier:
    """Enroll speakers, then verify ("is this Alice?") or identify ("who is this?").

    Parameters
    ----------
    embedder : object
        Anything with ``embed(y, sr) -> 1-D array``; ``name`` and ``sr`` are used when present
        (e.g. ``course_utils.embeddings.load_or_train("xvector_aam")``).
    threshold : float, optional
        Accept when ``score > threshold``. Set it later with :meth:`calibrate`.
    backend : object, optional
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

    Notebook: 03_speaker_verification § `SpeakerVerifier`: the whole pipeline in one object
    """

    def __init__(self, embedder: Any, threshold: float | None = None, backend: Any = None, *,
                 min_duration: float = 0.5):
        if not callable(getattr(embedder, "embed", None)):
            raise TypeError(f"SpeakerVerifier: the embedder must have an embed(y, sr) method, got {type(embedder).__name__}")
        self.embedder = embedder
        self.backend = backend if backend is not None else CosineBackend()
        try:
            self.threshold = _check_threshold(threshold, getattr(self.backend, "kind", ""))
            self.min_duration = _check_min_duration(min_duration)
        except (TypeError, ValueError) as exc:
            raise VerificationError(f"SpeakerVerifier: {exc}") from None
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
        """Write voiceprints, threshold, back-end and embedder name/dimension as JSON (no pickle).

        The write is atomic (a concurrent or interrupted save never leaves a mixed file) and the
        file carries the SHA-256 of its content, which :meth:`load` checks.
        """
        data = {
            "format": _FORMAT,
            "version": _VERSION,
            "embedder": self.embedder_name,
            "dim": self.dim,
            "threshold": self.threshold,
            "min_duration": self.min_duration,
            "backend": self.backend.to_dict() if hasattr(self.backend, "to_dict") else None,
            "speakers": {s: {"voiceprint": self._voiceprints[s].tolist(), "n": self._counts[s]} for s in self.speakers},
        }
        data["digest"] = _content_digest(data)
        atomic_write_text(path, json.dumps(data))

    @classmethod
    def load(cls, path: str | os.PathLike, embedder: Any) -> "SpeakerVerifier":
        """Read a file written by :meth:`save`; ``embedder`` must be the one the voiceprints were made with.

        Every field is checked before use: the content digest (an edited, swapped or truncated file
        is refused), the threshold (finite; within [-1, 1] for cosine and LDA scores), the
        minimum duration (0-60 s), each voiceprint (finite, of the embedder's dimension, norm in
        (0, 1]) and the back-end's parameters (finite, consistent shapes).

        Raises
        ------
        VoiceprintFileError
            Missing, unreadable, corrupt or edited file, implausible values, or an embedder whose
            name or dimension differs. The message names the file and the field.
        """
        path = Path(path)
        if not path.is_file():
            raise VoiceprintFileError(f"{path}: no such voiceprint file")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise VoiceprintFileError(f"{path}: not a SpeakerVerifier file (invalid JSON: "
                                      f"{type(exc).__name__}: {str(exc)[:200]})") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise VoiceprintFileError(f"{path}: not a SpeakerVerifier file (no '{_FORMAT}' format marker)")
        if data.get("version") != _VERSION or not isinstance(data.get("digest"), str):
            raise VoiceprintFileError(f"{path}: SpeakerVerifier file version {data.get('version')!r} without a content "
                                      f"digest (this course reads version {_VERSION}); enroll again and save")
        if data["digest"] != _content_digest(data):
            raise VoiceprintFileError(f"{path}: content does not match its SHA-256 digest: the file was edited or "
                                      "damaged after it was saved; enroll again and save")
        name = embedder_name(embedder)
        if data.get("embedder") != name:
            raise VoiceprintFileError(f"{path}: voiceprints were made with embedder {data.get('embedder')!r}, "
                                      f"but {name!r} was given; load with the same embedder")
        try:
            return cls._from_saved(data, embedder)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise VoiceprintFileError(f"{path}: corrupt SpeakerVerifier file ({type(exc).__name__}: {exc})") from None

    @classmethod
    def _from_saved(cls, data: dict, embedder: Any) -> "SpeakerVerifier":
        dim = data.get("dim")
        emb_dim = getattr(embedder, "dim", None)
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int) or dim < 1):
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        if dim is not None and emb_dim and int(emb_dim) != dim:
            raise ValueError(f"voiceprints have {dim} dimensions, embedder {embedder_name(embedder)!r} gives {emb_dim}")
        backend = backend_from_dict(data.get("backend"), dim=dim)
        obj = cls(embedder, _check_threshold(data.get("threshold"), backend.kind), backend,
                  min_duration=_check_min_duration(data.get("min_duration", 0.5)))
        speakers = data["speakers"]
        if not isinstance(speakers, dict) or (speakers and dim is None):
            raise ValueError("speakers must be a mapping, and voiceprints need a dimension")
        for spk, entry in speakers.items():
            obj._voiceprints[str(spk)], obj._counts[str(spk)] = _check_voiceprint(spk, entry, dim)
        obj.dim = dim
        return obj

    def __repr__(self) -> str:
        return (f"<SpeakerVerifier embedder={self.embedder_name!r} speakers={len(self._voiceprints)} "
                f"threshold={self.threshold} backend={getattr(self.backend, 'kind', type(self.backend).__name__)}>")
