"""Sound event detection: a soundscape with exact event times, frame activity from a weak-label
network, and segment-based metrics (F1 and error rate as defined by Mesaros et al., 2016, the
definitions of ``sed_eval``).

Notebook: 09_sound_classification § Sound event detection in a soundscape
"""
from __future__ import annotations

import librosa
import numpy as np
import pandas as pd
import torch

from ..audio import mix_at_snr
from ..corruptions import pink_noise
from .data import HOP_MS, SR, clip_log_mel
from .training import normalize

__all__ = ["make_soundscape", "frame_activity", "activity_to_events", "segment_activity", "segment_metrics"]


def make_soundscape(clips: list[np.ndarray], labels, *, sr: int = SR, seconds: float = 60.0, snr_db: float = 10.0,
                    top_db: float = 30.0, seed: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
    """Place trimmed clips one after another, with random gaps, over pink noise; return audio and truth.

    Each clip is trimmed to its non-silent part (``librosa.effects.trim``, ``top_db``, 128-sample hops); its event is
    exactly that stretch. Events do not overlap; the noise is set ``snr_db`` below the events' mean power.

    Parameters
    ----------
    clips : list of np.ndarray
        Clips at ``sr``, used in order until the soundscape is full.
    labels : sequence
        The class of each clip.
    sr : int
        Sample rate.
    seconds : float
        Length of the soundscape.
    snr_db : float
        Events-to-background ratio.
    top_db : float
        Trim threshold.
    seed : int
        Seeds the gaps and the noise.

    Returns
    -------
    y : np.ndarray
        float32 soundscape.
    events : pd.DataFrame
        ``onset``, ``offset`` (s) and ``label`` of every event.

    Notebook: 09_sound_classification § Sound event detection in a soundscape
    """
    if len(clips) != len(labels) or not clips:
        raise ValueError(f"make_soundscape: {len(clips)} clips and {len(labels)} labels")
    rng = np.random.default_rng(seed)
    n = int(round(seconds * sr))
    events_audio = np.zeros(n, np.float32)
    rows, t = [], int(rng.uniform(0.5, 2.0) * sr)
    for clip, label in zip(clips, labels):
        part, _ = librosa.effects.trim(np.asarray(clip, np.float32), top_db=top_db, frame_length=512, hop_length=128)
        part = part / (np.sqrt(np.mean(part ** 2)) + 1e-12) * 0.1
        if t + len(part) > n:
            break
        events_audio[t:t + len(part)] = part
        rows.append(dict(onset=t / sr, offset=(t + len(part)) / sr, label=label))
        t += len(part) + int(rng.uniform(1.0, 4.0) * sr)
    active = np.zeros(n, bool)
    for r in rows:
        active[int(r["onset"] * sr):int(r["offset"] * sr)] = True
    noise = pink_noise(seconds, sr, rng)[:n]
    mix = mix_at_snr(events_audio[active], noise[active], snr_db)  # noise level set on the event samples
    gain = np.sqrt(np.mean((mix - events_audio[active]) ** 2) / (np.mean(noise[active] ** 2) + 1e-12))
    y = events_audio + gain * noise
    return (0.9 * y / np.max(np.abs(y))).astype(np.float32), pd.DataFrame(rows, columns=["onset", "offset", "label"])


def frame_activity(model: torch.nn.Module, y: np.ndarray, *, sr: int = SR, window: int = 157,
                   hop: int = 78) -> tuple[np.ndarray, float]:
    """Frame probabilities of an :class:`~course_utils.sound_events.networks.EscCNN` over a long recording.

    The log-mel is cut into 5-s windows (``window`` frames, ``hop`` apart), each normalised like a
    training clip (dB re its own peak); the network's frame probabilities of overlapping windows are averaged.

    Parameters
    ----------
    model : EscCNN
        Trained on clip labels.
    y : np.ndarray
        The recording at ``sr``.
    sr : int
        Sample rate.
    window, hop : int
        Window length and hop in input frames.

    Returns
    -------
    probs : np.ndarray
        ``(frames, n_classes)`` activity probabilities.
    frame_seconds : float
        Duration of one output frame.

    Notebook: 09_sound_classification § Sound event detection in a soundscape
    """
    power = librosa.db_to_power(clip_log_mel(y, sr))      # re the global peak; each window is re-referenced
    total = power.shape[1]
    if total < window:
        raise ValueError(f"frame_activity: the recording gives {total} frames, fewer than one window of {window}")
    f = model.time_factor
    out = np.zeros((total // f + 1, model.pool.frame.out_features))
    count = np.zeros(len(out))
    starts = list(range(0, total - window + 1, hop)) + [total - window]
    model.eval()
    with torch.no_grad():
        for s in sorted(set(starts)):
            W = librosa.power_to_db(power[:, s:s + window], ref=np.max, top_db=80.0)
            _, p, _ = model.frames(torch.from_numpy(normalize(W)[None]))
            p = p[0].numpy()
            a = s // f
            out[a:a + len(p)] += p
            count[a:a + len(p)] += 1
    keep = count > 0
    return out[keep] / count[keep, None], f * HOP_MS / 1000


def activity_to_events(probs: np.ndarray, frame_seconds: float, classes, *, threshold: float = 0.5) -> pd.DataFrame:
    """Threshold frame probabilities into events (runs of active frames per class).

    Parameters
    ----------
    probs : np.ndarray
        ``(frames, n_classes)``.
    frame_seconds : float
        Duration of a frame.
    classes : sequence
        Name of each class column.
    threshold : float
        Active where the probability exceeds it.

    Returns
    -------
    pd.DataFrame
        ``onset``, ``offset``, ``label``.

    Notebook: 09_sound_classification § Sound event detection in a soundscape
    """
    rows = []
    active = np.asarray(probs) > threshold
    for c, name in enumerate(classes):
        edges = np.diff(np.concatenate([[0], active[:, c].astype(int), [0]]))
        for on, off in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            rows.append(dict(onset=on * frame_seconds, offset=off * frame_seconds, label=name))
    return pd.DataFrame(rows, columns=["onset", "offset", "label"]).sort_values("onset", ignore_index=True)


def segment_activity(events: pd.DataFrame, classes, seconds: float, segment: float = 1.0) -> np.ndarray:
    """Which classes are active in each ``segment``-long stretch (active anywhere inside it).

    Parameters
    ----------
    events : pd.DataFrame
        ``onset``, ``offset``, ``label``.
    classes : sequence
        Class order of the columns.
    seconds : float
        Length of the recording.
    segment : float
        Segment length in seconds.

    Returns
    -------
    np.ndarray
        bool ``(segments, n_classes)``.

    Notebook: 09_sound_classification § Sound event detection in a soundscape
    """
    classes = list(classes)
    n = int(np.ceil(seconds / segment))
    A = np.zeros((n, len(classes)), bool)
    for r in events.itertuples():
        if r.label not in classes:
            raise ValueError(f"segment_activity: label {r.label!r} is not one of the classes")
        if r.offset > r.onset:
            A[int(r.onset // segment):int(np.ceil(r.offset / segment)), classes.index(r.label)] = True
    return A


def segment_metrics(reference: np.ndarray, estimate: np.ndarray) -> dict[str, float]:
    """Segment-based F1 and error rate (Mesaros, Heittola and Virtanen, 2016), micro-averaged.

    Per segment: ``tp`` = classes active in both, ``fn`` = in the reference only, ``fp`` = in the
    estimate only; substitutions ``min(fn, fp)``, deletions ``max(0, fn - fp)``, insertions
    ``max(0, fp - fn)``. F1 = ``2 TP / (2 TP + FP + FN)``; ER = ``(S + D + I) / N`` with ``N`` the
    number of active reference (segment, class) pairs.

    Parameters
    ----------
    reference, estimate : np.ndarray
        bool ``(segments, n_classes)`` from :func:`segment_activity`.

    Returns
    -------
    dict of str to float
        ``f1``, ``precision``, ``recall``, ``error rate``, ``substitutions``, ``deletions``, ``insertions``.

    Notebook: 09_sound_classification § Sound event detection in a soundscape
    """
    R, E = np.asarray(reference, bool), np.asarray(estimate, bool)
    if R.shape != E.shape:
        raise ValueError(f"segment_metrics: reference {R.shape} and estimate {E.shape} differ")
    tp, fn, fp = (R & E).sum(1), (R & ~E).sum(1), (~R & E).sum(1)
    S, D, I = np.minimum(fn, fp).sum(), np.maximum(0, fn - fp).sum(), np.maximum(0, fp - fn).sum()
    N = max(int(R.sum()), 1)
    TP, FP, FN = tp.sum(), fp.sum(), fn.sum()
    return {"f1": float(2 * TP / max(2 * TP + FP + FN, 1)), "precision": float(TP / max(TP + FP, 1)),
            "recall": float(TP / max(TP + FN, 1)), "error rate": float((S + D + I) / N),
            "substitutions": float(S / N), "deletions": float(D / N), "insertions": float(I / N)}
