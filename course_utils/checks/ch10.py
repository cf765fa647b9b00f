"""Auto-checks for ``solutions/10_keyword_spotting_and_asr_solutions.ipynb`` and the chapter's self-check.

:func:`assert_chapter_claims` asserts the claims the chapter's text makes (fewer on the synthetic
fallback, where the real goals do not apply); the ``check_*`` functions check the exercises and raise
:class:`~course_utils.checks.ExerciseFeedback` with a hint.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import librosa
import numpy as np

from ..kws.ctc import edit_distance, error_rate, greedy_decode
from ..kws.data import workshop_filter
from . import ExerciseFeedback, call_student, expect_close, passed

__all__ = ["DURATION_QUESTION", "check_greedy_decoder", "check_wer", "check_workshop_filter",
           "check_duration_answer", "assert_chapter_claims"]

#: The workshop's question about the duration histogram, as multiple choice.
DURATION_QUESTION = {
    "a": "All clips are one second long, so no preparation is needed.",
    "b": "Most clips are exactly one second, a few are shorter: drop (or pad) the short ones so that every "
         "input has the network's fixed length.",
    "c": "The durations vary widely, so the network must be recurrent.",
    "d": "Short clips are louder, so they should be normalised.",
}


def check_greedy_decoder(func: Callable[..., list]) -> bool:
    """Check a CTC greedy decoder ``func(labels, blank=0) -> list`` (collapse repeats, then drop blanks).

    Parameters
    ----------
    func : callable
        The student's decoder.

    Returns
    -------
    bool
        True when every case passes.

    Raises
    ------
    ExerciseFeedback
        A case fails; the hint names the usual mistake.

    Notebook: 10_keyword_spotting_and_asr_solutions § Task 1 — CTC greedy decoding
    """
    cases = [[0, 3, 3, 0, 0, 5, 5, 5, 0], [2, 2, 0, 2, 2], [0, 0, 0], [1, 1, 1, 4], [7, 0, 7, 7, 0, 7]]
    for labels in cases:
        got = [int(x) for x in call_student(func, labels)]
        want = greedy_decode(labels)
        if got == want:
            continue
        if got == [x for x in labels if x != 0]:
            raise ExerciseFeedback(f"for {labels} you dropped the blanks but did not merge repeated labels: "
                                   f"expected {want}, got {got}.")
        if got == [x for i, x in enumerate([x for x in labels if x != 0]) if i == 0 or x != [x for x in labels if x != 0][i - 1]]:
            raise ExerciseFeedback(f"for {labels}: you removed blanks before merging repeats, so '2 0 2' became one "
                                   f"'2'. Merge runs first, then drop blanks: expected {want}, got {got}.")
        raise ExerciseFeedback(f"for {labels}: expected {want}, got {got}. Merge runs of the same label, then drop 0.")
    return passed("CTC greedy decoder")


def check_wer(func: Callable[..., float]) -> bool:
    """Check ``func(ref_words, hyp_words) -> float``: the word error rate by edit distance.

    Parameters
    ----------
    func : callable
        The student's WER of one reference and one hypothesis (lists of words).

    Returns
    -------
    bool
        True when every case passes.

    Raises
    ------
    ExerciseFeedback
        A case fails; the hint says which kind of error is miscounted.

    Notebook: 10_keyword_spotting_and_asr_solutions § Task 2 — Word error rate by edit distance
    """
    cases = [("one two three".split(), "one two three".split()), ("one two three".split(), "one three".split()),
             ("one two".split(), "one two two four".split()), ("four five six".split(), "four nine six".split()),
             ("seven".split(), "".split()), ("one two three four".split(), "two three four one".split())]
    for ref, hyp in cases:
        got = float(call_student(func, ref, hyp))
        want = error_rate([ref], [hyp])
        if np.isclose(got, want):
            continue
        if np.isclose(got, edit_distance(ref, hyp)):
            raise ExerciseFeedback(f"{ref} vs {hyp}: you returned the edit distance {got:g}; divide by the number "
                                   f"of reference words ({len(ref)}).")
        if len(hyp) and np.isclose(got, edit_distance(ref, hyp) / len(hyp)):
            raise ExerciseFeedback(f"{ref} vs {hyp}: divide by the number of REFERENCE words, not hypothesis words.")
        expect_close(got, want, f"WER of {ref} vs {hyp}",
                     hint="Count substitutions, deletions AND insertions (dynamic programming over both word lists); "
                          "a WER can exceed 1.")
    return passed("word error rate")


def check_workshop_filter(func: Callable[..., Any]) -> bool:
    """Check ``func(y, sr) -> np.ndarray | None``: resample to 8 kHz, keep only exactly one-second clips.

    Parameters
    ----------
    func : callable
        The student's filter.

    Returns
    -------
    bool
        True when every case passes.

    Raises
    ------
    ExerciseFeedback
        A case fails.

    Notebook: 10_keyword_spotting_and_asr_solutions § Task 3 — The workshop's filter and resampling
    """
    rng = np.random.default_rng(0)
    for n, sr in ((16000, 16000), (13000, 16000), (8000, 8000), (22050, 22050), (16001, 16000)):
        y = (0.1 * rng.normal(size=n)).astype(np.float32)
        got, want = call_student(func, y, sr), workshop_filter(y, sr)
        if want is None:
            if got is not None:
                raise ExerciseFeedback(f"a {n / sr:.3f} s clip at {sr} Hz must be dropped (return None): after "
                                       f"resampling it has {len(librosa.resample(y, orig_sr=sr, target_sr=8000))} "
                                       "samples, not 8000.")
            continue
        if got is None:
            raise ExerciseFeedback(f"a one-second clip at {sr} Hz was dropped: resample to 8000 Hz first, then "
                                   "compare its length with 8000.")
        got = np.asarray(got)
        if got.shape != (8000,):
            raise ExerciseFeedback(f"expected 8000 samples for a one-second clip at {sr} Hz, got shape {got.shape}: "
                                   "use librosa.resample(y, orig_sr=sr, target_sr=8000).")
        expect_close(got, want, "resampled clip", rtol=1e-3, atol=1e-4,
                     hint="Use librosa.resample (default soxr_hq), not slicing every other sample.")
    return passed("the workshop's filter")


def check_duration_answer(answer: str) -> bool:
    """Check the multiple-choice answer to the workshop's duration question (:data:`DURATION_QUESTION`).

    Parameters
    ----------
    answer : str
        One of ``"a"``, ``"b"``, ``"c"``, ``"d"``.

    Returns
    -------
    bool
        True for the right answer.

    Raises
    ------
    ExerciseFeedback
        Another answer, with why it is wrong.

    Notebook: 10_keyword_spotting_and_asr_solutions § Task 4 — Reading the duration histogram (written)
    """
    got = str(answer).strip().lower()
    why = {"a": "the histogram has a tail of shorter clips: the filter drops some.",
           "c": "almost all clips share one length; a fixed-length input is the workshop's choice.",
           "d": "the histogram is about length, not loudness."}
    if got not in DURATION_QUESTION:
        raise ExerciseFeedback(f"answer one of {sorted(DURATION_QUESTION)}, not {answer!r}")
    if got != "b":
        raise ExerciseFeedback(f"not ({got}): {why[got]}")
    return passed("duration question")


def assert_chapter_claims(r: Mapping[str, Any], *, synthetic: bool) -> None:
    """Assert the claims of ``notebooks/10_keyword_spotting_and_asr.ipynb`` about its results.

    Parameters
    ----------
    r : mapping
        The notebook's results: ``n_params``, ``loso``, ``cross``, ``best``, ``rates``, ``det``,
        ``det_raw``, ``music_speech``, ``female_male`` and the goal values.
    synthetic : bool
        The run used the offline fallback (only the claims that hold there are asserted).

    Raises
    ------
    AssertionError
        A claim does not hold; the message names it.

    Notebook: 10_keyword_spotting_and_asr § Self-check
    """
    assert r["n_params"] == 506_586, f"the workshop network has 506,586 parameters, not {r['n_params']}"
    loso, cross, rates, det = r["loso"], r["cross"], r["rates"], r["det"]
    assert np.all(np.isfinite(loso.to_numpy())) and set(loso.columns) == {"conv1d", "cnn", "hmm"}
    lo, hi = det.iloc[0], det.iloc[-1]
    assert hi["miss rate"] >= lo["miss rate"], "the highest threshold misses at least as many keywords as the lowest"
    assert hi["false alarms per hour"] <= lo["false alarms per hour"], "and raises fewer false alarms: the trade-off"
    if synthetic:
        print("self-check on the synthetic fallback: structure and monotonicity only")
        return
    assert (loso.loc["mean"] > 0.2).all(), f"every model is well above chance (0.1) on unseen speakers: {loso.loc['mean'].to_dict()}"
    best = r["best"]
    assert cross.loc[best, "Speech Commands"] < cross.loc[best, "FSDD unseen speaker"] - 0.05, "the cross-corpus drop"
    assert rates.loc["beam + digit grammar", "WER"] <= rates.loc["greedy", "WER"] + 1e-9, "the grammar does not hurt"
    assert r["music_speech"] >= 0.9, f"music vs speech on held-out tracks and voices: {r['music_speech']:.3f}"
    assert r["female_male"] >= 0.8, f"female vs male on held-out voices: {r['female_male']:.3f}"
    print("self-check passed: all claims hold on the real data")
