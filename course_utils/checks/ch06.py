"""Auto-checks for ``solutions/06_music_information_retrieval_solutions.ipynb`` (and its exercises).

Each ``check_*`` calls the student's function on inputs with a known answer, compares it with the
course implementation (:mod:`course_utils.mir`) or with ``mir_eval``, and raises
:class:`~course_utils.checks.ExerciseFeedback` saying what is wrong.
"""
from __future__ import annotations

from collections import Counter

import librosa
import mir_eval
import numpy as np

from ..audio import mix_at_snr
from ..mir.chords import chroma_from_stft
from ..mir.fingerprint import FP_HOP, FP_SR, constellation, hash_peaks
from ..synth.music import chord_progression, generated_song
from . import ExerciseFeedback, call_student, expect_close, passed

__all__ = ["check_chromagram", "check_hash_peaks", "check_identify", "check_beat_f_measure", "check_quiz",
           "build_dict_index"]


def _power_spec(y: np.ndarray, n_fft: int = 4096, hop: int = 2048) -> np.ndarray:
    return np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)) ** 2


def check_chromagram(func) -> bool:
    """``func(S, sr, n_fft)`` -> ``(12, frames)`` hard-binned chroma, each frame max-normalised.

    Parameters
    ----------
    func : callable
        The student's function to check.

    Notebook: 06_music_information_retrieval_solutions § Chapter 6 Solutions: music information retrieval
    """
    sr, n_fft = 22050, 4096
    y, _, labels = chord_progression(["C:maj", "A:min", "F#:maj"], 1.0, sr=sr, seed=0)
    S = _power_spec(y, n_fft)
    got = np.asarray(call_student(func, S, sr, n_fft))
    want = chroma_from_stft(S, sr, n_fft)
    if got.shape != want.shape:
        raise ExerciseFeedback(f"chromagram: expected shape {want.shape} (12 pitch classes x frames), got {got.shape}. "
                               "Sum the rows of S into 12 pitch-class rows; keep the frame axis.")
    if not np.allclose(got.max(axis=0), 1.0, atol=1e-6):
        raise ExerciseFeedback("chromagram: every frame should be scaled so that its largest pitch class is 1 "
                               "(divide each column by its maximum).")
    frame = S.shape[1] // 6  # inside the C major chord
    top = sorted(np.argsort(got[:, frame])[-3:].tolist())
    if top != [0, 4, 7]:
        raise ExerciseFeedback(f"chromagram: in a C major chord the three strongest pitch classes should be C, E, G "
                               f"(0, 4, 7), got {top}. Check the pitch-class formula "
                               "round(12*log2(f/440) + 69) mod 12 and that bin k has frequency k*sr/n_fft.")
    expect_close(got, want, "chromagram", atol=1e-4,
                 hint="Use only bins with 55 Hz <= f <= 5000 Hz (this also skips the 0 Hz bin) and add power, not magnitude.")
    return passed("chromagram from an STFT")


def check_hash_peaks(func) -> bool:
    """``func(peaks, fan_out, dt_max)`` -> list of ``(hash, anchor_frame)`` pairs.

    Parameters
    ----------
    func : callable
        The student's function to check.

    Notebook: 06_music_information_retrieval_solutions § Chapter 6 Solutions: music information retrieval
    """
    y, _ = generated_song(0, duration=6.0, sr=22050)
    peaks = constellation(y, 22050)
    for fan_out, dt_max in [(3, 20), (10, 63)]:
        got = call_student(func, peaks, fan_out, dt_max)
        try:
            got_pairs = Counter((int(h), int(t)) for h, t in got)
        except (TypeError, ValueError):
            raise ExerciseFeedback("hash_peaks: return a list of (hash, anchor_frame) pairs of integers.") from None
        h, a = hash_peaks(peaks, fan_out=fan_out, dt_max=dt_max)
        want_pairs = Counter(zip(h.tolist(), a.tolist()))
        if sum(got_pairs.values()) != sum(want_pairs.values()):
            raise ExerciseFeedback(
                f"hash_peaks(fan_out={fan_out}, dt_max={dt_max}): expected {sum(want_pairs.values())} hashes, got "
                f"{sum(got_pairs.values())}. Each anchor pairs with at most fan_out later peaks with 0 < dt <= dt_max "
                "(skip peaks in the same frame).")
        if got_pairs != want_pairs:
            missing = next(iter(want_pairs - got_pairs))
            f1, f2, dt = missing[0] >> 20, (missing[0] >> 8) & 0xFFF, missing[0] & 0xFF
            raise ExerciseFeedback(
                f"hash_peaks: the pair (hash={missing[0]}, anchor={missing[1]}) is missing, i.e. anchor bin {f1}, "
                f"target bin {f2}, dt {dt}. Pack as f1 * 2**20 + f2 * 2**8 + dt and store the anchor frame.")
    return passed("anchor-target hashing")


def build_dict_index(songs: dict[str, np.ndarray], sr: int) -> dict[int, list[tuple[str, int]]]:
    """A plain-dict inverted index ``hash -> [(track, anchor_frame), ...]`` (course hashing).

    Parameters
    ----------
    songs : dict
        Track name -> signal.
    sr : int
        Its sample rate.

    Notebook: 06_music_information_retrieval_solutions § Chapter 6 Solutions: music information retrieval
    """
    index: dict[int, list[tuple[str, int]]] = {}
    for name, y in songs.items():
        h, a = hash_peaks(constellation(y, sr))
        for hh, aa in zip(h.tolist(), a.tolist()):
            index.setdefault(hh, []).append((name, aa))
    return index


