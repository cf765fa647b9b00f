"""Chroma features and chord recognition: template matching plus HMM/Viterbi smoothing.

Taught in ``notebooks/06_music_information_retrieval.ipynb`` (section "Chroma and chords").
The chromagram folds spectral energy onto the 12 pitch classes; a chord is recognised per frame
by the cosine similarity of the chroma vector with 24 binary triad templates; a hidden Markov
model whose states are the chords (self-transition probability ``p_stay``) then picks the most
likely *sequence* with the Viterbi algorithm (``librosa.sequence.viterbi_discriminative``).
Scores come from ``mir_eval.chord``.
"""
from __future__ import annotations

import librosa
import mir_eval
import numpy as np
import pandas as pd

from ..audio import check_audio
from ..synth.music import CHORD_LABELS

__all__ = [
    "CHORD_LABELS",
    "chroma",
    "chroma_from_stft",
    "chord_templates",
    "chord_probabilities",
    "decode_chords",
    "frames_to_intervals",
    "recognize_chords",
    "evaluate_chords",
    "score_known_chords",
]



def chroma(y: np.ndarray, sr: int, *, kind: str = "cqt", hop_length: int = 2048) -> np.ndarray:
    """Chromagram ``(12, frames)`` from the STFT (``kind="stft"``) or the constant-Q transform.

    The CQT has log-spaced bins, 3 per semitone, so pitch classes are resolved equally well in
    every octave; the STFT's linear bins are too coarse for low notes with a short window.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    kind : {"stft", "cqt"}
        Chroma from the STFT or the constant-Q transform.
    hop_length : int
        Hop between frames (samples).

    Notebook: 06_music_information_retrieval § 2. Chroma and chords
    """
    y = check_audio(y, sr, name="y", min_duration=0.1)
    if kind == "stft":
        return librosa.feature.chroma_stft(y=y, sr=sr, hop_length=hop_length, n_fft=4 * hop_length)
    if kind == "cqt":
        return librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=hop_length)
    raise ValueError(f"kind must be 'stft' or 'cqt', got {kind!r}")


def chroma_from_stft(S: np.ndarray, sr: int, n_fft: int, *, fmin: float = 55.0, fmax: float = 5000.0) -> np.ndarray:
    """Hard-binned chromagram from a power spectrogram ``S`` (``(1 + n_fft // 2, frames)``).

    Each bin with centre frequency ``f`` in [``fmin``, ``fmax``] adds its power to pitch class
    ``round(12 * log2(f / 440) + 69) mod 12`` (0 = C); each frame is scaled to a maximum of 1.
    (librosa's ``chroma_stft`` spreads each bin over neighbouring classes with Gaussian weights.)

    Parameters
    ----------
    S : np.ndarray
        Power spectrogram ``(1 + n_fft // 2, frames)``.
    sr : int
        Its sample rate.
    n_fft : int
        FFT size of ``S``.
    fmin : float
        Lowest frequency used (Hz).
    fmax : float
        Highest frequency used (Hz).

    Notebook: 06_music_information_retrieval § Setup
    """
    S = np.asarray(S, dtype=float)
    if S.ndim != 2 or S.shape[0] != 1 + n_fft // 2:
        raise ValueError(f"S must have shape (1 + n_fft // 2, frames) = ({1 + n_fft // 2}, ...), got {S.shape}")
    freqs = np.arange(S.shape[0]) * sr / n_fft
    use = (freqs >= fmin) & (freqs <= fmax)
    pc = np.round(12 * np.log2(freqs[use] / 440.0) + 69).astype(int) % 12
    C = np.zeros((12, S.shape[1]))
    np.add.at(C, pc, S[use])
    return C / np.maximum(C.max(axis=0, keepdims=True), 1e-12)


def chord_templates() -> tuple[tuple[str, ...], np.ndarray]:
    """``(labels, T)``: the 24 triad labels and their unit-norm binary templates ``(24, 12)``.

    Notebook: 06_music_information_retrieval § Setup
    """
    T = np.zeros((24, 12))
    for i in range(12):
        T[i, [i, (i + 4) % 12, (i + 7) % 12]] = 1  # major: root, major third, fifth
        T[12 + i, [i, (i + 3) % 12, (i + 7) % 12]] = 1  # minor: root, minor third, fifth
    return CHORD_LABELS, T / np.linalg.norm(T, axis=1, keepdims=True)


def chord_probabilities(C: np.ndarray, *, beta: float = 20.0) -> np.ndarray:
    """Per-frame chord posteriors ``(24, frames)``: softmax of ``beta`` x cosine similarity.

    Parameters
    ----------
    C : np.ndarray
        Chromagram ``(12, frames)``.
    beta : float
        Sharpness of the softmax over template similarities.

    Notebook: 06_music_information_retrieval § 2. Chroma and chords
    """
    C = np.asarray(C, dtype=float)
    if C.ndim != 2 or C.shape[0] != 12:
        raise ValueError(f"chroma must have shape (12, frames), got {C.shape}")
    _, T = chord_templates()
    sim = T @ (C / np.maximum(np.linalg.norm(C, axis=0, keepdims=True), 1e-12))
    z = np.exp(beta * (sim - sim.max(axis=0, keepdims=True)))
    return z / z.sum(axis=0, keepdims=True)


