"""The workshop's segmentation: one-second windows classified as music or speech, and female or male.

Notebook: 10_keyword_spotting_and_asr § Segmentation: music vs speech, female vs male
"""
from __future__ import annotations

from collections.abc import Sequence

import os

import librosa
import numpy as np
import pandas as pd
import soundfile as sf
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from ..cache import atomic_path, file_lock
from ..corruptions import synthetic_music
from ..datasets import LIBROSA_MUSIC, librispeech_split, load_librosa_examples
from ..features import extract_cached, frame_mfcc
from ..paths import cache_dir

__all__ = ["SEG_SR", "FEATURE_SETS", "music_tracks", "segmentation_table", "window_features", "windows_of", "train_window_classifier"]

#: Rate of the segmentation features.
SEG_SR = 16000
#: Candidate columns of :func:`window_features` for :func:`train_window_classifier`.
FEATURE_SETS = {"MFCC + pitch": list(range(82)), "pitch only": [80, 81]}


def window_features(y: np.ndarray, sr: int, win_s: float = 1.0, max_windows: int = 20) -> np.ndarray:
    """Per ``win_s`` window: mean and std of 20 MFCCs and their deltas, and pitch statistics, ``(windows, 82)``.

    The pitch (``librosa.yin``, 60-400 Hz, on the louder half of the frames) is what separates most
    female from male voices: its median (log2 Hz) and its spread (interquartile range) are the last two
    columns.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    win_s : float
        Window length in seconds (10 ms frames).
    max_windows : int
        Keep at most this many windows, evenly spread over the recording (0: all).

    Returns
    -------
    np.ndarray
        float32 ``(windows, 82)``; no row for a recording shorter than one window.

    Notebook: 10_keyword_spotting_and_asr § Segmentation: music vs speech, female vs male
    """
    F = frame_mfcc(y, sr, 20, n_deltas=1)
    hop = sr // 100
    f0 = np.log2(librosa.yin(y, fmin=60, fmax=400, sr=sr, frame_length=4 * hop * 2, hop_length=hop))[: len(F)]
    loud = F[:, 0] >= np.median(F[:, 0])
    n = int(round(win_s * 100))
    starts = np.arange(len(F) // n) * n
    if max_windows and len(starts) > max_windows:
        starts = starts[np.linspace(0, len(starts) - 1, max_windows).round().astype(int)]
    rows = []
    for a in starts:
        w, p = F[a:a + n], f0[a:a + n][loud[a:a + n]]
        p = p if len(p) else f0[a:a + n]
        q1, med, q3 = np.percentile(p, [25, 50, 75])
        rows.append(np.concatenate([w.mean(0), w.std(0), [med, q3 - q1]]))
    return np.asarray(rows, dtype=np.float32).reshape(-1, 82)


def windows_of(paths: Sequence[str], *, max_windows: int = 20, progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Window features of many files (cached), with the file each window comes from.

    Parameters
    ----------
    paths : sequence of str
        Audio files (loaded at :data:`SEG_SR`).
    max_windows : int
        Windows per file at most.
    progress : bool
        Show a progress bar.

    Returns
    -------
    X : np.ndarray
        ``(windows, 82)``.
    file_index : np.ndarray
        Position in ``paths`` of each window's file (to look up its label and group).

    Notebook: 10_keyword_spotting_and_asr § Segmentation: music vs speech, female vs male
    """
    feats = list(extract_cached(list(paths), window_features, sr=SEG_SR, name="kws_seg", progress=progress,
                                max_windows=max_windows))
    X = np.concatenate([f.reshape(-1, 82) for f in feats])
    return X, np.concatenate([np.full(len(f.reshape(-1, 82)), i) for i, f in enumerate(feats)])


def train_window_classifier(X: np.ndarray, y: np.ndarray, groups: np.ndarray, *, n_splits: int = 4
                            ) -> tuple[Pipeline, str, dict[str, float]]:
    """Balanced logistic regression on the feature set that wins a cross-validation grouped by speaker/track.

    The candidates are :data:`FEATURE_SETS` (all 82 columns, or the two pitch columns); the choice is
    made on the training groups only (``GroupKFold``), then the winner is refitted on all of them.

    Parameters
    ----------
    X : np.ndarray
        Window features (:func:`window_features`).
    y : np.ndarray
        Their labels.
    groups : np.ndarray
        Speaker or track of each window (folds never split a group).
    n_splits : int
        Cross-validation folds.

    Returns
    -------
    clf : sklearn.pipeline.Pipeline
        Fitted on all of ``X`` with the chosen columns.
    chosen : str
        The chosen feature set.
    cv_accuracy : dict of str to float
        Cross-validated accuracy of each candidate.

    Notebook: 10_keyword_spotting_and_asr § Segmentation: music vs speech, female vs male
    """
    def make(cols):
        return make_pipeline(ColumnTransformer([("cols", "passthrough", cols)]), StandardScaler(),
                             LogisticRegression(max_iter=2000, class_weight="balanced"))

    cv = {name: float(cross_val_score(make(cols), X, y, groups=groups, cv=GroupKFold(n_splits)).mean())
          for name, cols in FEATURE_SETS.items()}
    chosen = max(cv, key=cv.get)
    return make(FEATURE_SETS[chosen]).fit(X, y), chosen, cv


def music_tracks(n_test: int = 3) -> pd.DataFrame:
    """librosa's music examples (the last ``n_test`` in sorted order held out), or synthetic music offline.

    When fewer than four tracks can be found (offline, no copy), six 30-second tracks of
    :func:`course_utils.corruptions.synthetic_music` are written once to the cache instead, and
    ``df.attrs["synthetic"]`` is set.

    Parameters
    ----------
    n_test : int
        Tracks kept for testing.

    Returns
    -------
    pd.DataFrame
        Columns ``key``, ``path``, ``split`` (``"train"`` or ``"test"``).

    Notebook: 10_keyword_spotting_and_asr § Segmentation: music vs speech, female vs male
    """
    df = load_librosa_examples(LIBROSA_MUSIC, download=not os.environ.get("COURSE_OFFLINE"))
    synthetic = len(df) < 4
    if synthetic:
        folder = cache_dir("synthetic") / "music"
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for k in range(6):
            path = folder / f"synthetic_music_{k}.wav"
            with file_lock(path):
                if not path.exists():
                    with atomic_path(path) as tmp:
                        sf.write(tmp, synthetic_music(30.0, SEG_SR, seed=k), SEG_SR, format="WAV")
            rows.append(dict(key=f"synthetic_{k}", path=str(path)))
        df = pd.DataFrame(rows)
    df = df.sort_values("key").reset_index(drop=True)[["key", "path"]]
    df["split"] = ["train"] * (len(df) - n_test) + ["test"] * n_test
    df.attrs["synthetic"] = synthetic
    return df


def segmentation_table(ravdess: pd.DataFrame, librispeech: pd.DataFrame, music: pd.DataFrame, *,
                       per_actor: int = 2, readers: tuple[int, int] = (30, 20)) -> pd.DataFrame:
    """Files for the music/speech and female/male classifiers, with held-out speakers and tracks.

    Speech: ``per_actor`` RAVDESS files of each actor (actors 1-16 train, 17-24 test) and one file of
    each of ``readers`` LibriSpeech readers from its training and test reader lists
    (:func:`course_utils.datasets.librispeech_split`). Music: ``music`` as it is split.

    Parameters
    ----------
    ravdess, librispeech, music : pd.DataFrame
        Tables of :func:`course_utils.datasets.load_ravdess`, :func:`~course_utils.datasets.load_librispeech`
        and :func:`music_tracks`.
    per_actor : int
        RAVDESS files per actor.
    readers : tuple of int
        LibriSpeech readers taken from the training and the test list.

    Returns
    -------
    pd.DataFrame
        Columns ``path``, ``kind`` (music/speech), ``sex`` (female/male/""), ``group``, ``split``.

    Notebook: 10_keyword_spotting_and_asr § Segmentation: music vs speech, female vs male
    """
    rows = []
    for actor, g in ravdess.sort_values("path").groupby("actor"):
        for p, sex in zip(g.path[:per_actor], g.gender[:per_actor]):
            rows.append((p, "speech", sex, f"ravdess-{actor}", "train" if actor <= 16 else "test"))
    train_r, test_r = librispeech_split(librispeech)
    for split, ids in (("train", train_r[: readers[0]]), ("test", test_r[: readers[1]])):
        for r in ids:
            row = librispeech[librispeech.reader == r].iloc[0]
            rows.append((row.path, "speech", {"F": "female", "M": "male"}[row.sex], f"libri-{r}", split))
    for row in music.itertuples():
        rows.append((row.path, "music", "", f"music-{row.key}", row.split))
    return pd.DataFrame(rows, columns=["path", "kind", "sex", "group", "split"])
