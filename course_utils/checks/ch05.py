"""Auto-checks for ``solutions/05_speech_enhancement_solutions.ipynb`` (and its exercises).

Taught in ``notebooks/05_speech_enhancement.ipynb``: the spectral-subtraction quiz, spectral
subtraction with a floor, and SI-SDR. Each check calls the student's code through
:func:`~course_utils.checks.call_student` and raises
:class:`~course_utils.checks.ExerciseFeedback` saying what is wrong.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..enhancement.classical import subtract_noise_power
from ..metrics.enhancement import si_sdr, snr
from . import ExerciseFeedback, call_student, expect_close, passed

__all__ = ["QUIZ_QUESTIONS", "check_quiz", "check_subtract_with_floor", "check_si_sdr", "assert_chapter_claims"]

#: Multiple-choice questions on the principle of spectral subtraction: key -> (question, options).
QUIZ_QUESTIONS: dict[str, tuple[str, dict[str, str]]] = {
    "assumption": (
        "What must hold for spectral subtraction to work?",
        {"a": "the noise is speech-like",
         "b": "the noise is additive and its power spectrum changes slowly enough to be estimated (e.g. in pauses)",
         "c": "the noise is multiplicative (convolutive)"},
    ),
    "musical_noise": (
        "Where does 'musical noise' come from?",
        {"a": "from the spectral floor beta",
         "b": "from isolated bins where the noise exceeded its average estimate and survived the subtraction",
         "c": "from using the clean phase"},
    ),
    "alpha": (
        "What does a larger over-subtraction factor alpha do?",
        {"a": "removes more noise and more speech (more distortion)",
         "b": "removes less noise but keeps more speech",
         "c": "only changes the phase"},
    ),
    "phase": (
        "Which phase is used to resynthesise the enhanced signal?",
        {"a": "the clean speech's phase", "b": "the noisy signal's phase", "c": "zero phase"},
    ),
    "babble": (
        "Why does spectral subtraction help little with babble noise?",
        {"a": "babble is too quiet",
         "b": "babble is white",
         "c": "babble changes all the time and looks like speech, so an average noise spectrum is a poor estimate"},
    ),
}
_QUIZ_ANSWERS = {"assumption": "b", "musical_noise": "b", "alpha": "a", "phase": "b", "babble": "c"}
_QUIZ_HINTS = {
    "assumption": "the noise estimate is taken where there is no speech and then used everywhere",
    "musical_noise": "listen to the seed's alpha=2, beta=0 output: short random tones between the words",
    "alpha": "alpha multiplies the noise estimate that is subtracted from every bin, speech bins included",
    "phase": "only magnitudes are modified; the STFT's phase comes from the only signal we have",
    "babble": "compare the babble and white columns of the chapter's table",
}


def check_quiz(answers: dict[str, str]) -> bool:
    """Check the answers to the spectral-subtraction quiz (:data:`QUIZ_QUESTIONS`).

    Parameters
    ----------
    answers : dict of str to str
        Question key -> ``"a"``, ``"b"`` or ``"c"``.

    Returns
    -------
    bool
        True when every answer is right; otherwise :class:`~course_utils.checks.ExerciseFeedback`
        names the wrong ones with a hint.

    Notebook: 05_speech_enhancement_solutions § Task 1 — The principle of spectral subtraction (written)
    """
    if not isinstance(answers, dict):
        raise ExerciseFeedback(f"answers must be a dict like {{'assumption': 'b', ...}}, got {type(answers).__name__}")
    missing = [k for k in QUIZ_QUESTIONS if k not in answers]
    if missing:
        raise ExerciseFeedback(f"answer every question: missing {missing}")
    wrong = []
    for key, want in _QUIZ_ANSWERS.items():
        got = str(answers[key]).strip().lower()
        if got not in QUIZ_QUESTIONS[key][1]:
            raise ExerciseFeedback(f"{key}: answer with one of {sorted(QUIZ_QUESTIONS[key][1])}, got {answers[key]!r}")
        if got != want:
            wrong.append(f"{key} ({QUIZ_QUESTIONS[key][0]}) - hint: {_QUIZ_HINTS[key]}")
    if wrong:
        raise ExerciseFeedback(f"{len(wrong)} of {len(QUIZ_QUESTIONS)} answers are wrong:\n  " + "\n  ".join(wrong))
    return passed("spectral subtraction quiz")


def check_subtract_with_floor(func: Callable) -> bool:
    """Check the student's Berouti rule ``func(noisy_power, noise_power, alpha, beta) -> clean power``.

    Parameters
    ----------
    func : callable
        The student's function.

    Returns
    -------
    bool
        True when it matches :func:`course_utils.enhancement.subtract_noise_power`; otherwise
        :class:`~course_utils.checks.ExerciseFeedback` says what is wrong (negative powers, floor of 0...).

    Notebook: 05_speech_enhancement_solutions § Task 2 — Spectral subtraction with a floor
    """
    rng = np.random.default_rng(5)
    P = rng.exponential(1.0, size=(33, 20))
    N = np.full((33, 1), 0.8)
    for alpha, beta in ((2.0, 0.0), (4.0, 0.02), (1.0, 0.5)):
        got = np.asarray(call_student(func, P.copy(), N.copy(), alpha, beta), dtype=float)
        want = subtract_noise_power(P, N, alpha, beta)
        if got.shape != want.shape:
            raise ExerciseFeedback(
                f"alpha={alpha}, beta={beta}: expected shape {want.shape} (the noise power {N.shape} "
                f"broadcasts over frames), got {got.shape}")
        if np.any(got < 0):
            raise ExerciseFeedback(
                f"alpha={alpha}, beta={beta}: {int(np.sum(got < 0))} bins are negative; a power cannot be "
                f"negative: where |Y|^2 - alpha |N|^2 falls below beta |N|^2, use the floor beta |N|^2")
        if beta > 0 and np.allclose(got, np.maximum(P - alpha * N, 0)):
            raise ExerciseFeedback(
                f"alpha={alpha}, beta={beta}: you clip at 0; the floor is beta * noise_power, not 0")
        if beta > 0 and np.allclose(got, np.where(P - alpha * N > beta * N, P - alpha * N, beta * P)):
            raise ExerciseFeedback(
                f"alpha={alpha}, beta={beta}: the floor is beta times the NOISE power, not the noisy power")
        if np.allclose(got, subtract_noise_power(P, N, 1.0, beta)) and alpha != 1.0:
            raise ExerciseFeedback(f"alpha={alpha}: subtract alpha * noise_power, not noise_power alone")
        expect_close(got, want, f"clean power estimate for alpha={alpha}, beta={beta}", rtol=1e-6, atol=1e-9,
                     hint="|S|^2 = |Y|^2 - alpha|N|^2 where that exceeds beta|N|^2, else beta|N|^2")
    return passed("spectral subtraction with a floor")


def check_si_sdr(func: Callable) -> bool:
    """Check the student's ``func(reference, estimate) -> SI-SDR in dB`` against the course's implementation.

    Parameters
    ----------
    func : callable
        ``si_sdr(reference, estimate)`` as written in the exercise.

    Returns
    -------
    bool
        True if its values match :func:`course_utils.metrics.enhancement.si_sdr` (also scaled and with a DC
        offset); otherwise :class:`~course_utils.checks.ExerciseFeedback` says what is wrong.

    Notebook: 05_speech_enhancement_solutions § Task 3 — SI-SDR
    """
    rng = np.random.default_rng(6)
    s = rng.normal(size=4000).astype(np.float64)
    s -= s.mean()
    noisy = s + 0.3 * rng.normal(size=s.size)
    noisy -= noisy.mean()
    got = float(call_student(func, s, noisy))
    want = si_sdr(s, noisy)
    if np.isclose(got, snr(s, noisy), atol=1e-3) and not np.isclose(got, want, atol=1e-3):
        raise ExerciseFeedback("you computed the plain SNR: first project the estimate on the reference "
                               "(alpha = <estimate, reference> / ||reference||^2) and compare with alpha * reference")
    expect_close(got, want, "SI-SDR of a noisy signal", atol=1e-3,
                 hint="SI-SDR = 10 log10(||alpha s||^2 / ||alpha s - estimate||^2)")
    scaled = float(call_student(func, s, 0.25 * noisy))
    if not np.isclose(scaled, want, atol=1e-3):
        raise ExerciseFeedback(f"not scale invariant: SI-SDR(s, 0.25 * estimate) = {scaled:.3f} dB but "
                               f"SI-SDR(s, estimate) = {want:.3f} dB; the projection alpha must absorb the gain")
    ref2 = rng.normal(size=3000) + 0.5  # not zero-mean
    est2 = 2.0 * ref2 + 0.5 * rng.normal(size=ref2.size) + 0.3
    got2 = float(call_student(func, ref2, est2))
    expect_close(got2, si_sdr(ref2, est2), "SI-SDR of signals with a DC offset", atol=1e-3,
                 hint="remove the mean of both signals first (zero-mean SI-SDR, as in Le Roux et al. 2019)")
    return passed("SI-SDR")


def assert_chapter_claims(grid, b0, goal: dict, *, live: str, shipped: str, classical: list[str],
                          synthetic: bool) -> None:
    """The claims chapter 5's text makes about its numbers, on RAVDESS or (offline) the synthetic corpus.

    Parameters
    ----------
    grid : pandas.DataFrame
        Mean SI-SDR per method (rows) and noise (columns), over the SNRs.
    b0 : pandas.DataFrame
        Mean SI-SDR, STOI and PESQ per method on babble at 0 dB.
    goal : dict
        For the live and the shipped network: (SI-SDR gain over the best noisereduce, share of the PESQ gap closed).
    live, shipped : str
        Method names of the network trained in the notebook and of the shipped checkpoint.
    classical : list of str
        The classical methods' names.
    synthetic : bool
        Whether the chapter ran on the synthetic fallback.

    Raises
    ------
    AssertionError
        A claim of the text does not hold.

    Notebook: 05_speech_enhancement § Self-check
    """
    margin = 3 if synthetic else 5  # dB the decision-directed Wiener filter gains on stationary noise
    for kind in ("white", "pink"):
        assert grid.loc["Wiener (decision-directed)", kind] > grid.loc["noisy", kind] + margin, kind
    if synthetic:
        # offline, the relevant network is the one trained here on the synthetic corpus (the shipped one saw RAVDESS)
        assert b0.loc[live, "si_sdr"] > b0.loc[classical, "si_sdr"].max()
        assert goal[live][0] > 0.5, goal[live]
        return
    # both networks clearly improve on the noisy input
    assert min(b0.loc[live, "si_sdr"], b0.loc[shipped, "si_sdr"]) > b0.loc["noisy", "si_sdr"] + 1
    # the shipped checkpoint (same recipe, more steps) beats every classical method and the short run
    assert b0.loc[shipped, "si_sdr"] > max(b0.loc[classical, "si_sdr"].max(), b0.loc[live, "si_sdr"])
    gain_vs_nr, pesq_gap_closed = goal[shipped]
    assert gain_vs_nr >= 3.0, gain_vs_nr  # the SI-SDR goal, met (section 8)
    # the PESQ goal (>= 50 % of the gap) is NOT met (section 8 says so); assert what is reached
    assert pesq_gap_closed > 0.02, pesq_gap_closed