def decode_chords(P: np.ndarray, *, smooth: bool = True, p_stay: float = 0.9) -> np.ndarray:
    """Chord index per frame: the arg-max of ``P`` or, with ``smooth``, the Viterbi path of an
    HMM whose transition matrix keeps the chord with probability ``p_stay``.

    Parameters
    ----------
    P : np.ndarray
        Chord posteriors ``(24, frames)``.
    smooth : bool
        Viterbi-smooth with the HMM instead of taking each frame's best chord.
    p_stay : float
        HMM probability that the chord stays the same from frame to frame.

    Notebook: 06_music_information_retrieval § 2. Chroma and chords
    """
    P = np.asarray(P, dtype=float)
    if P.ndim != 2 or P.shape[0] != 24:
        raise ValueError(f"P must have shape (24, frames), got {P.shape}")
    if not smooth:
        return P.argmax(axis=0)
    if not 0 < p_stay < 1:
        raise ValueError(f"p_stay must be in (0, 1), got {p_stay}")
    A = librosa.sequence.transition_loop(24, p_stay)
    return librosa.sequence.viterbi_discriminative(P, A)


def frames_to_intervals(idx: np.ndarray, times: np.ndarray, end_time: float) -> tuple[np.ndarray, list[str]]:
    """Merge runs of equal frame labels into mir_eval ``(intervals, labels)``.

    ``times`` are the frame start times (s), ``end_time`` the end of the last frame.

    Parameters
    ----------
    idx : np.ndarray
        Chord index per frame.
    times : np.ndarray
        Start time of each frame (s).
    end_time : float
        End of the last segment (s).

    Notebook: 06_music_information_retrieval § Evaluation on generated progressions with known labels
    """
    idx, times = np.asarray(idx), np.asarray(times, dtype=float)
    if idx.size == 0 or idx.size != times.size:
        raise ValueError(f"idx and times must be non-empty and equally long, got {idx.size} and {times.size}")
    change = np.flatnonzero(np.diff(idx)) + 1
    starts = np.concatenate([[0], change])
    t_start = times[starts]
    t_end = np.append(times[starts[1:]], end_time)
    intervals = np.stack([t_start, np.maximum(t_end, t_start + 1e-3)], axis=1)
    return intervals, [CHORD_LABELS[int(i)] for i in idx[starts]]


def recognize_chords(y: np.ndarray, sr: int, *, kind: str = "cqt", smooth: bool = True, p_stay: float = 0.9,
                     hop_length: int = 2048, beta: float = 20.0) -> tuple[np.ndarray, list[str]]:
    """Chroma -> template posteriors -> (smoothed) decoding -> ``(intervals, labels)``.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    kind : {"stft", "cqt"}
        Chroma from the STFT or the constant-Q transform.
    smooth : bool
        Viterbi-smooth with the HMM instead of taking each frame's best chord.
    p_stay : float
        HMM probability that the chord stays the same from frame to frame.
    hop_length : int
        Hop between frames (samples).
    beta : float
        Sharpness of the softmax over template similarities.

    Notebook: 06_music_information_retrieval § On a real recording
    """
    C = chroma(y, sr, kind=kind, hop_length=hop_length)
    idx = decode_chords(chord_probabilities(C, beta=beta), smooth=smooth, p_stay=p_stay)
    times = librosa.frames_to_time(np.arange(C.shape[1]), sr=sr, hop_length=hop_length)
    return frames_to_intervals(idx, times, y.size / sr)


def evaluate_chords(ref_intervals: np.ndarray, ref_labels: list[str], est_intervals: np.ndarray,
                    est_labels: list[str]) -> dict[str, float]:
    """``mir_eval.chord`` weighted accuracies: ``root`` and ``majmin`` (time-weighted).

    Parameters
    ----------
    ref_intervals : np.ndarray
        True ``(n, 2)`` segment times.
    ref_labels : list of str
        True chord labels.
    est_intervals : np.ndarray
        Estimated segment times.
    est_labels : list of str
        Estimated labels.

    Notebook: 06_music_information_retrieval § Evaluation on generated progressions with known labels
    """
    scores = mir_eval.chord.evaluate(np.asarray(ref_intervals, float), list(ref_labels),
                                     np.asarray(est_intervals, float), list(est_labels))
    return {"root": float(scores["root"]), "majmin": float(scores["majmin"])}


def score_known_chords(track: pd.Series, est_intervals: np.ndarray, est_labels: list[str], *,
                       until: float) -> str:
    """The chord scores of an estimate over the first ``until`` seconds of a track, when its chords are known.

    Parameters
    ----------
    track : pd.Series
        A row of :func:`course_utils.mir.load_tracks`; generated songs carry their chords in
        ``truth``, real recordings carry none.
    est_intervals : np.ndarray
        Estimated ``(n, 2)`` segment times.
    est_labels : list of str
        Estimated labels.
    until : float
        Seconds of the track that were analysed.

    Returns
    -------
    str
        :func:`evaluate_chords`' scores in words, or a sentence saying the recording has no annotation.

    Notebook: 06_music_information_retrieval § On a real recording
    """
    truth = track.get("truth")
    if not isinstance(truth, dict):
        return f"{track.key}: a real recording with no chord annotation here, so no score (listen instead)"
    known = [(s, min(e, until), lb) for s, e, lb in truth["chords"] if s < until]
    ref = np.array([(s, e) for s, e, _ in known])
    scores = evaluate_chords(ref, [lb for _, _, lb in known], est_intervals, est_labels)
    return f"{track.key}: generated song, known chords: {scores}"
