"""Dataset tables (file path + labels): RAVDESS, FSDD, LibriSpeech, ESC-10, Speech Commands, librosa's examples.

Introduced in ``notebooks/01_speaker_recognition.ipynb``; every chapter loads its data here.

Where a dataset is looked for, in order (:func:`locate`):

1. ``$COURSE_DATA_DIR/<name>`` (laid out like the course's data mirror: ``ravdess/Actor_XX/``,
   ``fsdd/recordings/``, ``librispeech/train-clean-100/``, ``esc10/NNN - Class/``,
   ``speech_commands/<word>/``, ``librosa/``);
2. ``data/<name>/`` in the checkout;
3. a download from the public source (progress bar, every file or the archive verified) into
   ``data/<name>/``, unless ``download=False`` or ``$COURSE_OFFLINE`` is set;
4. only when the caller passes ``allow_synthetic=True``: the synthetic fallback from
   :mod:`course_utils.synth`, written once to the cache, named and laid out like the real thing,
   and announced by a visible banner.

A folder that exists but is incomplete or mislabelled raises :class:`DatasetError` naming what is
wrong (:mod:`.checks`). Run ``python -m course_utils.datasets fetch`` (or ``course-data fetch``) to
download everything, ``... fetch --only NAME`` for one dataset.

Modules: :mod:`.core` (error, source, registry, manifests), :mod:`.checks` (folder validation),
:mod:`.fetching` (verified downloads), :mod:`.fallback` (synthetic stand-ins, banner),
:mod:`.locate` (lookup order), one module per corpus family for the tables, :mod:`.cli`.
"""
from ..paths import data_dir  # noqa: F401  (kept importable here for callers that patch it; use paths.data_dir)
from .checks import (
    ESC10_CLASSES,
    FSDD_PATTERN,
    LIBRISPEECH_TEST_READERS,
    RAVDESS_PATTERN,
    SPEECH_COMMANDS_WORDS,
    validated,
)
from .cli import main
from .core import DatasetError, DataSource, manifest, registry
from .esc10 import load_esc10
from .fallback import show_banner
from .fetching import download
from .librispeech import librispeech_split, load_librispeech
from .librosa_examples import LIBROSA_MUSIC, LIBROSA_SPEECH, librosa_example, load_librosa_examples
from .locate import locate
from .ravdess_fsdd import load_fsdd, load_ravdess
from .speech_commands import load_speech_commands

__all__ = [
    "DatasetError",
    "DataSource",
    "locate",
    "load_ravdess",
    "load_fsdd",
    "load_librispeech",
    "librispeech_split",
    "LIBRISPEECH_TEST_READERS",
    "load_esc10",
    "ESC10_CLASSES",
    "load_speech_commands",
    "SPEECH_COMMANDS_WORDS",
    "librosa_example",
    "load_librosa_examples",
    "LIBROSA_SPEECH",
    "LIBROSA_MUSIC",
    "show_banner",
    "registry",
    "manifest",
    "download",
    "validated",
    "main",
]
