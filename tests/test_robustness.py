"""The robustness suite of issue #14: every user-facing entry point x the bad inputs the README promises.

One table, ``CASES``: each row names an entry point, a bad (or unusual) input, and what must happen:
a clear error (exception type and words of the message that name the argument or file and the
problem), a warning, or a defined result. The classes of input are those the README promises to
handle: missing, corrupt, empty, silent, too short, NaN, odd rate, stereo, int16-as-float, and
tampered model files. Each row failed (a silent wrong result or a library traceback) before the
fixes of #14, except the rows marked ``guard`` that pin behaviour that was already right.

Runs on synthetic signals in seconds: tones for the verifier (a toy band-energy embedder), a
logistic regression fitted on random features for the emotion recognizer.
"""
from __future__ import annotations

import json
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
import soundfile as sf

from course_utils import features, streaming, vad
from course_utils.audio import AudioError, AudioWarning, check_audio, load_audio
from course_utils.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from course_utils.emotion import EmotionRecognizer
from course_utils.metrics.enhancement import pesq_wb, si_sdr
from course_utils.metrics.verification import min_dcf
from course_utils.pipeline import IntegratedAudioPipeline
from course_utils.verification import (
    FunctionEmbedder,
    LDABackend,
    SpeakerVerifier,
    VerificationError,
    VoiceprintFileError,
)
from course_utils.verification.verifier import _content_digest
from test_verification import band_energies, voice  # the toy embedder and tone "speakers"

SR = 16000


