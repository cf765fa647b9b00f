"""The integrated pipeline with chapter 3's verifier and chapter 4's recognizer on synthetic speech."""
from __future__ import annotations

import functools

import numpy as np
import pytest

from course_utils.features import speaker_features
from course_utils.pipeline import STATUSES, AudioProcessingResult, IntegratedAudioPipeline
from course_utils.synth import make_speaker, synthesize_utterance

SR = 16000
TEXTS = ["mamasanofa_unimesa", "sonimafa_enonamu", "nomasefa_imunasa", "asanomifu_menosa"]


def _utt(spk: int, i: int, emotion: str = "neutral") -> np.ndarray:
    return _cached_utt(spk, i, emotion).copy()


@functools.lru_cache(maxsize=None)
def _cached_utt(spk: int, i: int, emotion: str) -> np.ndarray:
    return synthesize_utterance(TEXTS[i % 4], make_speaker(spk), emotion=emotion, sr=SR, seed=100 * spk + i)


@pytest.fixture(scope="module")
def pipeline():
    from course_utils.emotion import EmotionRecognizer
    from course_utils.verification import FunctionEmbedder, SpeakerVerifier

    sv = SpeakerVerifier(FunctionEmbedder("mfcc_stats", speaker_features))
    for spk in (1, 2):
        sv.enroll(f"spk{spk}", [_utt(spk, i) for i in range(3)], sr=SR)
    rec = EmotionRecognizer()
    audio, labels = [], []
    for spk in (3, 4):
        for emo in ("neutral", "angry"):
            for i in range(2):
                audio.append(_utt(spk, i, emo))
                labels.append(emo)
    rec.fit(audio, labels, sr=SR)
    pipe = IntegratedAudioPipeline(sv, rec)
    sv.threshold = -np.inf  # calibrate on scores of the whole pipeline (denoised speech)
    tgt = [pipe.process(_utt(s, 3), SR, f"spk{s}").speaker_similarity for s in (1, 2)]
    imp = [pipe.process(_utt(s, 3), SR, f"spk{3 - s}").speaker_similarity for s in (1, 2)]
    assert min(tgt) > max(imp), (tgt, imp)
    sv.threshold = (min(tgt) + max(imp)) / 2
    return pipe


def test_genuine_and_impostor(pipeline):
    genuine = pipeline.process(_utt(1, 3), SR, speaker_id="spk1")
    assert isinstance(genuine, AudioProcessingResult)
    assert genuine.status == "accepted" and genuine.is_verified
    assert genuine.emotion in ("neutral", "angry") and 0.5 <= genuine.emotion_confidence <= 1.0
    assert set(genuine.stage_times) >= {"validate", "denoise", "vad", "verify", "emotion"}
    assert genuine.processing_time >= sum(v for k, v in genuine.stage_times.items()) * 0.99
    assert genuine.duration == pytest.approx(_utt(1, 3).size / SR) and 0 < genuine.speech_duration <= genuine.duration
    assert genuine.enhanced_audio.size == _utt(1, 3).size
    assert genuine.real_time_factor > 0 and genuine.summary()["status"] == "accepted"
    impostor = pipeline.process(_utt(2, 3), SR, speaker_id="spk1")
    assert impostor.status == "rejected" and not impostor.is_verified
    assert impostor.emotion is None and impostor.emotion_confidence == 0.0  # no emotion for a rejected speaker
    assert impostor.speaker_similarity < genuine.speaker_similarity


def test_emotion_is_deterministic_not_random(pipeline):
    y = _utt(1, 3)
    a = [pipeline.process(y, SR, speaker_id="spk1") for _ in range(3)]
    assert len({r.emotion for r in a}) == 1
    assert len({round(r.emotion_confidence, 9) for r in a}) == 1


def test_identification_and_resampling(pipeline):
    import librosa

    y = librosa.resample(_utt(2, 3), orig_sr=SR, target_sr=22050)
    r = pipeline.process(y, 22050)
    assert r.status in ("identified", "unidentified")
    if r.status == "identified":
        assert r.identified_speaker == "spk2"
    assert r.enhanced_audio.size == pytest.approx(_utt(2, 3).size, abs=2)


