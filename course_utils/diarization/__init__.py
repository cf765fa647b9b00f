"""Speaker diarization: who spoke when.

Taught in ``notebooks/08_speaker_diarization.ipynb``. The classic modular recipe, one plain
function per step, one module per concept:

1. :mod:`.conversation`: :func:`make_conversation` builds a test recording with known turns (and
   some overlap) from single-speaker utterances, and returns the reference segments;
2. :mod:`.change`: :func:`change_scores` / :func:`pick_change_points`, metric-based speaker change
   detection (cosine distance of MFCC statistics, or ΔBIC between adjacent windows);
3. voice activity detection (:mod:`course_utils.vad`) and :mod:`.windows`: :func:`sliding_windows`
   over speech and an embedding per window (any ``embed(y, sr)``: chapter 2's encoders,
   :func:`mfcc_stats_embed`, or :func:`resemblyzer_embed_windows`);
4. :mod:`.clustering`: :func:`agglomerative_cluster` and :func:`spectral_cluster` (with
   :func:`estimate_n_speakers` by the eigen-gap);
5. :mod:`.segments`: :func:`labels_to_segments`, and :func:`resegment` (shorter windows labelled by
   the nearest cluster centroid: finer boundaries);
6. :mod:`.pipeline`: :func:`diarize`, the whole recipe, and :func:`cluster_segments`, its last steps;
7. :mod:`.plots`: :func:`plot_timeline` against the truth, scored by
   :func:`course_utils.metrics.diarization.diarization_error_rate`.

:mod:`.pit`: :func:`pit_loss` is the permutation-invariant training loss of end-to-end neural
diarization.
"""
from .change import change_scores, pick_change_points
from .clustering import agglomerative_cluster, cosine_affinity, estimate_n_speakers, normalized_laplacian, spectral_cluster
from .conversation import conversation_from_table, make_conversation
from .pipeline import cluster_segments, diarize
from .pit import pit_loss
from .plots import plot_timeline
from .segments import labels_to_segments, merge_segments, resegment, single_cluster_segments, window_majority_labels
from .windows import (
    embed_windows, mfcc_stats_embed, resemblyzer_embed_windows, sliding_windows, standardized_mfcc_windows, window_encoders,
)

__all__ = [
    "make_conversation",
    "conversation_from_table",
    "change_scores",
    "pick_change_points",
    "sliding_windows",
    "mfcc_stats_embed",
    "embed_windows",
    "standardized_mfcc_windows",
    "resemblyzer_embed_windows",
    "window_encoders",
    "cosine_affinity",
    "normalized_laplacian",
    "estimate_n_speakers",
    "agglomerative_cluster",
    "spectral_cluster",
    "labels_to_segments",
    "single_cluster_segments",
    "window_majority_labels",
    "resegment",
    "merge_segments",
    "cluster_segments",
    "plot_timeline",
    "pit_loss",
    "diarize",
]
