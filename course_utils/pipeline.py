"""The integrated pipeline: noise reduction → VAD → speaker verification → emotion recognition.

Taught in ``notebooks/07_integrated_pipeline.ipynb``. The seed chapter's ``IntegratedAudioPipeline``
done for real: it *reuses* chapter 3's :class:`~course_utils.verification.SpeakerVerifier` and
chapter 4's :class:`~course_utils.emotion.EmotionRecognizer` (any objects with the same methods
work), times every stage, and never invents an emotion.

Bad input never crashes deep inside a library: :meth:`IntegratedAudioPipeline.process` returns an
:class:`AudioProcessingResult` whose ``status`` and ``message`` say what went wrong
(``"invalid_input"``, ``"no_speech"``, ``"too_short"``, ``"unknown_speaker"``), or raises a
``ValueError`` for a programming error such as a wrong argument type.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import librosa
import numpy as np

from .audio import AudioError, check_audio
from .enhancement import noisereduce_stationary
from .vad import speech_segments

__all__ = ["AudioProcessingResult", "IntegratedAudioPipeline", "STATUSES", "chapter_components"]

#: Possible values of :attr:`AudioProcessingResult.status`.
STATUSES = ("accepted", "rejected", "identified", "unidentified", "analysed",
            "invalid_input", "no_speech", "too_short", "unknown_speaker")


@dataclass
class AudioProcessingResult:
    """What the pipeline found. The first six fields are the seed chapter's dataclass.

    Parameters
    ----------
    is_verified : bool
        The claimed speaker was accepted (False when rejected, not checked, or on an error).
    speaker_similarity : float
        Verification score of the claimed speaker (or of the best enrolled speaker when no claim
        was made); NaN when no score could be computed.
    emotion : str or None
        The recognised emotion, None when not analysed (rejected speaker, error).
    emotion_confidence : float
        Its probability (0.0 when not analysed).
    enhanced_audio : np.ndarray
        The noise-reduced signal at the pipeline's rate (empty on invalid input).
    processing_time : float
        Wall-clock seconds for the whole call.
    status : str
        One of :data:`STATUSES`.
    message : str
        Human-readable explanation, naming the problem for bad input.
    claimed_speaker, identified_speaker : str or None
    stage_times : dict
        Seconds per stage: ``validate``, ``denoise``, ``vad``, ``verify``, ``emotion``.
    duration, speech_duration : float
        Seconds of input audio and of detected speech.
    emotion_probabilities : dict
        Every class's probability.

    Notebook: 07_integrated_pipeline § The pipeline and three scenarios
    """

    is_verified: bool
    speaker_similarity: float
    emotion: str | None
    emotion_confidence: float
    enhanced_audio: np.ndarray
    processing_time: float
    status: str = "analysed"
    message: str = ""
    claimed_speaker: str | None = None
    identified_speaker: str | None = None
    stage_times: dict = field(default_factory=dict)
    duration: float = 0.0
    speech_duration: float = 0.0
    emotion_probabilities: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the input could be analysed (whatever the verification decision)."""
        return self.status in ("accepted", "rejected", "identified", "unidentified", "analysed")

    @property
    def real_time_factor(self) -> float:
        """Processing time divided by audio duration (< 1 is faster than real time)."""
        return self.processing_time / self.duration if self.duration > 0 else float("nan")

    def summary(self) -> dict:
        """A flat dict for a results table (no audio)."""
        return dict(status=self.status, claimed=self.claimed_speaker, identified=self.identified_speaker,
                    verified=self.is_verified, score=self.speaker_similarity, emotion=self.emotion,
                    confidence=self.emotion_confidence, duration_s=self.duration,
                    speech_s=self.speech_duration, time_ms=1000 * self.processing_time,
                    rtf=self.real_time_factor, message=self.message)


def chapter_components(df) -> tuple[str, str | None]:
    """The speaker embedder and the noise reduction chapter 7 uses on the data it found.

    resemblyzer learned real voices; on the synthetic fallback corpus it cannot tell the synthetic
    voices apart, so the offline run uses chapter 2's MFCC-statistics embedder instead, and runs
    without noise reduction (on these synthetic voices it removes the cues that tell the speakers
    apart).

    Parameters
    ----------
    df : pandas.DataFrame
        The table of :func:`course_utils.datasets.load_ravdess` (``df.attrs["synthetic"]``).

    Returns
    -------
    (embedder_kind, denoise)
        A kind for :func:`course_utils.embeddings.load_or_train` and the ``denoise`` argument of
        :class:`IntegratedAudioPipeline`.

    Notebook: 07_integrated_pipeline § The components, reused
    """
    if df.attrs.get("synthetic", False):
        return "mfcc_stats", None
    return "resemblyzer", "noisereduce"


