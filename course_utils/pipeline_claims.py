"""The claims chapter 7's text makes about its pipeline, asserted by the chapter's self-check.

On the synthetic offline corpus the speaker encoder cannot tell the generated voices apart, so the
one claim about its accuracy (EER below 25 % on unseen actors) is checked on real recordings only.

Notebook: 07_integrated_pipeline § Self-check
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["assert_chapter_claims"]


def _claim(ok: bool, text: str) -> None:
    if not bool(ok):
        raise AssertionError(f"chapter 7 claims that {text}, but this run says otherwise")


def assert_chapter_claims(*, results: Mapping, classes: list, rates: pd.DataFrame, rtf: pd.DataFrame,
                          lat: pd.DataFrame, comp: pd.DataFrame, bad: pd.DataFrame, demo_status: str,
                          synthetic: bool = False) -> None:
    """Assert chapter 7's claims on this run's results.

    Parameters
    ----------
    results : mapping
        Scenario name to the pipeline's result (section 2).
    classes : list
        The emotion recognizer's classes.
    rates : pd.DataFrame
        ``"acceptance rate"`` per trial kind (``genuine``, ``impostor``).
    rtf : pd.DataFrame
        ``"real-time factor"`` per stage (section 3).
    lat : pd.DataFrame
        The streaming run: ``latency_ms`` and ``buffered_s`` per chunk (section 5).
    comp : pd.DataFrame
        The compression table: ``size_kB``, ``weight_zeros``, ``EER`` per model (section 6).
    bad : pd.DataFrame
        ``status`` per bad-input case (section 8).
    demo_status : str
        Status of the instructor demo's run.
    synthetic : bool
        The run used the synthetic offline corpus.

    Notebook: 07_integrated_pipeline § Self-check
    """
    gen, imp = results["genuine claim"], results["impostor claim"]
    _claim(gen.status == "accepted" and imp.status == "rejected",
           "the genuine claim is accepted and the impostor rejected")
    _claim(gen.emotion in classes and abs(gen.emotion_confidence - max(gen.emotion_probabilities.values())) < 1e-9,
           "an accepted speaker gets one of the recognizer's classes, with its probability")
    _claim(imp.emotion is None, "a rejected speaker's emotion is not analysed")
    _claim(rates.loc["genuine", "acceptance rate"] >= rates.loc["impostor", "acceptance rate"] + 0.4,
           "genuine claims pass far more often than impostors")
    _claim({"denoise", "vad", "verify", "emotion"} <= set(rtf.index) and np.isfinite(rtf["real-time factor"]).all(),
           "every stage is timed and has a real-time factor")
    _claim(lat.latency_ms.notna().sum() == (lat.buffered_s >= 1.0 - 1e-9).sum() > 10,
           "the stream gives a latency for every decision once the buffer is full")
    _claim(comp.loc["int8 dynamic (LSTM + linear)", "size_kB"] < 0.5 * comp.loc["float32", "size_kB"],
           "int8 quantization halves the stored weights at least")
    _claim(comp.loc["pruned 30%", "weight_zeros"] > 0.25 and comp["EER"].notna().all(),
           "pruning zeroes weights and every model's EER is measured")
    if not synthetic:
        _claim(comp.loc["float32", "EER"] < 0.25, "the float32 encoder verifies unseen actors below 25 % EER")
    invalid = ["empty array", "NaN samples", "wrong rate (sr=0)", "wrong rate (duration passed as sr)"]
    _claim(set(bad.loc[invalid, "status"]) == {"invalid_input"}, "invalid input is answered as such")
    _claim(bad.loc["unknown speaker id", "status"] == "unknown_speaker" and bad.loc["too short (0.2 s)", "status"] ==
           "too_short" and bad.loc["digital silence (2 s)", "status"] == "no_speech",
           "unknown speakers, short input and silence get their own status")
    _claim(bad.loc["other rate (44.1 kHz, resampled)", "status"] == "accepted", "another sample rate is resampled")
    _claim(demo_status in ("accepted", "rejected"), "the instructor demo reaches a decision")