# ----------------------------------------------------------------------------- material
@dataclass
class Ctx:
    """Everything the cases need, built once per module."""

    tmp: Path
    embedder: Any
    verifier: SpeakerVerifier
    lda_verifier: SpeakerVerifier
    recognizer: EmotionRecognizer
    y: np.ndarray
    files: dict[str, Path]

    def vfile(self, edit: Callable[[dict], None], *, resign: bool, name: str, lda: bool = False) -> Path:
        """A saved verifier file changed by ``edit`` (with its digest recomputed when ``resign``)."""
        src = self.tmp / ("lda.json" if lda else "voiceprints.json")
        data = json.loads(src.read_text())
        edit(data)
        if resign:
            data["digest"] = _content_digest(data)
        out = self.tmp / name
        out.write_text(json.dumps(data))
        return out

    def efile(self, edit: Callable[[dict, dict], None], *, resign: bool, name: str) -> Path:
        """A saved emotion model changed by ``edit(meta, arrays)`` (digest recomputed when ``resign``)."""
        from course_utils.emotion.recognizer import _model_digest

        with np.load(self.tmp / "emotion.npz") as z:
            meta = json.loads(str(z["meta"]))
            arrays = {k: z[k].copy() for k in ("mean", "scale", "coef", "intercept")}
        edit(meta, arrays)
        if resign:
            meta["digest"] = _model_digest(meta, arrays)
        out = self.tmp / name
        np.savez(out, meta=np.array(json.dumps(meta)), **arrays)
        return out


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> Ctx:
    tmp = tmp_path_factory.mktemp("robust")
    emb = FunctionEmbedder("bands", band_energies, sr=SR)
    sv = SpeakerVerifier(emb)
    sv.enroll("low", [voice(150, s) for s in range(3)], SR)
    sv.enroll("high", [voice(600, s) for s in range(3)], SR)
    pos = [sv.score("low", voice(150, 10 + s), SR) for s in range(3)] + [sv.score("high", voice(600, 20 + s), SR) for s in range(3)]
    neg = [sv.score("low", voice(600, 30 + s), SR) for s in range(3)] + [sv.score("high", voice(150, 40 + s), SR) for s in range(3)]
    sv.calibrate(pos, neg)
    sv.save(tmp / "voiceprints.json")
    train = np.stack([band_energies(voice(f, s), SR) for f in (150, 300, 450, 600) for s in range(4)])
    lda = LDABackend().fit(train, np.repeat(["a", "b", "c", "d"], 4))
    sv_lda = SpeakerVerifier(emb, 0.5, lda)
    sv_lda.enroll("low", [voice(150, s) for s in range(2)], SR)
    sv_lda.save(tmp / "lda.json")
    rng = np.random.default_rng(0)
    n_feat = len(EmotionRecognizer.feature_names)
    X = np.vstack([rng.normal(0, 1, (20, n_feat)), rng.normal(0.8, 1, (20, n_feat))])
    rec = EmotionRecognizer().fit_features(X, ["neutral"] * 20 + ["angry"] * 20)
    rec.save(tmp / "emotion.npz")
    y = voice(200, 1)
    files = {}
    for name, sig, sub in [("ok.wav", y, "PCM_16"), ("silent.wav", np.zeros(SR, np.float32), "PCM_16"),
                           ("short.wav", y[: SR // 5], "PCM_16"), ("stereo.wav", np.stack([y, 0.5 * y], 1), "PCM_16"),
                           ("nan.wav", np.where(np.arange(SR) == 100, np.nan, y).astype(np.float32), "FLOAT")]:
        files[name] = tmp / name
        sf.write(str(files[name]), sig, SR, subtype=sub)
    data = files["ok.wav"].read_bytes()
    files["half.wav"] = tmp / "half.wav"
    files["half.wav"].write_bytes(data[: len(data) // 2])
    files["empty.wav"] = tmp / "empty.wav"
    files["empty.wav"].write_bytes(b"")
    files["corrupt.wav"] = tmp / "corrupt.wav"
    files["corrupt.wav"].write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 20)
    files["missing.wav"] = tmp / "missing.wav"
    deep = tmp / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    files["deep.json"] = deep
    return Ctx(tmp, emb, sv, sv_lda, rec, y, files)


# ----------------------------------------------------------------------------- expectations
@dataclass
class Raises:
    exc: type | tuple
    match: str  # words that must appear: what is wrong, and which argument or file


@dataclass
class Warns:
    warning: type
    match: str
    check: Callable[[Any], bool]


@dataclass
class Returns:
    check: Callable[[Any], bool]
    what: str


def _set(d: dict, path: tuple, value) -> None:
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value


def _swap_voiceprints(d: dict) -> None:
    a, b = d["speakers"]["low"]["voiceprint"], d["speakers"]["high"]["voiceprint"]
    d["speakers"]["low"]["voiceprint"], d["speakers"]["high"]["voiceprint"] = b, a


def _nan_first(a: dict, key: str) -> None:
    a[key] = a[key].copy()
    a[key].flat[0] = np.nan


INT16_SCALE = 1000.0  # float audio holding int16-scale values: peaks around 1,000 instead of 1.0

CASES: list[tuple[str, Callable[[Ctx], Any], Any]] = [
    # --- audio loading and validation
    ("load_audio/missing", lambda c: load_audio(c.files["missing.wav"]), Raises(AudioError, r"missing\.wav: file not found")),
    ("load_audio/empty", lambda c: load_audio(c.files["empty.wav"]), Raises(AudioError, r"empty\.wav: the file is empty")),
    ("load_audio/corrupt", lambda c: load_audio(c.files["corrupt.wav"]), Raises(AudioError, r"corrupt\.wav: not a readable audio file")),
    ("load_audio/silent", lambda c: load_audio(c.files["silent.wav"]), Raises(AudioError, r"silent\.wav: the signal is silent")),
    ("load_audio/too short", lambda c: load_audio(c.files["short.wav"], min_duration=0.5), Raises(AudioError, r"short\.wav: too short")),
    ("load_audio/NaN", lambda c: load_audio(c.files["nan.wav"]), Raises(AudioError, r"nan\.wav: 1 samples are NaN")),
    ("load_audio/stereo is mixed down", lambda c: load_audio(c.files["stereo.wav"]),
     Returns(lambda y: y.shape == (SR,), "mono (n,)")),
    ("load_audio/stereo kept", lambda c: load_audio(c.files["stereo.wav"], mono=False),
     Returns(lambda y: y.shape == (2, SR), "(2, n)")),
    ("load_audio/truncated WAV", lambda c: load_audio(c.files["half.wav"]),
     Warns(AudioWarning, r"half\.wav: truncated WAV: its header promises 16000 samples", lambda y: 0 < y.size < SR)),
    ("load_audio/sr=0", lambda c: load_audio(c.files["ok.wav"], sr=0), Raises(AudioError, r"ok\.wav: sr: .*positive")),
    ("load_audio/sr=16000.5", lambda c: load_audio(c.files["ok.wav"], sr=16000.5), Raises(AudioError, r"sr: .*whole number")),
    ("check_audio/int16 as float", lambda c: check_audio(c.y * INT16_SCALE, SR),
     Raises(AudioError, r"float samples reach 300.*integer PCM stored as float.*y / 32768")),
    ("check_audio/sr=-16000", lambda c: check_audio(c.y, -16000), Raises(AudioError, r"sr: the sample rate must be positive")),
    ("check_audio/file name", lambda c: check_audio("speech.wav", SR), Raises(AudioError, r"speech\.wav.*load_audio")),
    ("check_audio/int16 array is scaled", lambda c: check_audio((c.y * 32767).astype(np.int16)),
     Returns(lambda y: y.dtype == np.float32 and np.max(np.abs(y)) <= 1.0, "float32 in [-1, 1]")),
    # --- features and streaming
    ("mfcc/sr=0", lambda c: features.mfcc(c.y, 0), Raises(AudioError, r"y: sr: the sample rate must be positive")),
    ("log_mel/sr=-16000", lambda c: features.log_mel(c.y, -16000), Raises(AudioError, r"y: sr: .*positive")),
    ("speaker_features/sr=16000.5", lambda c: features.speaker_features(c.y, 16000.5), Raises(AudioError, r"whole number")),
    ("speaker_features/int16 as float", lambda c: features.speaker_features(c.y * INT16_SCALE, SR), Raises(AudioError, r"integer PCM")),
    ("iter_chunks/sr=0", lambda c: list(streaming.iter_chunks(c.y, 0)), Raises(ValueError, r"sr")),
    # --- VAD
    ("energy_vad/int16 as float", lambda c: vad.energy_vad(c.y * INT16_SCALE, SR), Raises(AudioError, r"y: float samples reach")),
    ("energy_vad/sr=0", lambda c: vad.energy_vad(c.y, 0), Raises(ValueError, r"sr")),
    ("speech_segments/int16 as float", lambda c: vad.speech_segments(c.y * INT16_SCALE, SR, method="energy"),
     Raises(AudioError, r"integer PCM")),
    # --- the verifier
    ("verify/int16 as float", lambda c: c.verifier.verify("low", voice(150, 50) * INT16_SCALE, SR),
     Raises(AudioError, r"test audio: float samples reach")),
    ("verify/sr=0", lambda c: c.verifier.verify("low", c.y, 0), Raises(ValueError, r"sr")),
    ("verify/sr=16000.5", lambda c: c.verifier.verify("low", c.y, 16000.5), Raises(ValueError, r"sr")),
    ("verify/too short file", lambda c: c.verifier.verify("low", c.files["short.wav"]), Raises(AudioError, r"short\.wav: too short")),
    ("verify/silent", lambda c: c.verifier.verify("low", np.zeros(SR, np.float32), SR), Raises(AudioError, r"silent")),
    ("verify/NaN", lambda c: c.verifier.verify("low", np.full(SR, np.nan, np.float32), SR), Raises(AudioError, r"NaN")),
    ("verify/true speaker accepted (guard)", lambda c: c.verifier.verify("low", voice(150, 77), SR)[0],
     Returns(lambda ok: ok is True, "accepted")),
    ("SpeakerVerifier/NaN threshold", lambda c: SpeakerVerifier(c.embedder, float("nan")), Raises(VerificationError, r"threshold must be finite")),
    ("SpeakerVerifier/negative min_duration", lambda c: SpeakerVerifier(c.embedder, min_duration=-1),
     Raises(VerificationError, r"min_duration")),
    # --- tampered or damaged verifier files
    ("SpeakerVerifier.load/threshold -1e9 (edited)", lambda c: SpeakerVerifier.load(
        c.vfile(lambda d: _set(d, ("threshold",), -1e9), resign=False, name="t1.json"), c.embedder),
     Raises(VoiceprintFileError, r"t1\.json: content does not match its SHA-256 digest")),
    ("SpeakerVerifier.load/threshold -1e9 (re-signed)", lambda c: SpeakerVerifier.load(
        c.vfile(lambda d: _set(d, ("threshold",), -1e9), resign=True, name="t2.json"), c.embedder),
     Raises(VoiceprintFileError, r"t2\.json: .*threshold -1e\+09 is outside \[-1, 1\]")),
    ("SpeakerVerifier.load/threshold NaN", lambda c: SpeakerVerifier.load(
        c.vfile(lambda d: _set(d, ("threshold",), float("nan")), resign=True, name="t3.json"), c.embedder),
     Raises(VoiceprintFileError, r"t3\.json: .*threshold must be finite")),
    ("SpeakerVerifier.load/swapped voiceprints", lambda c: SpeakerVerifier.load(
        c.vfile(_swap_voiceprints, resign=False, name="t4.json"), c.embedder),
     Raises(VoiceprintFileError, r"t4\.json: content does not match")),
    ("SpeakerVerifier.load/zeroed voiceprint", lambda c: SpeakerVerifier.load(
        c.vfile(lambda d: _set(d, ("speakers", "low", "voiceprint"), [0.0] * 24), resign=True, name="t5.json"), c.embedder),
     Raises(VoiceprintFileError, r"t5\.json: .*voiceprint of 'low' has norm 0")),
    ("SpeakerVerifier.load/NaN voiceprint", lambda c: SpeakerVerifier.load(
        c.vfile(lambda d: _set(d, ("speakers", "low", "voiceprint", 3), float("nan")), resign=True, name="t6.json"), c.embedder),
     Raises(VoiceprintFileError, r"t6\.json: .*voiceprint of 'low' holds NaN")),
    ("SpeakerVerifier.load/scaled voiceprint", lambda c: SpeakerVerifier.load(
        c.vfile(lambda d: _set(d, ("speakers", "low", "voiceprint"), [5 * v for v in d["speakers"]["low"]["voiceprint"]]),
                resign=True, name="t7.json"), c.embedder),
     Raises(VoiceprintFileError, r"t7\.json: .*norm")),
    ("SpeakerVerifier.load/wrong dimension", lambda c: SpeakerVerifier.load(
        c.vfile(lambda d: _set(d, ("speakers", "low", "voiceprint"), [0.1] * 10), resign=True, name="t8.json"), c.embedder),
     Raises(VoiceprintFileError, r"t8\.json: .*shape \(10,\), expected \(24,\)")),
    ("SpeakerVerifier.load/negative min_duration", lambda c: SpeakerVerifier.load(
        c.vfile(lambda d: _set(d, ("min_duration",), -1.0), resign=True, name="t9.json"), c.embedder),
     Raises(VoiceprintFileError, r"t9\.json: .*min_duration")),
    ("SpeakerVerifier.load/NaN LDA back-end", lambda c: SpeakerVerifier.load(
        c.vfile(lambda d: _set(d, ("backend", "V_", 0, 0), float("nan")), resign=True, name="t10.json", lda=True), c.embedder),
     Raises(VoiceprintFileError, r"t10\.json: .*lda back-end: V_ holds NaN")),
    ("SpeakerVerifier.load/truncated", lambda c: SpeakerVerifier.load(_truncated(c.tmp / "voiceprints.json", c.tmp / "t11.json"), c.embedder),
     Raises(VoiceprintFileError, r"t11\.json: not a SpeakerVerifier file \(invalid JSON")),
    ("SpeakerVerifier.load/200k-deep JSON", lambda c: SpeakerVerifier.load(c.files["deep.json"], c.embedder),
     Raises(VoiceprintFileError, r"deep\.json: not a SpeakerVerifier file \(invalid JSON: RecursionError")),
    ("SpeakerVerifier.load/missing", lambda c: SpeakerVerifier.load(c.tmp / "nope.json", c.embedder),
     Raises(VoiceprintFileError, r"nope\.json: no such voiceprint file")),
    ("SpeakerVerifier.load/round trip (guard)", lambda c: SpeakerVerifier.load(c.tmp / "voiceprints.json", c.embedder).threshold,
     Returns(lambda t: np.isfinite(t), "the saved threshold")),
    # --- the emotion recognizer
    ("EmotionRecognizer.predict/int16 as float", lambda c: c.recognizer.predict(c.y * INT16_SCALE, SR),
     Raises(AudioError, r"utterance 0: float samples reach")),
    ("EmotionRecognizer.predict_proba/stereo (2, n)", lambda c: c.recognizer.predict_proba(np.stack([c.y, c.y]), SR),
     Raises(AudioError, r"audio: got a 2-D array of shape \(2, 16000\).*mix stereo down")),
    ("EmotionRecognizer.predict/sr=16000.5", lambda c: c.recognizer.predict(c.y, 16000.5), Raises(ValueError, r"sr")),
    ("EmotionRecognizer.predict/sr=0", lambda c: c.recognizer.predict(c.y, 0), Raises(ValueError, r"sr")),
    ("EmotionRecognizer.predict/0.2 s file", lambda c: c.recognizer.predict(c.files["short.wav"]),
     Raises(AudioError, r"short\.wav: too short \(0\.200 s\)")),
    ("EmotionRecognizer.predict/corrupt file", lambda c: c.recognizer.predict(c.files["corrupt.wav"]),
     Raises(AudioError, r"corrupt\.wav: not a readable audio file")),
    ("EmotionRecognizer.predict_proba/one utterance (guard)", lambda c: c.recognizer.predict_proba(c.y, SR),
     Returns(lambda p: isinstance(p, dict) and abs(sum(p.values()) - 1) < 1e-9, "a dict of probabilities")),
    ("EmotionRecognizer.load/NaN coefficients (re-signed)", lambda c: EmotionRecognizer.load(
        c.efile(lambda m, a: _nan_first(a, "coef"), resign=True, name="e1.npz")),
     Raises(ValueError, r"e1\.npz: implausible EmotionRecognizer file: coef holds 1 NaN")),
    ("EmotionRecognizer.load/edited coefficients", lambda c: EmotionRecognizer.load(
        c.efile(lambda m, a: a.update(coef=a["coef"] * 2), resign=False, name="e2.npz")),
     Raises(ValueError, r"e2\.npz: content does not match its SHA-256 digest")),
    ("EmotionRecognizer.load/edited classes", lambda c: EmotionRecognizer.load(
        c.efile(lambda m, a: m.update(classes=m["classes"][::-1]), resign=False, name="e3.npz")),
     Raises(ValueError, r"e3\.npz: content does not match")),
    ("EmotionRecognizer.load/wrong shape (re-signed)", lambda c: EmotionRecognizer.load(
        c.efile(lambda m, a: a.update(intercept=a["intercept"][:1]), resign=True, name="e4.npz")),
     Raises(ValueError, r"e4\.npz: implausible .*intercept must be a float array of shape \(2,\)")),
    ("EmotionRecognizer.load/zero scale (re-signed)", lambda c: EmotionRecognizer.load(
        c.efile(lambda m, a: a.update(scale=np.zeros_like(a["scale"])), resign=True, name="e5.npz")),
     Raises(ValueError, r"e5\.npz: implausible .*scale must be positive")),
    ("EmotionRecognizer.load/truncated", lambda c: EmotionRecognizer.load(_truncated(c.tmp / "emotion.npz", c.tmp / "e6.npz")),
     Raises(ValueError, r"e6\.npz: not an EmotionRecognizer file \(unreadable, truncated or damaged")),
    ("EmotionRecognizer.load/200k-deep JSON header", lambda c: EmotionRecognizer.load(_deep_npz(c.tmp / "e7.npz")),
     Raises(ValueError, r"e7\.npz: not an EmotionRecognizer file .*RecursionError")),
    ("EmotionRecognizer.load/missing", lambda c: EmotionRecognizer.load(c.tmp / "nope.npz"),
     Raises(FileNotFoundError, r"nope\.npz: no such model file")),
    ("EmotionRecognizer.load/round trip (guard)", lambda c: EmotionRecognizer.load(c.tmp / "emotion.npz").predict_proba(c.y, SR),
     Returns(lambda p: set(p) == {"angry", "neutral"}, "the saved classes")),
    # --- the integrated pipeline (never raises for bad audio: a status and a message)
    ("pipeline.process/file name", lambda c: _pipe(c).process("file.wav", SR),
     Returns(lambda r: r.status == "invalid_input" and "file.wav" in r.message and "load_audio" in r.message, "invalid_input naming the file")),
    ("pipeline.process/int16 as float", lambda c: _pipe(c).process(c.y * INT16_SCALE, SR),
     Returns(lambda r: r.status == "invalid_input" and "integer PCM" in r.message, "invalid_input")),
    ("pipeline.process/sr=0", lambda c: _pipe(c).process(c.y, 0),
     Returns(lambda r: r.status == "invalid_input" and "sr" in r.message, "invalid_input")),
    ("pipeline.process/silent (guard)", lambda c: _pipe(c).process(np.zeros(SR, np.float32), SR),
     Returns(lambda r: r.status == "no_speech", "no_speech")),
    # --- metrics
    ("si_sdr/silent estimate", lambda c: si_sdr(c.y, np.zeros_like(c.y)), Returns(lambda v: v == -np.inf, "-inf")),
    ("si_sdr/near-silent estimate", lambda c: si_sdr(c.y, 1e-7 * c.y), Returns(lambda v: v == -np.inf, "-inf")),
    ("si_sdr/0 dB noisy input (guard)", lambda c: si_sdr(c.y, c.y + _noise_like(c.y)), Returns(lambda v: abs(v) < 0.5, "about 0 dB")),
    ("pesq_wb/silent estimate", lambda c: pesq_wb(c.y, np.zeros_like(c.y), SR), Raises(AudioError, r"pesq_wb: the estimate is silent")),
    ("pesq_wb/int16-scale estimate", lambda c: pesq_wb(c.y, c.y * INT16_SCALE, SR), Raises(AudioError, r"estimate: float samples reach")),
    ("min_dcf/p_target 0.9 stays in [0, 1]", lambda c: min_dcf([0.1, 0.7, 0.8, 0.9], [0.2, 0.3, 0.4, 0.5], p_target=0.9)[0],
     Returns(lambda v: 0.0 <= v <= 1.0, "a value in [0, 1]")),
    # --- checkpoints
    ("load_checkpoint/truncated .pt", lambda c: load_checkpoint(_truncated(_ckpt(c), c.tmp / "k1.pt")),
     Raises(CheckpointError, r"k1\.pt: not a readable state_dict")),
    ("load_checkpoint/200k-deep sidecar", lambda c: load_checkpoint(_ckpt(c, sidecar="[" * 200_000 + "]" * 200_000)),
     Raises(CheckpointError, r"\.json: sidecar is not valid JSON \(RecursionError")),
    ("load_checkpoint/truncated sidecar", lambda c: load_checkpoint(_ckpt(c, sidecar='{"epochs": [1, 2')),
     Raises(CheckpointError, r"\.json: sidecar is not valid JSON")),
    ("load_checkpoint/edited .pt with its digest", lambda c: load_checkpoint(_ckpt(c), sha256="0" * 64),
     Raises(CheckpointError, r"does not match the expected")),
]


def _truncated(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def _deep_npz(path: Path) -> Path:
    np.savez(path, meta=np.array("[" * 200_000 + "]" * 200_000), mean=np.zeros(3), scale=np.ones(3),
             coef=np.zeros((2, 3)), intercept=np.zeros(2))
    return path


def _noise_like(y: np.ndarray) -> np.ndarray:
    n = np.random.default_rng(5).normal(size=y.size)
    return (n * np.sqrt(np.sum(y.astype(np.float64) ** 2) / np.sum(n**2))).astype(np.float32)


_counter = iter(range(10**6))


def _ckpt(c: Ctx, sidecar: str | None = None) -> Path:
    path = c.tmp / f"ckpt{next(_counter)}.pt"
    save_checkpoint(path, {"w": np.ones((2, 2), np.float32)}, {"epochs": 1})
    if sidecar is not None:
        path.with_suffix(".json").write_text(sidecar)
    return path


def _pipe(c: Ctx) -> IntegratedAudioPipeline:
    return IntegratedAudioPipeline(c.verifier, None, denoise=None, vad="energy")


@pytest.mark.parametrize("name, call, expect", CASES, ids=[c[0] for c in CASES])
def test_entry_point_with_bad_input(ctx, name, call, expect):
    if isinstance(expect, Raises):
        with pytest.raises(expect.exc) as info:
            call(ctx)
        assert re.search(expect.match, str(info.value)), f"unclear message: {info.value}"
        return
    if isinstance(expect, Warns):
        with pytest.warns(expect.warning, match=expect.match):
            out = call(ctx)
        assert expect.check(out)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error", AudioWarning)
        out = call(ctx)
    assert expect.check(out), f"expected {expect.what}, got {out!r}"


# ----------------------------------------------------------------------------- concurrent saves
def _hammer(save: Callable[[], None], n_threads: int = 4, n_saves: int = 10) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(n_threads)

    def work():
        start.wait()
        for _ in range(n_saves):
            try:
                save()
            except BaseException as exc:  # noqa: BLE001 - collected and reported
                errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_saves_of_a_verifier(ctx, tmp_path):
    path = tmp_path / "shared.json"
    assert _hammer(lambda: ctx.verifier.save(path)) == []
    again = SpeakerVerifier.load(path, ctx.embedder)
    assert again.speakers == ctx.verifier.speakers and again.threshold == ctx.verifier.threshold
    assert not [p for p in tmp_path.iterdir() if p.name != "shared.json"], "temporary files left behind"


def test_concurrent_saves_of_an_emotion_model(ctx, tmp_path):
    path = tmp_path / "shared.npz"
    assert _hammer(lambda: ctx.recognizer.save(path)) == []
    again = EmotionRecognizer.load(path)
    np.testing.assert_array_equal(again.coef_, ctx.recognizer.coef_)
    assert not [p for p in tmp_path.iterdir() if p.name != "shared.npz"], "temporary files left behind"


def test_concurrent_saves_of_a_checkpoint(tmp_path):
    path = tmp_path / "shared.pt"
    state = {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}
    assert _hammer(lambda: save_checkpoint(path, state, {"n": 1})) == []
    got, meta = load_checkpoint(path, numpy=True)
    np.testing.assert_array_equal(got["w"], state["w"])
    assert meta == {"n": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.json", "shared.pt"]


# ----------------------------------------------------------------------------- the cache's limit
def test_feature_cache_key_sees_params_not_reassigned_globals(tmp_path, monkeypatch):
    """extract_cached's documented limit: a global reassigned at run time is not in the key; a
    parameter is. (The fix the docstring recommends: pass such values as params.)"""
    import sys
    import types

    from course_utils.features import extract_cached

    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    mod = types.ModuleType("robust_feature_mod")
    exec("GAIN = 1.0\ndef level(y, sr, gain=None):\n    import numpy as np\n"
         "    return np.array([float(np.max(np.abs(y))) * (GAIN if gain is None else gain)])\n", mod.__dict__)
    monkeypatch.setitem(sys.modules, "robust_feature_mod", mod)
    path = tmp_path / "a.wav"
    sf.write(str(path), voice(200, 3), SR, subtype="PCM_16")
    first = float(extract_cached([path], mod.level, progress=False, n_jobs=1)[0, 0])
    by_param = float(extract_cached([path], mod.level, progress=False, n_jobs=1, gain=2.0)[0, 0])
    assert by_param == pytest.approx(2 * first)

