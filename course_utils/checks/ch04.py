"""Auto-checks for ``solutions/04_emotion_recognition_solutions.ipynb`` (and the exercises made from it).

Each ``check_*`` raises :class:`~course_utils.checks.ExerciseFeedback` saying what is wrong and
where to look, or prints a success line.
"""
from __future__ import annotations

import numpy as np

from . import ExerciseFeedback, call_student, expect_equal, passed

__all__ = ["check_prosody_quiz", "check_prosody_extractor", "check_leave_speakers_out"]

SR = 16000


# --------------------------------------------------------------------------- task 1: prosody vs emotion
def _medians(rel) -> "pd.DataFrame":
    return rel.groupby("emotion")[["f0_st", "energy_db", "tempo"]].median()


def check_prosody_quiz(answers: dict, rel) -> bool:
    """Check the quiz against the box-plot data ``rel`` (from ``E.relative_prosody``).

    Expected keys: ``highest_f0`` (emotion with the highest median F0 re neutral), ``loudest``
    (highest median level), ``angry_louder_than_neutral_by_3db`` (bool) and
    ``range_wider_than_happy_vs_angry`` (bool: is the inter-quartile range of angry utterances'
    F0 wider than the difference between the happy and angry medians?).
    """
    from ..emotion import EMOTIONS

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
    """``func(y, sr) -> dict`` with ``f0_median_st``, ``f0_range_st``, ``f0_slope_st_per_s``,
    ``energy_db`` and ``speech_duration_s``, tested on signals whose answers are known."""
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
    """``func(X, y, speakers, make_model, n_folds) -> list of fold accuracies`` with no speaker in
    both train and test of a fold, and every speaker tested exactly once."""
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
