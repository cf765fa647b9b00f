"""Support package for the Speech & Audio Applications course.

The notebooks in ``notebooks/`` tell the story; this package holds what they share:
loading audio with clear errors (:mod:`course_utils.audio`), dataset tables with an offline
fallback (:mod:`course_utils.datasets`), features with an on-disk cache
(:mod:`course_utils.features`), synthetic corpora with known ground truth
(:mod:`course_utils.synth`), plots and audio players (:mod:`course_utils.plotting`,
:mod:`course_utils.widgets`) and the exercise tooling (:mod:`course_utils.checks`).
"""
from __future__ import annotations

# importing .paths points LIBROSA_DATA_DIR at a local copy of librosa's examples (before librosa reads it)
from .paths import cache_dir, data_dir, repo_root, seed_everything

__all__ = ["cache_dir", "data_dir", "repo_root", "seed_everything"]
__version__ = "0.1.0"
