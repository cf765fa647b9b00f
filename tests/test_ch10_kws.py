"""Unit tests of chapter 10's package (course_utils.kws) and its exercise checks (course_utils.checks.ch10)."""
from __future__ import annotations

import jiwer
import librosa
import numpy as np
import pytest
import torch

from course_utils import kws
from course_utils.checks import ExerciseFeedback
from course_utils.checks import ch10


def _log_probs(path, n_labels=11, sharp=8.0):
    lp = np.full((len(path), n_labels), -sharp)
    lp[np.arange(len(path)), path] = 0.0
    return lp - np.log(np.exp(lp).sum(1, keepdims=True))


def test_greedy_decode_collapses_then_drops_blanks():
    assert kws.greedy_decode([0, 3, 3, 0, 0, 5, 5, 0]) == [3, 5]
    assert kws.greedy_decode([2, 2, 0, 2]) == [2, 2]
    assert kws.greedy_decode([0, 0]) == []


def test_prefix_beam_search_matches_greedy_on_sharp_posteriors_and_grammar_applies():
    path = [0, 3, 3, 0, 5, 0, 0, 5, 0, 8, 0]
    lp = _log_probs(path)
    assert kws.prefix_beam_search(lp, beam=4) == kws.greedy_decode(path)
    # six digits are outside a 3-5 digit grammar: the search must return at most 5
    lp2 = _log_probs([0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0], sharp=3.0)
    assert len(kws.prefix_beam_search(lp2, beam=4)) == 6
    assert len(kws.prefix_beam_search(lp2, beam=8, lm=kws.DigitGrammar(3, 5))) == 5


def test_edit_distance_and_error_rate_match_jiwer():
    refs = [["one", "two", "three"], ["four", "five"], ["six"]]
    hyps = [["one", "three"], ["four", "nine", "five", "five"], []]
    assert kws.edit_distance(refs[0], hyps[0]) == 1
    assert np.isclose(kws.error_rate(refs, hyps), jiwer.wer([" ".join(r) for r in refs], [" ".join(h) for h in hyps]))
    with pytest.raises(ValueError, match="hypotheses"):
        kws.error_rate(refs, hyps[:1])


def test_workshop_network_has_the_workshops_parameter_count():
    table = kws.parameter_table(kws.WorkshopConv1D(), torch.zeros(1, kws.CLIP))
    assert int(table.parameters.iloc[-1]) == 506_586
    assert table.loc[table.layer.str.contains("head.1"), "parameters"].item() == 1728 * 256 + 256


def test_ctc_model_output_shape_and_training_step():
    feats = [np.random.default_rng(i).normal(size=(40, 60)).astype(np.float32) for i in range(4)]
    model = kws.CTCRecognizer()
    hist = kws.train_ctc(model, feats, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 0, 1]], epochs=1, batch_size=2,
                         progress=False)
    assert np.isfinite(hist["train loss"][0])
    assert kws.ctc_log_probs(model, feats[:1])[0].shape == (30, 11)


def test_word_clip_centres_and_workshop_filter_keeps_only_one_second():
    y = np.zeros(16000, np.float32)
    y[7000:9000] = np.sin(np.arange(2000) / 3.0)
    clip = kws.word_clip(librosa.resample(y, orig_sr=16000, target_sr=8000), 8000)
    assert clip.shape == (8000,) and np.isclose(np.abs(clip).max(), 0.9)
    assert kws.workshop_filter(y, 16000).shape == (8000,)
    assert kws.workshop_filter(y[:15000], 16000) is None


def test_hmm_state_dict_round_trip():
    rng = np.random.default_rng(0)
    frames = [rng.normal(loc=w, size=(30, 4)) for w in (0, 3) for _ in range(6)]
    labels = [0] * 6 + [1] * 6
    m = kws.HMMWordModels(n_states=3, n_mix=1, n_iter=3).fit(frames, labels)
    m2 = kws.HMMWordModels(n_states=3, n_mix=1, n_iter=3).load_state_dict(m.state_dict())
    assert np.allclose(m.scores(frames), m2.scores(frames))
    assert (m.predict(frames) == labels).all()


def test_detection_and_det_points():
    score = np.zeros(500)
    score[100:110] = 0.9   # a keyword at 2.0-2.2 s (hop 0.02)
    score[300:305] = 0.4   # a false alarm at 6 s at low thresholds
    spans = [(2.0, 2.5)]
    assert np.allclose(kws.detect(score, 0.5, 0.02), [2.0])
    miss, fa = kws.score_detections(kws.detect(score, 0.3, 0.02), spans, 10.0)
    assert miss == 0.0 and np.isclose(fa, 360.0)
    det = kws.det_points(score, spans, 10.0, 0.02, [0.3, 0.5, 0.95])
    assert list(det["miss rate"]) == [0.0, 0.0, 1.0]
    assert np.allclose(kws.smooth(np.ones(9), 3)[1:-1], 1.0)


def test_goal_table_statuses():
    t = kws.goal_table({"isolated accuracy": 0.96, "connected WER": 0.2, "speech commands accuracy": 0.4})
    assert list(t.status) == ["MET", "NOT MET", "REPORTED"]
    with pytest.raises(KeyError, match="connected WER"):
        kws.goal_table({"isolated accuracy": 0.9})


def test_check_greedy_decoder_accepts_right_and_explains_wrong():
    assert ch10.check_greedy_decoder(lambda labels, blank=0: kws.greedy_decode(labels, blank))
    with pytest.raises(ExerciseFeedback, match="did not merge"):
        ch10.check_greedy_decoder(lambda labels, blank=0: [x for x in labels if x != blank])
    with pytest.raises(ExerciseFeedback, match="removed blanks before merging"):
        ch10.check_greedy_decoder(lambda labels, blank=0: kws.greedy_decode([x for x in labels if x != blank]))


def test_check_wer_accepts_right_and_explains_wrong():
    assert ch10.check_wer(lambda r, h: kws.error_rate([r], [h]))
    with pytest.raises(ExerciseFeedback, match="divide by the number"):
        ch10.check_wer(lambda r, h: kws.edit_distance(r, h))
    with pytest.raises(ExerciseFeedback, match="REFERENCE"):
        ch10.check_wer(lambda r, h: kws.edit_distance(r, h) / max(len(h), 1))


def test_check_workshop_filter_and_written_answer():
    assert ch10.check_workshop_filter(lambda y, sr: kws.workshop_filter(y, sr))
    with pytest.raises(ExerciseFeedback, match="dropped"):
        ch10.check_workshop_filter(lambda y, sr: librosa.resample(y, orig_sr=sr, target_sr=8000))
    with pytest.raises(ExerciseFeedback, match="8000"):
        ch10.check_workshop_filter(lambda y, sr: y if len(y) == sr else None)
    assert ch10.check_duration_answer("b")
    with pytest.raises(ExerciseFeedback, match="tail"):
        ch10.check_duration_answer("a")
