"""Speaker verification and identification on top of any speaker embedder.

Taught in ``notebooks/03_speaker_verification.ipynb``; :class:`SpeakerVerifier` is reused by
``notebooks/07_*`` (the voice-assistant chapter). One module per concept, in the order the chapter
teaches them:

* :mod:`.embedding`: embedders (:class:`FunctionEmbedder`), cached embeddings of clean or corrupted
  files (:func:`embed_files`), one embedding table per system (:func:`embedding_table`);
* :mod:`.scoring`: enrollment (:func:`enroll_models`), cosine, LDA and PLDA back-ends, s-norm;
* :mod:`.trials`: trial lists, EER/minDCF of a trial table, thresholds, closed-/open-set identification;
* :mod:`.plots`: DET and ROC curves, score distributions;
* :mod:`.attacks`: the noise and replay conditions (the corruptions are :mod:`course_utils.corruptions`);
* :mod:`.development`: the development models behind the back-end and fusion choices;
* :mod:`.fusion`: logistic-regression score fusion (:class:`ScoreFusion`);
* :mod:`.verifier`: :class:`SpeakerVerifier`, the whole thing behind ``enroll`` / ``verify`` /
  ``identify`` / ``save`` / ``load``; :mod:`.errors`: its errors.

This file only re-exports.
"""
from __future__ import annotations

from . import attacks, claims, development, embedding, errors, fusion, plots, scoring, trials, verifier
from .attacks import Corruption, attack_conditions
from .claims import assert_chapter_claims
from .development import development_embedders
from .embedding import FunctionEmbedder, embed_files, embedder_name, embedding_table
from .errors import EnrollmentError, UnknownSpeakerError, VerificationError, VoiceprintFileError
from .fusion import ScoreFusion
from .plots import plot_det, plot_roc, plot_score_distributions
from .scoring import (
    CosineBackend,
    LDABackend,
    PLDABackend,
    SNormBackend,
    backend_from_dict,
    cosine_scores,
    enroll_models,
    l2_normalize,
    s_norm,
)
from .trials import (
    choose_threshold,
    evaluate_trials,
    identify_closed_set,
    make_trials,
    open_set_rates,
    split_enrollment,
    trial_scores,
)
from .verifier import SpeakerVerifier

__all__ = [
    *errors.__all__,
    *embedding.__all__,
    *scoring.__all__,
    *trials.__all__,
    *fusion.__all__,
    *attacks.__all__,
    *development.__all__,
    *plots.__all__,
    *claims.__all__,
    *verifier.__all__,
]
