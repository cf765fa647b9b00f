"""The reusable verifier: enroll speakers, then verify ("is this Alice?") or identify ("who is this?").

:class:`SpeakerVerifier` puts chapter 3 behind ``enroll`` / ``verify`` / ``identify`` / ``calibrate``
/ ``save`` / ``load`` (JSON, never pickle; written atomically). Chapter 7 uses it as the voice lock
of its assistant.

Notebook: 03_speaker_verification § `SpeakerVerifier`: the whole pipeline in one object
"""
from __future__ import annotations

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
        atomic_write_text(path, json.dumps(data))

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
