"""The claims chapter 1's text makes about its results, asserted by the chapter's self-check.

On the real data the claims are the ones the text states; on the synthetic offline corpus (voices
from :mod:`course_utils.synth`) one threshold is weaker, but every claim can still fail.

Notebook: 01_speaker_recognition § Self-check
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["assert_chapter_claims"]

_SVM = "SVM on 120-dim MFCC stats"
_CNN = "Conv1D CNN on raw waveform"
_GMM = "GMM-UBM (64 Gaussians)"


def _claim(ok: bool, text: str) -> None:
    if not bool(ok):
        raise AssertionError(f"chapter 1 claims that {text}, but this run says otherwise")


def assert_chapter_claims(*, id_table: pd.DataFrame, fsdd_table: pd.DataFrame, eer: float,
                          target: np.ndarray, nontarget: np.ndarray, by_emotion: pd.Series,
                          synthetic: bool = False) -> pd.Series:
    """Assert the claims of chapter 1 on this run's results; return the key numbers.

    Parameters
    ----------
    id_table : pd.DataFrame
        RAVDESS identification accuracy with columns ``split``, ``model``, ``accuracy`` (section 5).
    fsdd_table : pd.DataFrame
        FSDD accuracy with columns ``question``, ``test``, ``model``, ``accuracy`` (section 6).
    eer : float
        EER of cosine scoring on MFCC statistics, as a fraction (section 7).
    target, nontarget : np.ndarray
        Target and non-target trial scores of section 7.
    by_emotion : pd.Series
        Mean target score per emotion of the test utterance (section 7).
    synthetic : bool
        The run used the synthetic offline corpus: the raw-waveform CNN must reach 60 % instead of 80 %.

    Returns
    -------
    pd.Series
        The numbers the claims were checked on.

    Notebook: 01_speaker_recognition § Self-check
    """
    acc = id_table.set_index(["split", "model"]).accuracy
    fsdd = fsdd_table.set_index(["question", "test", "model"]).accuracy
    key = pd.Series({
        "SVM unseen takes": acc[("unseen takes", _SVM)],
        "SVM unseen emotions": acc[("unseen emotions", _SVM)],
        "GMM-UBM unseen takes": acc[("unseen takes", _GMM)],
        "FSDD speaker, SVM": fsdd[("who (speaker)", "unseen takes", _SVM)],
        "FSDD digit, CNN": fsdd[("what (digit)", "unseen takes", _CNN)],
        "FSDD digit, SVM, unseen takes": fsdd[("what (digit)", "unseen takes", _SVM)],
        "FSDD digit, SVM, unseen speaker": fsdd[("what (digit)", "unseen speaker", _SVM)],
        "cosine EER": eer,
    })
    _claim(key["SVM unseen takes"] >= 0.90, "closed-set identification of unseen takes reaches 90 %")
    _claim(key["SVM unseen emotions"] < key["SVM unseen takes"], "unseen emotions are harder than unseen takes")
    _claim(key["GMM-UBM unseen takes"] >= 0.80, "the GMM-UBM baseline identifies most unseen takes")
    _claim(key["FSDD speaker, SVM"] >= 0.90, "the SVM tells FSDD's speakers apart on unseen takes")
    cnn_floor = 0.60 if synthetic else 0.80
    _claim(key["FSDD digit, CNN"] >= cnn_floor, f"the raw-waveform CNN recognises at least {cnn_floor:.0%} of digits")
    _claim(key["FSDD digit, SVM, unseen speaker"] < key["FSDD digit, SVM, unseen takes"],
           "a new voice makes digits harder")
    _claim(0.02 < eer < 0.45, "cosine scoring on MFCC statistics is better than chance and far from solved")
    _claim(np.mean(target) > np.mean(nontarget), "target trials score higher than non-target trials on average")
    _claim(by_emotion[["neutral", "calm"]].mean() > by_emotion[["angry", "fearful", "surprised"]].mean(),
           "emotion pulls the MFCC statistics away from a calm voiceprint")
    return key
