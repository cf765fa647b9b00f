"""Auto-checks for ``solutions/04_emotion_recognition_solutions.ipynb`` (and the exercises made from it).

Each ``check_*`` raises :class:`~course_utils.checks.ExerciseFeedback` saying what is wrong and
where to look, or prints a success line. :func:`assert_chapter_claims` is the chapter notebook's
self-check of the claims its text makes (which differ between RAVDESS and the synthetic fallback).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..emotion.labels import EMOTIONS
from ..emotion.prosody import table_prediction
from . import ExerciseFeedback, call_student, expect_equal, passed

__all__ = ["check_prosody_quiz", "check_prosody_extractor", "check_leave_speakers_out", "assert_chapter_claims"]

SR = 16000


# --------------------------------------------------------------------------- task 1: prosody vs emotion
def _medians(rel: pd.DataFrame) -> pd.DataFrame:
    return rel.groupby("emotion")[["f0_st", "energy_db", "tempo"]].median()


def check_prosody_quiz(answers: dict, rel: pd.DataFrame) -> bool:
    """Check the prosody quiz against the box-plot data it is about.

    Parameters
    ----------
    answers : dict
        ``highest_f0`` (emotion with the highest median F0 re neutral), ``loudest`` (highest
        median level), ``angry_louder_than_neutral_by_3db`` (bool) and
        ``range_wider_than_happy_vs_angry`` (bool: is the inter-quartile range of angry
        utterances' F0 wider than the difference between the happy and angry medians?).
    rel : pandas.DataFrame
        The box-plot data, from :func:`course_utils.emotion.relative_prosody`.

    Returns
    -------
    bool
        True (and a success line) when every answer fits the data.

    Raises
    ------
    ExerciseFeedback
        Says which answer the data contradicts and why.

    Notebook: 04_emotion_recognition_solutions § Task 1: prosody vs emotion
    """
    if not isinstance(answers, dict):
        raise ExerciseFeedback(f"answers must be a dict, got {type(answers).__name__}")
    want_keys = {"highest_f0", "loudest", "angry_louder_than_neutral_by_3db", "range_wider_than_happy_vs_angry"}
    missing = want_keys - set(answers)
    if missing:
        raise ExerciseFeedback(f"answers is missing {sorted(missing)}")
    med = _medians(rel)
    for key, col, what in [("highest_f0", "f0_st", "median F0"), ("loudest", "energy_db", "median level")]:
        got = str(answers[key]).strip().lower()
        if got not in EMOTIONS:
            raise ExerciseFeedback(f"{key}: {answers[key]!r} is not one of the emotions {EMOTIONS}")
        want = str(med[col].idxmax())
        if got != want:
            raise ExerciseFeedback(
                f"{key}: the box plots say otherwise: {got} has a {what} of {med.loc[got, col]:+.1f} "
                f"re neutral, but another emotion is higher. Read the orange lines (medians), not the boxes' tops.")
    diff = med.loc["angry", "energy_db"] - med.loc["neutral", "energy_db"]
    expect_equal(bool(answers["angry_louder_than_neutral_by_3db"]), bool(diff > 3),
                 "angry_louder_than_neutral_by_3db",
                 hint=f"compare the medians of the middle panel (angry minus neutral = {diff:+.1f} dB).")
    angry = rel.loc[rel["emotion"] == "angry", "f0_st"]
    iqr = float(angry.quantile(0.75) - angry.quantile(0.25))
    gap = abs(med.loc["happy", "f0_st"] - med.loc["angry", "f0_st"])
    expect_equal(bool(answers["range_wider_than_happy_vs_angry"]), bool(iqr > gap),
                 "range_wider_than_happy_vs_angry",
                 hint=f"the angry box spans {iqr:.1f} semitones; the happy and angry medians differ by {gap:.1f}.")
    return passed("prosody quiz (checked against the measured medians)")


# --------------------------------------------------------------------------- task 2: prosodic extractor
def _harmonic(f0: np.ndarray, amp: float = 0.2) -> np.ndarray:
    phase = 2 * np.pi * np.cumsum(f0) / SR
    return (amp * sum(np.sin(k * phase) / k for k in range(1, 5))).astype(np.float32)


def _test_signals() -> dict[str, np.ndarray]:
    n = SR
    t = np.arange(n) / SR
    quiet = 1e-4 * np.random.default_rng(0).normal(size=SR // 2).astype(np.float32)
    return {
        "220 Hz tone": np.concatenate([quiet, _harmonic(np.full(n, 220.0)), quiet]),
        "glide 150->300 Hz": np.concatenate([quiet, _harmonic(150 * 2 ** t), quiet]),
        "220 Hz tone, 4x louder": np.concatenate([quiet, _harmonic(np.full(n, 220.0), amp=0.8), quiet]),
    }


def check_prosody_extractor(func) -> bool:
    """Test a student's prosodic feature extractor on signals whose answers are known.

    Parameters
    ----------
    func : callable
        ``func(y, sr) -> dict`` with ``f0_median_st``, ``f0_range_st``, ``f0_slope_st_per_s``,
        ``energy_db`` and ``speech_duration_s``.

    Returns
    -------
    bool
        True (and a success line) when every value is close to the known answer; otherwise
        :class:`~course_utils.checks.ExerciseFeedback` names the signal and the value that is off.

    Notebook: 04_emotion_recognition_solutions § Task 2: a prosodic feature extractor
    """
    sig = _test_signals()
    out = {name: call_student(func, y, SR) for name, y in sig.items()}
    keys = {"f0_median_st", "f0_range_st", "f0_slope_st_per_s", "energy_db", "speech_duration_s"}
    for name, d in out.items():
        if not isinstance(d, dict) or not keys <= set(d):
            got = sorted(d) if isinstance(d, dict) else type(d).__name__
            raise ExerciseFeedback(f"return a dict with keys {sorted(keys)}; got {got}")
        for k in keys:
            if not np.isfinite(float(d[k])):
                raise ExerciseFeedback(f"{name}: {k} is {d[k]} - use np.nanmedian/np.nanpercentile or drop "
                                       "unvoiced (NaN) frames before taking statistics")
    tone, glide, loud = out["220 Hz tone"], out["glide 150->300 Hz"], out["220 Hz tone, 4x louder"]
    want = 12 * np.log2(220 / 55)
    if abs(tone["f0_median_st"] - want) > 0.5:
        raise ExerciseFeedback(
            f"f0_median_st of a 220 Hz tone should be 12*log2(220/55) = {want:.1f} semitones, got "
            f"{tone['f0_median_st']:.2f}. Convert Hz to semitones re 55 Hz and use only voiced frames.")
    if tone["f0_range_st"] > 1.0:
        raise ExerciseFeedback(f"f0_range_st of a steady tone should be about 0, got {tone['f0_range_st']:.2f}")
    want_range = 0.8 * 12  # p90 - p10 of a line rising 12 st in 1 s
    if abs(glide["f0_range_st"] - want_range) > 1.5:
        raise ExerciseFeedback(
            f"f0_range_st of a glide rising one octave (12 st) evenly should be p90 - p10 = {want_range:.1f} st, "
            f"got {glide['f0_range_st']:.2f}. Use np.percentile(st, 90) - np.percentile(st, 10) of voiced frames.")
    if abs(glide["f0_slope_st_per_s"] - 12) > 2.5:
        raise ExerciseFeedback(
            f"f0_slope_st_per_s of that glide should be about +12 st/s, got {glide['f0_slope_st_per_s']:.2f}. "
            "Fit a line (np.polyfit(times, st, 1)[0]) to the voiced frames, times in seconds.")
    if abs(tone["f0_slope_st_per_s"]) > 1.5:
        raise ExerciseFeedback(f"a steady tone has slope 0, got {tone['f0_slope_st_per_s']:.2f} st/s")
    d_db = loud["energy_db"] - tone["energy_db"]
    if abs(d_db - 20 * np.log10(4)) > 1.0:
        raise ExerciseFeedback(
            f"a 4x louder signal should measure 20*log10(4) = 12.0 dB higher, got {d_db:+.2f} dB. "
            "Use 20*log10(frame RMS) and average over speech frames only (within 30 dB of the loudest).")
    if abs(tone["speech_duration_s"] - 1.0) > 0.12:
        raise ExerciseFeedback(
            f"the tone lasts 1.0 s between 0.5 s of near-silence on each side; speech_duration_s = "
            f"{tone['speech_duration_s']:.2f}. Measure from the first to the last frame within 30 dB of the peak.")
    return passed("prosodic feature extractor (pitch level, range, slope, energy, duration)")


# --------------------------------------------------------------------------- task 3: leave speakers out
class _Spy:
    """A 1-nearest-neighbour classifier that records which rows it was trained and tested on."""

    log: list = []

    def fit(self, X, y):
        X = np.asarray(X)
        self.X_, self.y_ = X, np.asarray(y)
        self.train_ids = set(np.round(X[:, 0]).astype(int).tolist())
        return self

    def predict(self, X):
        X = np.asarray(X)
        _Spy.log.append((self.train_ids, set(np.round(X[:, 0]).astype(int).tolist())))
        d = ((X[:, None, 1:] - self.X_[None, :, 1:]) ** 2).sum(-1)
        return self.y_[d.argmin(1)]


def check_leave_speakers_out(func) -> bool:
    """Test a student's leave-speakers-out cross-validation with a spy classifier.

    Parameters
    ----------
    func : callable
        ``func(X, y, speakers, make_model, n_folds) -> list of fold accuracies``; no speaker may be
        in both train and test of a fold, and every speaker must be tested exactly once.

    Returns
    -------
    bool
        True (and a success line) when the folds are speaker-independent.

    Raises
    ------
    ExerciseFeedback
        Says which fold leaks which speakers, or what else is wrong.

    Notebook: 04_emotion_recognition_solutions § Task 3: leave-speakers-out evaluation
    """
    rng = np.random.default_rng(0)
    n_spk, per = 12, 10
    spk = np.repeat(np.arange(100, 100 + n_spk), per)
    # leaky data: the label depends on the speaker; the features identify the speaker
    y = np.where(spk % 2 == 0, "happy", "sad")
    X = np.column_stack([spk, spk[:, None] * 10.0 + rng.normal(0, 0.1, (len(spk), 3))])
    _Spy.log = []
    accs = call_student(func, X, y, spk, _Spy, 4)
    try:
        accs = [float(a) for a in accs]
    except TypeError:
        raise ExerciseFeedback(f"return a list of fold accuracies, got {type(accs).__name__}") from None
    if len(accs) != 4:
        raise ExerciseFeedback(f"with n_folds=4 expected 4 fold accuracies, got {len(accs)}")
    if len(_Spy.log) != 4:
        raise ExerciseFeedback(f"make_model() should be fitted and used once per fold: predict was called "
                               f"{len(_Spy.log)} times for 4 folds")
    tested: list[int] = []
    for k, (train_ids, test_ids) in enumerate(_Spy.log):
        both = train_ids & test_ids
        if both:
            raise ExerciseFeedback(
                f"fold {k}: speakers {sorted(both)[:5]} are in both train and test. Split by speaker "
                "(GroupKFold or LeaveOneGroupOut with groups=speakers), not by utterance.")
        tested += sorted(test_ids)
    if sorted(tested) != sorted(set(spk.tolist())):
        raise ExerciseFeedback("every speaker must be in the test set of exactly one fold; "
                               f"tested speakers were {sorted(tested)}")
    if not all(0.0 <= a <= 1.0 for a in accs):
        raise ExerciseFeedback(f"accuracies must be fractions between 0 and 1, got {accs}")
    if np.mean(accs) > 0.5:
        raise ExerciseFeedback(
            f"on this data a speaker-independent split must fail (mean accuracy {np.mean(accs):.2f}): did you "
            "compute the accuracy on the held-out speakers' predictions?")
    return passed("leave-speakers-out evaluation (no speaker in both train and test)")


# --------------------------------------------------------------------------- the chapter's self-check
def _claim(ok: bool, what: str) -> None:
    if not ok:
        raise AssertionError(f"chapter 4 claim does not hold: {what}")


def assert_chapter_claims(df: pd.DataFrame, *, best_acc: float, best_uar: float, best_random_acc: float,
                          reference_acc: float, reference_random_acc: float, four_class_acc: float,
                          arousal_acc: float, cnn_acc: float, normalised_acc: float, plain_acc: float,
                          measured: pd.DataFrame) -> None:
    """Assert the claims chapter 4's text makes about its results, on RAVDESS or on the synthetic corpus.

    On RAVDESS (1440 files): the best model beats the 46% reference speaker-independently (UAR >
    45%), every random split is inflated, 4 classes > 55%, arousal > 70%, the CNN > 25% (chance
    12.5%), per-speaker normalisation helps the estimator, and angry is louder than sad by 3 dB. On the
    synthetic fallback (emotions rendered from :data:`course_utils.synth.EMOTION_PROSODY`): the best
    model > 60%, the random split not much better, the measured F0 and level follow the table
    (correlation > 0.8), the CNN > 25%.

    Parameters
    ----------
    df : pandas.DataFrame
        The dataset table (``df.attrs["synthetic"]`` says which corpus it is).
    best_acc, best_uar, best_random_acc : float
        Best feature model: actor-grouped accuracy and UAR, and its random-split accuracy.
    reference_acc, reference_random_acc : float
        The reference SVM, actor-grouped and with a random split.
    four_class_acc, arousal_acc : float
        The 4-class accuracy and the arousal accuracy of the best model.
    cnn_acc : float
        The CNN's accuracy on actors 17-24.
    normalised_acc, plain_acc : float
        The estimator with and without per-speaker normalisation, actors 17-24.
    measured : pandas.DataFrame
        Median ``f0_st``/``energy_db`` per emotion (rows in :data:`course_utils.emotion.EMOTIONS` order).

    Raises
    ------
    AssertionError
        Names the claim that does not hold.

    Notebook: 04_emotion_recognition § Self-check
    """
    _claim(cnn_acc > 0.25, f"CNN accuracy {cnn_acc:.3f} > 0.25 (chance is 12.5%)")
    if not df.attrs.get("synthetic", False):
        _claim(len(df) == 1440, f"RAVDESS has 1440 files, got {len(df)}")
        _claim(best_acc > 0.46, f"best model {best_acc:.3f} beats the 46% reference")
        _claim(best_random_acc > best_acc, f"random split {best_random_acc:.3f} > grouped {best_acc:.3f}")
        _claim(reference_random_acc > reference_acc,
               f"reference: random split {reference_random_acc:.3f} > grouped {reference_acc:.3f}")
        _claim(best_uar > 0.45 and four_class_acc > 0.55 and arousal_acc > 0.7,
               f"UAR {best_uar:.3f} > 0.45, 4 classes {four_class_acc:.3f} > 0.55, arousal {arousal_acc:.3f} > 0.7")
        _claim(normalised_acc > plain_acc, f"speaker-normalised {normalised_acc:.3f} > plain {plain_acc:.3f}")
        gap = measured.loc["angry", "energy_db"] - measured.loc["sad", "energy_db"]
        _claim(gap > 3, f"angry is louder than sad by more than 3 dB ({gap:+.1f} dB)")
        return
    # emotions rendered as prosody: easy to separate, and the measured prosody follows the table
    table = table_prediction().loc[list(EMOTIONS)]
    _claim(best_acc > 0.6, f"synthetic: best model {best_acc:.3f} > 0.6")
    _claim(best_random_acc >= best_acc - 0.05, f"synthetic: random {best_random_acc:.3f} >= grouped - 0.05")
    for col in ("f0_st", "energy_db"):
        r = np.corrcoef(measured[col], table[col])[0, 1]
        _claim(r > 0.8, f"synthetic: measured {col} follows the table (correlation {r:.2f} > 0.8)")