class IntegratedAudioPipeline:
    """Noise reduction → voice activity detection → speaker verification → emotion recognition.

    Parameters
    ----------
    verifier : SpeakerVerifier
        Chapter 3's verifier with enrolled speakers and a threshold (``verify``, ``identify``,
        ``speakers``); None skips verification.
    emotion_recognizer : EmotionRecognizer
        Chapter 4's fitted recognizer (``predict_proba`` returning ``{emotion: p}``); None skips it.
    sr : int
        Rate the pipeline works at; other input rates are resampled.
    denoise : ``"noisereduce"``, None, or a function ``(y, sr) -> y``
        Noise reduction stage (chapter 5).
    vad : ``"webrtc"``, ``"energy"`` or None
        Keeps only the detected speech for the later stages.
    min_speech : float
        Seconds of speech needed to analyse (less gives status ``"too_short"``).
    emotion_when_rejected : bool
        Also analyse the emotion of a rejected speaker (the seed analyses accepted speakers only).
    parallel : bool
        Run verification and emotion recognition at the same time in a thread pool (emotion is
        then computed speculatively and dropped if the speaker is rejected).

    Examples
    --------
    >>> pipe = IntegratedAudioPipeline(verifier, recognizer)        # doctest: +SKIP
    >>> r = pipe.process(y, 16000, speaker_id="Actor_17")            # doctest: +SKIP
    >>> r.status, r.speaker_similarity, r.emotion, r.stage_times    # doctest: +SKIP

    Notebook: 07_integrated_pipeline § The pipeline and three scenarios ; 07_integrated_pipeline § Independent stages in a thread pool, and batches of calls
    """

    MIN_RATE, MAX_RATE = 4000, 192000

    def __init__(
        self,
        verifier: Any = None,
        emotion_recognizer: Any = None,
        *,
        sr: int = 16000,
        denoise: str | Callable | None = "noisereduce",
        vad: str | None = "webrtc",
        min_speech: float = 0.5,
        emotion_when_rejected: bool = False,
        parallel: bool = False,
    ):
        if verifier is not None and not callable(getattr(verifier, "verify", None)):
            raise TypeError(f"verifier must be a SpeakerVerifier (with verify/identify), got {type(verifier).__name__}")
        if emotion_recognizer is not None and not callable(getattr(emotion_recognizer, "predict_proba", None)):
            raise TypeError(f"emotion_recognizer must have predict_proba(audio, sr), got {type(emotion_recognizer).__name__}")
        if denoise not in ("noisereduce", None) and not callable(denoise):
            raise ValueError(f"denoise must be 'noisereduce', None or a function (y, sr) -> y, got {denoise!r}")
        if vad not in ("webrtc", "energy", None):
            raise ValueError(f"vad must be 'webrtc', 'energy' or None, got {vad!r}")
        if not isinstance(sr, (int, np.integer)) or not self.MIN_RATE <= sr <= self.MAX_RATE:
            raise ValueError(f"sr must be an integer sample rate in [{self.MIN_RATE}, {self.MAX_RATE}], got {sr!r}")
        self.verifier = verifier
        self.emotion_recognizer = emotion_recognizer
        self.sr = int(sr)
        self.denoise = noisereduce_stationary if denoise == "noisereduce" else denoise
        self.vad = vad
        self.min_speech = float(min_speech)
        self.emotion_when_rejected = emotion_when_rejected
        self.parallel = parallel
        self._pool = ThreadPoolExecutor(max_workers=2) if parallel else None

    # ------------------------------------------------------------------ stages
    def _validate(self, audio: Any, sr: Any) -> np.ndarray:
        if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)):
            raise AudioError(f"sr: the sample rate must be an integer number of Hz, got {sr!r}")
        if not self.MIN_RATE <= sr <= self.MAX_RATE:
            raise AudioError(f"sr: {sr} Hz is not a plausible audio sample rate "
                             f"(expected {self.MIN_RATE}-{self.MAX_RATE} Hz; did you pass the duration or a wrong rate?)")
        if audio is None:
            raise AudioError("audio: got None instead of a signal")
        if isinstance(audio, (str, os.PathLike)):
            raise AudioError(f"audio: got the file name {str(audio)!r}, not a signal; read it first: "
                             f"y = course_utils.audio.load_audio({str(audio)!r}, sr={self.sr}), then process(y, {self.sr})")
        y = np.asarray(audio)
        if y.ndim == 2 and min(y.shape) <= 8:  # (channels, n) or (n, channels): mix down
            y = y.mean(axis=int(np.argmin(y.shape)))
        y = check_audio(y, sr, name="audio", allow_silent=True)
        if float(np.max(np.abs(y))) < 1e-5:
            raise _NoSpeech(f"audio: the signal is silent ({y.size / sr:.2f} s of digital silence)")
        if sr != self.sr:
            y = librosa.resample(y, orig_sr=int(sr), target_sr=self.sr).astype(np.float32)
        return y

    def _speech(self, y: np.ndarray) -> tuple[np.ndarray, float]:
        if self.vad is None:
            return y, y.size / self.sr
        segs = speech_segments(y, self.sr, method=self.vad)
        if not segs:
            return np.zeros(0, np.float32), 0.0
        parts = [y[int(s * self.sr):int(e * self.sr)] for s, e in segs]
        speech = np.concatenate(parts)
        return speech, speech.size / self.sr

    def _verify(self, speech: np.ndarray, speaker_id: str | None) -> tuple[bool, float, str | None]:
        if self.verifier is None:
            return False, float("nan"), None
        if speaker_id is None:
            who, score = self.verifier.identify(speech, self.sr, open_set=True)
            return who is not None, float(score), who
        accepted, score = self.verifier.verify(speaker_id, speech, self.sr)
        return bool(accepted), float(score), speaker_id if accepted else None

    def _emotion(self, speech: np.ndarray) -> dict:
        if self.emotion_recognizer is None:
            return {}
        proba = self.emotion_recognizer.predict_proba(speech, self.sr)
        if not isinstance(proba, dict):  # an array aligned with classes_
            proba = dict(zip(self.emotion_recognizer.classes_, np.asarray(proba).ravel().tolist()))
        return {str(k): float(v) for k, v in proba.items()}

    def preprocess(self, audio: Any, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """The pipeline's front end alone: validate/resample, reduce noise, keep the speech.

        Returns ``(enhanced, speech)``. Use it to calibrate a verifier on exactly what the
        pipeline will feed it. Raises :class:`~course_utils.audio.AudioError` for unusable audio.
        """
        try:
            y = self._validate(audio, sr)
        except _NoSpeech as exc:
            raise AudioError(str(exc)) from None
        if self.denoise is not None:
            y = np.asarray(self.denoise(y, self.sr), dtype=np.float32)
        return y, self._speech(y)[0]

    # ------------------------------------------------------------------ main entry
    def process(self, audio: Any, sr: int, speaker_id: str | None = None) -> AudioProcessingResult:
        """Run every stage on one utterance.

        Parameters
        ----------
        audio : np.ndarray
            Mono signal (a ``(n, 2)`` or ``(2, n)`` array is mixed down).
        sr : int
            Its sample rate (resampled to the pipeline's rate when different).
        speaker_id : str, optional
            Claimed identity: verify it. Without a claim, identify among the enrolled speakers
            (open set: an unknown voice gives ``identified_speaker=None``).

        Returns
        -------
        AudioProcessingResult
            Never raises for bad audio, a too short or silent input or an unknown speaker id: the
            ``status`` and ``message`` say what happened.

        Notes
        -----
        Longer than 60 lines on purpose: the stages and their early exits read top to bottom in
        the order the chapter draws them, each timed into ``stage_times``.
        """
        t_start = time.perf_counter()
        times: dict[str, float] = {}
        claimed = None if speaker_id is None else str(speaker_id)

        def finish(status, message, y=np.zeros(0, np.float32), duration=0.0, speech_s=0.0, verified=False,
                   score=float("nan"), who=None, proba=None):
            proba = proba or {}
            emotion = max(proba, key=proba.get) if proba else None
            return AudioProcessingResult(
                is_verified=verified, speaker_similarity=score, emotion=emotion,
                emotion_confidence=float(proba[emotion]) if emotion else 0.0, enhanced_audio=y,
                processing_time=time.perf_counter() - t_start, status=status, message=message,
                claimed_speaker=claimed, identified_speaker=who, stage_times=times, duration=duration,
                speech_duration=speech_s, emotion_probabilities=proba)

        # 1. validate (and resample)
        t = time.perf_counter()
        try:
            y = self._validate(audio, sr)
        except _NoSpeech as exc:
            times["validate"] = time.perf_counter() - t
            n = np.asarray(audio).size
            return finish("no_speech", str(exc), duration=n / sr)
        except AudioError as exc:
            times["validate"] = time.perf_counter() - t
            return finish("invalid_input", str(exc))
        times["validate"] = time.perf_counter() - t
        duration = y.size / self.sr
        if claimed is not None and self.verifier is not None and claimed not in self.verifier.speakers:
            return finish("unknown_speaker", f"speaker_id {claimed!r} is not enrolled "
                          f"(enrolled: {', '.join(self.verifier.speakers) or 'nobody'})", duration=duration)
        if duration < self.min_speech:
            return finish("too_short", f"audio: {duration:.2f} s is too short; at least {self.min_speech:g} s of speech is needed",
                          duration=duration)

        # 2. noise reduction
        t = time.perf_counter()
        if self.denoise is not None:
            y = np.asarray(self.denoise(y, self.sr), dtype=np.float32)
        times["denoise"] = time.perf_counter() - t

        # 3. voice activity detection
        t = time.perf_counter()
        speech, speech_s = self._speech(y)
        times["vad"] = time.perf_counter() - t
        if speech_s == 0:
            return finish("no_speech", "audio: the voice activity detector found no speech", y, duration)
        if speech_s < self.min_speech:
            return finish("too_short", f"audio: only {speech_s:.2f} s of speech detected; at least "
                          f"{self.min_speech:g} s is needed", y, duration, speech_s)

        # 4. verification and 5. emotion (in parallel when asked)
        try:
            verified, score, who, proba = self._verify_and_emotion(speech, claimed, times)
        except AudioError as exc:
            return finish("too_short", str(exc), y, duration, speech_s)
        status, msg = _decision(self.verifier is not None, claimed, verified, who)
        if not verified and self.verifier is not None and not self.emotion_when_rejected:
            proba = {}  # the seed's rule: no emotion analysis for a rejected speaker
        return finish(status, msg, y, duration, speech_s, verified, score, who, proba)

    def _verify_and_emotion(self, speech: np.ndarray, claimed: str | None, times: dict) -> tuple[bool, float, str | None, dict]:
        if self._pool is not None:
            t = time.perf_counter()
            f_ver = self._pool.submit(_timed, self._verify, speech, claimed)
            f_emo = self._pool.submit(_timed, self._emotion, speech)
            (verified, score, who), times["verify"] = f_ver.result()
            proba, times["emotion"] = f_emo.result()
            times["verify+emotion (parallel)"] = time.perf_counter() - t
            return verified, score, who, proba
        (verified, score, who), times["verify"] = _timed(self._verify, speech, claimed)
        proba = {}
        if verified or self.emotion_when_rejected or self.verifier is None:
            proba, times["emotion"] = _timed(self._emotion, speech)
        return verified, score, who, proba

    def process_batch(self, items, *, max_workers: int = 1) -> list[AudioProcessingResult]:
        """Process ``[(audio, sr, speaker_id), ...]``; with ``max_workers > 1`` in a thread pool
        (independent utterances; numpy/torch release the GIL in their kernels)."""
        items = list(items)
        if max_workers <= 1:
            return [self.process(*it) for it in items]
        with ThreadPoolExecutor(max_workers=max_workers) as pool:
            return list(pool.map(lambda it: self.process(*it), items))

    def close(self) -> None:
        """Shut down the stage thread pool (``parallel=True``)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class _NoSpeech(Exception):
    pass


def _decision(has_verifier: bool, claimed: str | None, verified: bool, who: str | None) -> tuple[str, str]:
    if not has_verifier:
        status = "analysed"
    elif claimed is not None:
        status = "accepted" if verified else "rejected"
    else:
        status = "identified" if who is not None else "unidentified"
    msg = {"accepted": f"{claimed} accepted", "rejected": f"{claimed} rejected (score below the threshold)",
           "identified": f"identified as {who}", "unidentified": "voice does not match any enrolled speaker",
           "analysed": "analysed without speaker verification"}[status]
    return status, msg


def _timed(func, *args):
    t = time.perf_counter()
    out = func(*args)
    return out, time.perf_counter() - t