def test_parallel_and_batch(pipeline):
    from course_utils.pipeline import IntegratedAudioPipeline

    par = IntegratedAudioPipeline(pipeline.verifier, pipeline.emotion_recognizer, parallel=True)
    r_seq = pipeline.process(_utt(1, 3), SR, "spk1")
    r_par = par.process(_utt(1, 3), SR, "spk1")
    par.close()
    assert r_par.status == r_seq.status and r_par.emotion == r_seq.emotion
    assert r_par.speaker_similarity == pytest.approx(r_seq.speaker_similarity)
    assert "verify+emotion (parallel)" in r_par.stage_times
    batch = pipeline.process_batch([(_utt(1, 3), SR, "spk1"), (_utt(2, 3), SR, "spk1")], max_workers=2)
    assert [b.status for b in batch] == ["accepted", "rejected"]


@pytest.mark.parametrize(
    "audio, sr, claim, status, words",
    [
        (np.zeros(0, np.float32), SR, "spk1", "invalid_input", "empty"),
        (np.array([0.1, np.nan] * 8000, np.float32), SR, "spk1", "invalid_input", "NaN"),
        (None, SR, "spk1", "invalid_input", "None"),
        (np.zeros(SR, np.float32), SR, "spk1", "no_speech", "silent"),
        (np.full(SR, 1e-3, np.float32) * np.sin(np.arange(SR)), 3, "spk1", "invalid_input", "sample rate"),
        (np.ones(SR, np.float32), 16000.5, "spk1", "invalid_input", "integer"),
        (0.3 * np.sin(np.arange(1600) * 0.1).astype(np.float32), SR, "spk1", "too_short", "too short"),
        ("not audio", SR, "spk1", "invalid_input", "audio"),
    ],
)
def test_bad_input_gives_a_result_not_a_crash(pipeline, audio, sr, claim, status, words):
    r = pipeline.process(audio, sr, speaker_id=claim)
    assert r.status == status and r.status in STATUSES
    assert words.lower() in r.message.lower()
    assert not r.is_verified and r.emotion is None and not r.ok


def test_preprocess(pipeline):
    y = _utt(1, 3)
    enhanced, speech = pipeline.preprocess(y, SR)
    assert enhanced.size == y.size and 0 < speech.size <= y.size
    from course_utils.audio import AudioError

    with pytest.raises(AudioError, match="silent"):
        pipeline.preprocess(np.zeros(SR, np.float32), SR)
    with pytest.raises(AudioError, match="sample rate"):
        pipeline.preprocess(y, 0)


def test_unknown_speaker_and_noise_only(pipeline):
    r = pipeline.process(_utt(1, 3), SR, speaker_id="nobody")
    assert r.status == "unknown_speaker" and "nobody" in r.message and "spk1" in r.message
    noise = (0.01 * np.random.default_rng(0).normal(size=2 * SR)).astype(np.float32)
    r2 = pipeline.process(noise, SR, speaker_id="spk1")
    assert r2.status in ("no_speech", "too_short", "rejected")


def test_constructor_errors_and_no_components():
    with pytest.raises(TypeError, match="verifier"):
        IntegratedAudioPipeline(verifier=object())
    with pytest.raises(TypeError, match="predict_proba"):
        IntegratedAudioPipeline(emotion_recognizer=object())
    with pytest.raises(ValueError, match="vad"):
        IntegratedAudioPipeline(vad="magic")
    with pytest.raises(ValueError, match="denoise"):
        IntegratedAudioPipeline(denoise="magic")
    with pytest.raises(ValueError, match="sr"):
        IntegratedAudioPipeline(sr=10)
    r = IntegratedAudioPipeline(denoise=None, vad="energy").process(_utt(1, 0), SR)
    assert r.status == "analysed" and r.emotion is None and np.isnan(r.speaker_similarity)
