"""The claims chapter 3's text makes about its results, asserted by the chapter's self-check.

On the real data the claims are the ones the text states; on the synthetic offline corpus (voices
from :mod:`course_utils.synth`) they are weaker, but still able to fail.

Notebook: 03_speaker_verification § Self-check
"""
from __future__ import annotations

import pandas as pd

__all__ = ["assert_chapter_claims"]

_LEARNED = ("xvector_ce", "xvector_aam")


def _claim(ok: bool, text: str) -> None:
    if not bool(ok):
        raise AssertionError(f"chapter 3 claims that {text}, but this run says otherwise")


def _real_claims(metrics, backend_eer, identification, enroll_size, attack_eer, robustness,
                 fused_eer, res_cos, dev_choice, main) -> None:
    best = min(_LEARNED, key=lambda k: metrics.loc[k, "EER %"])
    _claim(metrics.loc[best, "EER %"] < metrics.loc["mfcc_stats", "EER %"],
           "an x-vector beats MFCC statistics on unseen actors")
    mfcc_gain = backend_eer.loc["mfcc_stats", "cosine"] - backend_eer.loc["mfcc_stats", ["LDA", "PLDA"]].min()
    res_gain = backend_eer.loc["resemblyzer", "cosine"] - backend_eer.loc["resemblyzer", ["LDA", "PLDA"]].min()
    _claim(mfcc_gain > 0 and mfcc_gain > res_gain,
           "an LDA/PLDA back-end helps the MFCC statistics, and more than it helps resemblyzer")
    _claim(metrics.loc[main, "EER %"] < 35 and metrics.loc["resemblyzer", "EER %"] < 25,
           "verification works on unseen actors, far from chance (50 % EER)")
    _claim(identification.loc[main, "closed-set accuracy (8 speakers)"] > 0.3
           and identification.loc["resemblyzer", "closed-set accuracy (8 speakers)"] > 0.6,
           "closed-set identification is far above chance (1/8)")
    _claim(enroll_size.loc[16, "EER % mixed-emotion enrollment"] < enroll_size.loc[1, "EER % mixed-emotion enrollment"],
           "enrolling with varied speech beats a single utterance")
    for kind in (main, "resemblyzer"):
        _claim(attack_eer.loc[kind, "targets in other emotions"] > attack_eer.loc[kind, "targets in calm emotions"],
               f"targets in other emotions raise {kind}'s EER")
    _claim((robustness["babble 0 dB"] > robustness["clean"]).all(), "babble at 0 dB raises every system's EER")
    _claim((robustness["replay"] > robustness["clean"]).all(), "the replay channel raises every system's EER")
    _claim((robustness["replayed targets accepted %"] > 10).all(),
           "more than 10 % of replayed target recordings are accepted")
    _claim(fused_eer <= res_cos, f"our primary system ({fused_eer:.2f} % EER) is at or below resemblyzer ({res_cos:.2f} %)")
    _claim(fused_eer < min(backend_eer.loc[k, dev_choice[k]] for k in dev_choice.index),
           "the fusion beats each of its parts on the unseen actors")


def assert_chapter_claims(*, metrics: pd.DataFrame, backend_eer: pd.DataFrame, identification: pd.DataFrame,
                          enroll_size: pd.DataFrame, attack_eer: pd.DataFrame, robustness: pd.DataFrame,
                          fused_eer: float, res_cos: float, dev_eer_fused: float, dev_choice: pd.Series,
                          main: str = "xvector_aam", synthetic: bool = False) -> None:
    """Assert the claims of chapter 3 on this run's results (weaker ones on the synthetic corpus).

    Parameters
    ----------
    metrics : pd.DataFrame
        Per embedder, ``"EER %"`` with cosine scoring (section 5).
    backend_eer : pd.DataFrame
        EER % per embedder (rows) and back-end (columns) on the test trials (section 3).
    identification : pd.DataFrame
        Per embedder, ``"closed-set accuracy (8 speakers)"`` (section 6).
    enroll_size : pd.DataFrame
        EER % by number of enrollment utterances (section 2).
    attack_eer : pd.DataFrame
        EER % per embedder under each trial condition (section 7).
    robustness : pd.DataFrame
        EER % per system under each corruption, and ``"replayed targets accepted %"`` (section 7).
    fused_eer, res_cos : float
        EER % of our fused system and of resemblyzer with cosine scoring (section 9).
    dev_eer_fused : float
        EER % of the fusion on the development trials (section 8).
    dev_choice : pd.Series
        The back-end chosen on the development trials for each of our embedders.
    main : str
        The system the chapter follows.
    synthetic : bool
        The run used the synthetic offline corpus.

    Raises
    ------
    AssertionError
        A claim that this run's results do not support (the message says which).

    Notebook: 03_speaker_verification § Self-check
    """
    if not synthetic:
        _real_claims(metrics, backend_eer, identification, enroll_size, attack_eer, robustness,
                     fused_eer, res_cos, dev_choice, main)
        return
    best = min(_LEARNED, key=lambda k: metrics.loc[k, "EER %"])
    _claim(metrics.loc[best, "EER %"] < 50 and metrics.loc["mfcc_stats", "EER %"] < 50,
           "on synthetic voices the x-vector and the MFCC statistics are better than chance")
    _claim((robustness["babble 0 dB"] >= robustness["clean"]).all(), "babble at 0 dB does not lower the EER")
    _claim(fused_eer < 50 and dev_eer_fused < 50, "the fusion is better than chance")