def check_identify(func) -> bool:
    """``func(query_hashes, query_times, index)`` -> ``(track, offset_frames)``.

    Parameters
    ----------
    func : callable
        The student's function to check.

    Notebook: 06_music_information_retrieval_solutions § Chapter 6 Solutions: music information retrieval
    """
    sr = 22050
    songs = {f"song{i}": generated_song(i, duration=15.0, sr=sr)[0] for i in range(3)}
    index = build_dict_index(songs, sr)
    rng = np.random.default_rng(0)
    for name, start_s in [("song1", 6.0), ("song2", 3.0), ("song0", 8.5)]:
        y = songs[name]
        clip = y[int(start_s * sr): int((start_s + 5) * sr)]
        clip = mix_at_snr(clip, rng.normal(size=clip.size).astype(np.float32), 5.0)
        qh, qa = hash_peaks(constellation(clip, sr))
        got = call_student(func, qh, qa, index)
        if not isinstance(got, tuple) or len(got) != 2:
            raise ExerciseFeedback(f"identify: return a tuple (track, offset_frames), got {got!r}")
        track, offset = got
        if track != name:
            raise ExerciseFeedback(f"identify: a query cut from {name} at {start_s} s was matched to {track!r}. Vote for "
                                   "(track, t_db - t_query) pairs and pick the pair with the most votes (not the "
                                   "track with the most matching hashes overall).")
        want = start_s * FP_SR / FP_HOP
        if abs(int(offset) - want) > 2:
            raise ExerciseFeedback(f"identify: the offset for {name} should be about {want:.0f} frames "
                                   f"(= {start_s} s), got {offset}. Offset = database anchor time - query anchor time.")
    return passed("offset-histogram matching")


def check_beat_f_measure(func) -> bool:
    """``func(reference, estimated, window=0.07)`` -> float, equal to ``mir_eval.beat.f_measure``.

    Parameters
    ----------
    func : callable
        The student's function to check.

    Notebook: 06_music_information_retrieval_solutions § Chapter 6 Solutions: music information retrieval
    """
    ref = np.arange(0.5, 10, 0.5)
    cases = {
        "perfect": ref.copy(),
        "50 ms late": ref + 0.05,
        "100 ms late": ref + 0.1,
        "double tempo": np.arange(0.5, 10, 0.25),
        "half tempo": ref[::2],
        "off-beat": ref + 0.25,
        "two estimates near one beat": np.sort(np.concatenate([ref, [0.52]])),
        "jittered": ref + np.random.default_rng(0).normal(0, 0.05, ref.size),
    }
    cases = {k: (ref, v) for k, v in cases.items()}
    # one estimate within the window of two (very close) reference beats may hit only one of them
    cases["one estimate between two close beats"] = (np.array([1.0, 1.1, 2.0, 3.0]), np.array([1.05, 2.0, 3.0]))
    for name, (r, est) in cases.items():
        est = np.sort(est)
        got = call_student(func, r, est, 0.07)
        want = mir_eval.beat.f_measure(r, est, f_measure_threshold=0.07)
        if not np.isfinite(got) or abs(float(got) - want) > 1e-6:
            raise ExerciseFeedback(
                f"beat F-measure, case '{name}': expected {want:.4f} (mir_eval), got {got}. Count a reference beat "
                "as hit only once (one estimate per beat, |error| <= window); precision = hits / #estimates, "
                "recall = hits / #references, F = 2PR / (P + R).")
    return passed("beat F-measure by hand (agrees with mir_eval)")


def check_quiz(answers: dict) -> bool:
    """Quiz on octave errors and fingerprint robustness (see the notebook for the questions).

    Parameters
    ----------
    answers : dict
        The student's answers.

    Notebook: 06_music_information_retrieval_solutions § Chapter 6 Solutions: music information retrieval
    """
    want_keys = {"f_half_tempo", "metric_forgiving_octave", "fingerprint_keeps"}
    if not isinstance(answers, dict) or set(answers) != want_keys:
        raise ExerciseFeedback(f"quiz: give a dict with exactly the keys {sorted(want_keys)}")
    if abs(float(answers["f_half_tempo"]) - 2 / 3) > 0.01:
        raise ExerciseFeedback("quiz f_half_tempo: at half tempo every estimate is correct (precision 1) but only "
                               "half the beats are found (recall 0.5). Compute F = 2PR/(P+R).")
    if str(answers["metric_forgiving_octave"]).strip().upper() != "AMLT":
        raise ExerciseFeedback("quiz metric_forgiving_octave: which continuity metric allows other metrical levels "
                               "(double/half tempo, off-beat)? CMLt or AMLt?")
    if str(answers["fingerprint_keeps"]).strip().lower() not in ("positions", "peak positions"):
        raise ExerciseFeedback("quiz fingerprint_keeps: a fingerprint keeps the 'positions' or the 'amplitudes' of "
                               "the spectral peaks? Which of the two does additive noise change less?")
    return passed("quiz")
