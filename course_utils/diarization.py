"""Speaker diarization: who spoke when.

Taught in ``notebooks/08_speaker_diarization.ipynb``. The classic modular recipe, one plain
function per step:

1. :func:`make_conversation` builds a test recording with known turns (and some overlap) from
   single-speaker utterances, and returns the reference segments;
2. :func:`change_scores` / :func:`pick_change_points`: metric-based speaker change detection
   (cosine distance of MFCC statistics, or ΔBIC between adjacent windows);
3. voice activity detection (:mod:`course_utils.vad`) and :func:`sliding_windows` over speech;
4. an embedding per window (any ``embed(y, sr)``: chapter 2's encoders, :func:`mfcc_stats_embed`,
   or :func:`resemblyzer_embed_windows`);
5. clustering: :func:`agglomerative_cluster` and :func:`spectral_cluster` (with
   :func:`estimate_n_speakers` by the eigen-gap);
6. :func:`labels_to_segments`, and :func:`resegment` (shorter windows labelled by the nearest
   cluster centroid: finer boundaries);
7. :func:`plot_timeline` against the truth, scored by
   :func:`course_utils.metrics.diarization.diarization_error_rate`.

:func:`pit_loss` is the permutation-invariant training loss of end-to-end neural diarization.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .audio import check_audio, normalize_rms

__all__ = [
    "make_conversation",
    "conversation_from_table",
    "frame_mfcc",
    "change_scores",
    "pick_change_points",
    "sliding_windows",
    "mfcc_stats_embed",
    "embed_windows",
    "resemblyzer_embed_windows",
    "cosine_affinity",
    "estimate_n_speakers",
    "agglomerative_cluster",
    "spectral_cluster",
    "labels_to_segments",
    "single_cluster_segments",
    "resegment",
    "merge_segments",
    "plot_timeline",
    "pit_loss",
    "diarize",
]

HOP_S = 0.01  # frame hop used throughout (10 ms)


# --------------------------------------------------------------------------- test recordings
def make_conversation(
    utterances: Sequence[np.ndarray],
    speakers: Sequence[Any],
    sr: int,
    *,
    overlap_prob: float = 0.2,
    overlap_s: tuple[float, float] = (0.2, 0.6),
    gap_s: tuple[float, float] = (0.1, 0.5),
    top_db: float = 30.0,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, list[tuple[float, float, Any]]]:
    """Concatenate single-speaker utterances into a conversation with known turns.

    Each utterance is trimmed of leading/trailing silence (``librosa.effects.trim``) and set to
    -20 dB RMS. Between consecutive utterances there is a pause drawn from ``gap_s``; when the
    speaker changes, with probability ``overlap_prob`` the next one starts early instead
    (an overlap drawn from ``overlap_s``, at most half the shorter utterance).

    Returns
    -------
    (y, reference)
        The mixture (float32) and the reference segments ``(start, end, speaker)`` in seconds.
    """
    import librosa

    if len(utterances) != len(speakers) or not utterances:
        raise ValueError(f"need one speaker label per utterance, got {len(utterances)} utterances and {len(speakers)} labels")
    rng = rng or np.random.default_rng(0)
    clips = []
    for i, u in enumerate(utterances):
        u = check_audio(u, sr, name=f"utterances[{i}]", min_duration=0.1)
        u, _ = librosa.effects.trim(u, top_db=top_db)
        clips.append(normalize_rms(u, -20.0))
    starts = [0.0]
    for i in range(1, len(clips)):
        prev_end = starts[-1] + clips[i - 1].size / sr
        if speakers[i] != speakers[i - 1] and rng.random() < overlap_prob:
            ov = min(rng.uniform(*overlap_s), 0.5 * min(clips[i].size, clips[i - 1].size) / sr)
            starts.append(max(starts[-1], prev_end - ov))
        else:
            starts.append(prev_end + rng.uniform(*gap_s))
    total = int(np.ceil((starts[-1] + clips[-1].size / sr) * sr)) + 1
    y = np.zeros(total, np.float32)
    ref = []
    for s, c, spk in zip(starts, clips, speakers):
        i0 = int(round(s * sr))
        y[i0:i0 + c.size] += c
        ref.append((i0 / sr, (i0 + c.size) / sr, spk))
    return y, ref


def conversation_from_table(
    df,
    actors: Sequence[Any],
    *,
    n_speakers: int = 3,
    n_turns: int = 10,
    max_utts_per_turn: int = 2,
    sr: int = 16000,
    rng: np.random.Generator | None = None,
    **kwargs,
) -> tuple[np.ndarray, list[tuple[float, float, Any]]]:
    """A conversation among ``n_speakers`` drawn from ``actors`` of a RAVDESS-like table.

    Turns alternate between different speakers (chosen at random); each turn is 1 to
    ``max_utts_per_turn`` utterances of that speaker. Labels are the table's ``speaker`` column.
    Extra keyword arguments go to :func:`make_conversation`.
    """
    from .audio import load_audio

    rng = rng or np.random.default_rng(0)
    pool = sorted(set(actors) & set(df["actor"]))
    if len(pool) < n_speakers:
        raise ValueError(f"need {n_speakers} actors, only {len(pool)} of {list(actors)} are in the table")
    chosen = list(rng.choice(pool, n_speakers, replace=False))
    utts, labels, prev = [], [], None
    for _ in range(n_turns):
        a = rng.choice([x for x in chosen if x != prev])
        prev = a
        rows = df[df["actor"] == a]
        k = int(rng.integers(1, max_utts_per_turn + 1))
        for path, spk in rows.sample(k, random_state=int(rng.integers(2**31)))[["path", "speaker"]].itertuples(index=False):
            utts.append(load_audio(path, sr=sr))
            labels.append(spk)
    return make_conversation(utts, labels, sr, rng=rng, **kwargs)


# --------------------------------------------------------------------------- change detection
def frame_mfcc(y: np.ndarray, sr: int, n_mfcc: int = 20, *, cmvn: bool = True) -> np.ndarray:
    """MFCC frames ``(frames, n_mfcc)`` at a 10 ms hop, mean/variance normalised over the recording."""
    from .features import mfcc

    F = mfcc(y, sr, n_mfcc=n_mfcc).T.astype(np.float64)
    if cmvn:
        F = (F - F.mean(0)) / (F.std(0) + 1e-8)
    return F


def _delta_bic(X1: np.ndarray, X2: np.ndarray, lam: float) -> float:
    X = np.vstack([X1, X2])
    n1, n2, n = len(X1), len(X2), len(X1) + len(X2)
    d = X.shape[1]

    def logdet(Z):
        C = np.cov(Z, rowvar=False) + 1e-6 * np.eye(d)
        return np.linalg.slogdet(C)[1]

    penalty = 0.5 * lam * (d + 0.5 * d * (d + 1)) * np.log(n)
    return 0.5 * (n * logdet(X) - n1 * logdet(X1) - n2 * logdet(X2)) - penalty


def change_scores(
    y: np.ndarray,
    sr: int,
    *,
    win_s: float = 1.0,
    step_s: float = 0.1,
    method: str = "cosine",
    speech_mask: np.ndarray | None = None,
    n_mfcc: int = 20,
    bic_lambda: float = 1.0,
    min_frames: int = 30,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance between the windows just before and just after each candidate time.

    ``method="cosine"``: cosine distance between the MFCC statistics (mean and std of normalised
    MFCCs) of the left and right window. ``method="bic"``: ΔBIC of modelling both windows with one
    full-covariance Gaussian vs one each (positive = two speakers are more likely).
    Only speech frames count when ``speech_mask`` (one bool per 10 ms) is given; candidates with
    fewer than ``min_frames`` speech frames on a side score NaN.

    Returns
    -------
    (times, scores)
    """
    if method not in ("cosine", "bic"):
        raise ValueError(f"method must be 'cosine' or 'bic', got {method!r}")
    if win_s <= 0 or step_s <= 0:
        raise ValueError(f"win_s and step_s must be positive, got {win_s}, {step_s}")
    y = check_audio(y, sr, name="y")
    F = frame_mfcc(y, sr, n_mfcc=13 if method == "bic" else n_mfcc)
    n = len(F)
    keep = np.ones(n, bool) if speech_mask is None else np.resize(np.asarray(speech_mask, bool), n)
    w = int(round(win_s / HOP_S))
    times = np.arange(win_s, n * HOP_S - win_s + 1e-9, step_s)
    scores = np.full(times.size, np.nan)
    for k, t in enumerate(times):
        c = int(round(t / HOP_S))
        L = F[max(0, c - w):c][keep[max(0, c - w):c]]
        R = F[c:c + w][keep[c:c + w]]
        if len(L) < min_frames or len(R) < min_frames:
            continue
        if method == "cosine":
            a = np.concatenate([L.mean(0), L.std(0)])
            b = np.concatenate([R.mean(0), R.std(0)])
            scores[k] = 1.0 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12)
        else:
            scores[k] = _delta_bic(L, R, bic_lambda)
    return times, scores


def pick_change_points(
    times: np.ndarray,
    scores: np.ndarray,
    *,
    threshold: float | None = None,
    min_distance_s: float = 1.0,
) -> np.ndarray:
    """Local maxima of the change score above ``threshold``, at least ``min_distance_s`` apart.

    With no threshold, the median plus one standard deviation of the (finite) scores is used.
    """
    from scipy.signal import find_peaks

    times = np.asarray(times, float)
    s = np.asarray(scores, float)
    if times.shape != s.shape:
        raise ValueError(f"times and scores must have the same shape, got {times.shape} and {s.shape}")
    if not np.isfinite(s).any():
        return np.zeros(0)
    if threshold is None:
        fin = s[np.isfinite(s)]
        threshold = float(np.median(fin) + fin.std())
    s = np.where(np.isfinite(s), s, -np.inf)
    step = np.median(np.diff(times)) if times.size > 1 else 1.0
    peaks, _ = find_peaks(np.where(np.isfinite(s), s, np.nanmin(scores) - 1), height=threshold,
                          distance=max(1, int(round(min_distance_s / step))))
    return times[peaks]


# --------------------------------------------------------------------------- windows + embeddings
def sliding_windows(
    speech: Sequence[tuple[float, float]],
    *,
    win_s: float = 1.5,
    hop_s: float = 0.75,
    min_s: float = 0.5,
) -> list[tuple[float, float]]:
    """Windows of ``win_s`` seconds every ``hop_s`` inside each speech region.

    A region shorter than a window but at least ``min_s`` long gives one window; the last window
    of a region is aligned to its end so no speech is left out.
    """
    if win_s <= 0 or hop_s <= 0:
        raise ValueError(f"win_s and hop_s must be positive, got {win_s}, {hop_s}")
    out = []
    for s, e in speech:
        if e - s < min_s:
            continue
        if e - s <= win_s:
            out.append((float(s), float(e)))
            continue
        starts = list(np.arange(s, e - win_s + 1e-9, hop_s))
        if starts[-1] + win_s < e - 1e-9:
            starts.append(e - win_s)
        out += [(float(a), float(a + win_s)) for a in starts]
    return out


def mfcc_stats_embed(y: np.ndarray, sr: int) -> np.ndarray:
    """The 120-dim MFCC statistics of chapter 1 as a (weak) speaker embedding for a window."""
    from .features import speaker_features

    return speaker_features(y, sr)


def embed_windows(
    y: np.ndarray,
    sr: int,
    windows: Sequence[tuple[float, float]],
    embed: Callable[[np.ndarray, int], np.ndarray] | Any,
) -> np.ndarray:
    """Embed every window: ``embed`` is a function ``(y, sr) -> vector`` or an object with
    ``.embed(y, sr)`` (chapter 2's :class:`Embedder`). Returns ``(n_windows, dim)``."""
    f = embed.embed if hasattr(embed, "embed") else embed
    if not windows:
        raise ValueError("embed_windows: no windows (did the VAD find any speech?)")
    return np.stack([np.asarray(f(y[int(s * sr):int(e * sr)], sr), np.float64).ravel() for s, e in windows])


_ENCODER = None


def resemblyzer_embed_windows(y: np.ndarray, sr: int, windows: Sequence[tuple[float, float]]) -> np.ndarray:
    """Resemblyzer's pretrained GE2E d-vector for every window, batched (fast).

    The 40-band mel spectrogram of the whole recording is computed once; each window's frames
    (at most 160, the encoder's 1.6 s partial length) go through the LSTM, batched by length,
    on one thread (cheaper on a shared CPU).
    """
    global _ENCODER
    import librosa
    import torch
    from resemblyzer import VoiceEncoder
    from resemblyzer.audio import wav_to_mel_spectrogram

    if _ENCODER is None:
        _ENCODER = VoiceEncoder("cpu", verbose=False)
    y = check_audio(y, sr, name="y", allow_silent=True)
    if sr != 16000:
        y = librosa.resample(y, orig_sr=sr, target_sr=16000)
    if not windows:
        raise ValueError("resemblyzer_embed_windows: no windows (did the VAD find any speech?)")
    mel = wav_to_mel_spectrogram(y)  # (frames, 40), 10 ms hop
    spans = []
    for s, e in windows:
        i0 = min(int(round(s * 100)), max(0, len(mel) - 1))
        n = max(1, min(160, int(round((e - s) * 100)), len(mel) - i0))
        spans.append((i0, n))
    out = np.zeros((len(windows), 256))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.no_grad():
            for n in sorted({n for _, n in spans}):
                idx = [k for k, (_, m) in enumerate(spans) if m == n]
                batch = np.stack([mel[spans[k][0]:spans[k][0] + n] for k in idx])
                out[idx] = _ENCODER(torch.from_numpy(batch).float()).numpy()
    finally:
        torch.set_num_threads(threads)
    return out


# --------------------------------------------------------------------------- clustering
def cosine_affinity(X: np.ndarray) -> np.ndarray:
    """Cosine similarity matrix of the rows of ``X``."""
    X = np.asarray(X, float)
    Xn = X / (np.linalg.norm(X, axis=1, keepdims=True) + 1e-12)
    return Xn @ Xn.T


def _refined_affinity(X: np.ndarray, p: float) -> np.ndarray:
    A = cosine_affinity(X)
    A = np.maximum(A, 0.0)
    n = len(A)
    if 0 < p < 1 and n > 2:  # keep each row's top p fraction of neighbours, then symmetrise
        k = max(2, int(np.ceil(p * n)))
        thr = -np.sort(-A, axis=1)[:, k - 1:k]
        A = np.where(A >= thr, A, 0.0)
        A = 0.5 * (A + A.T)
    return A


def estimate_n_speakers(affinity: np.ndarray, max_speakers: int = 8, *, min_speakers: int = 1) -> tuple[int, np.ndarray]:
    """Number of speakers by the eigen-gap of the normalised graph Laplacian.

    With ``L = I - D^{-1/2} A D^{-1/2}`` and eigenvalues ``λ_1 <= λ_2 <= ...``, a graph with ``k``
    well-separated groups has ``k`` eigenvalues near 0 and then a jump: ``k = argmax_k
    (λ_{k+1} - λ_k)`` for ``min_speakers <= k <= max_speakers``.

    Returns
    -------
    (k, eigenvalues)
    """
    A = np.asarray(affinity, float)
    d = A.sum(1)
    dinv = 1.0 / np.sqrt(np.maximum(d, 1e-12))
    L = np.eye(len(A)) - dinv[:, None] * A * dinv[None, :]
    lam = np.linalg.eigvalsh(L)
    m = min(max_speakers, len(lam) - 1)
    if m < 1:
        return 1, lam
    gaps = np.diff(lam[: m + 1])
    lo = max(1, min(min_speakers, m)) - 1
    return int(np.argmax(gaps[lo:])) + lo + 1, lam


def spectral_cluster(
    X: np.ndarray,
    n_speakers: int | None = None,
    *,
    max_speakers: int = 8,
    min_speakers: int = 1,
    p: float = 0.5,
    center: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, dict]:
    """Spectral clustering of embeddings on a pruned cosine affinity.

    With ``center`` the recording's mean embedding is subtracted first (what all windows share,
    e.g. channel and sentence, then no longer counts as similarity). Keeps each window's top ``p`` fraction of neighbours (p-pruning), estimates the number of
    speakers by the eigen-gap when ``n_speakers`` is None, embeds the windows with the first ``k``
    eigenvectors of the normalised Laplacian (rows normalised) and runs k-means.

    Returns
    -------
    (labels, info)
        ``info`` holds ``n_speakers``, ``eigenvalues`` and ``affinity``.
    """
    from sklearn.cluster import KMeans

    X = np.asarray(X, float)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be a non-empty (n_windows, dim) array, got shape {X.shape}")
    if len(X) == 1:
        return np.zeros(1, int), {"n_speakers": 1, "n_speakers_eigengap": 1, "eigenvalues": np.zeros(1), "affinity": np.ones((1, 1))}
    if center:
        X = X - X.mean(0)
    A = _refined_affinity(X, p)
    k_est, lam = estimate_n_speakers(A, max_speakers, min_speakers=min_speakers)
    k = int(n_speakers) if n_speakers is not None else k_est
    k = max(1, min(k, len(X)))
    d = A.sum(1)
    dinv = 1.0 / np.sqrt(np.maximum(d, 1e-12))
    L = np.eye(len(A)) - dinv[:, None] * A * dinv[None, :]
    _, V = np.linalg.eigh(L)
    U = V[:, :k]
    U = U / (np.linalg.norm(U, axis=1, keepdims=True) + 1e-12)
    labels = KMeans(k, n_init=10, random_state=seed).fit_predict(U) if k > 1 else np.zeros(len(X), int)
    return labels, {"n_speakers": k, "n_speakers_eigengap": k_est, "eigenvalues": lam, "affinity": A}


def agglomerative_cluster(
    X: np.ndarray,
    n_speakers: int | None = None,
    *,
    threshold: float = 1.0,
    linkage: str = "average",
    center: bool = True,
) -> np.ndarray:
    """Agglomerative (bottom-up) clustering with cosine distance.

    Merges the two closest clusters until ``n_speakers`` remain, or, when ``n_speakers`` is None,
    until the closest pair is farther apart than ``threshold`` (cosine distance, 1 = orthogonal).
    ``center`` subtracts the recording's mean embedding first (see :func:`spectral_cluster`).
    """
    from sklearn.cluster import AgglomerativeClustering

    X = np.asarray(X, float)
    if X.ndim != 2 or len(X) == 0:
        raise ValueError(f"X must be a non-empty (n_windows, dim) array, got shape {X.shape}")
    if len(X) == 1:
        return np.zeros(1, int)
    if center:
        X = X - X.mean(0)
    model = AgglomerativeClustering(
        n_clusters=n_speakers, distance_threshold=None if n_speakers else threshold,
        metric="cosine", linkage=linkage,
    )
    return model.fit_predict(X)


# --------------------------------------------------------------------------- segments
def merge_segments(segments: Sequence[tuple[float, float, Any]], *, max_gap: float = 0.0) -> list[tuple[float, float, Any]]:
    """Join consecutive segments of the same label separated by at most ``max_gap`` seconds."""
    out: list[list] = []
    for s, e, lab in sorted(segments, key=lambda t: (str(t[2]), t[0])):
        if out and out[-1][2] == lab and s - out[-1][1] <= max_gap + 1e-9:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e, lab])
    return sorted([(float(s), float(e), lab) for s, e, lab in out], key=lambda t: t[0])


def _frame_labels_to_segments(frame_lab: np.ndarray, names: Sequence[Any] | None = None) -> list[tuple[float, float, Any]]:
    segs = []
    start = None
    for i in range(len(frame_lab) + 1):
        cur = frame_lab[i] if i < len(frame_lab) else -1
        prev = frame_lab[i - 1] if i > 0 else -1
        if cur != prev:
            if prev >= 0:
                segs.append((start * HOP_S, i * HOP_S, names[int(prev)] if names is not None else f"spk{int(prev)}"))
            start = i
    return segs


def _speech_frames(speech: Sequence[tuple[float, float]], n: int) -> np.ndarray:
    m = np.zeros(n, bool)
    for s, e in speech:
        m[int(round(s / HOP_S)):int(round(e / HOP_S))] = True
    return m


def labels_to_segments(
    windows: Sequence[tuple[float, float]],
    labels: Sequence[int],
    speech: Sequence[tuple[float, float]],
) -> list[tuple[float, float, str]]:
    """Turn per-window labels into ``(start, end, "spkN")`` segments over the speech regions.

    Every 10 ms speech frame takes the label of the window whose centre is nearest.
    """
    if len(windows) != len(labels):
        raise ValueError(f"{len(windows)} windows but {len(labels)} labels")
    if not windows:
        return []
    end = max(e for _, e in speech) if speech else 0.0
    n = int(np.ceil(end / HOP_S))
    mask = _speech_frames(speech, n)
    centres = np.array([(s + e) / 2 for s, e in windows])
    t = (np.arange(n) + 0.5) * HOP_S
    nearest = np.abs(t[:, None] - centres[None, :]).argmin(1)
    frame_lab = np.where(mask, np.asarray(labels)[nearest], -1)
    return _frame_labels_to_segments(frame_lab)


def single_cluster_segments(speech: Sequence[tuple[float, float]]) -> list[tuple[float, float, str]]:
    """The trivial baseline: all detected speech is one speaker."""
    return [(float(s), float(e), "spk0") for s, e in speech]


def resegment(
    coarse: np.ndarray,
    labels: Sequence[int],
    fine: np.ndarray,
    *,
    smooth: int = 1,
    center: bool = True,
) -> np.ndarray:
    """Second pass at a finer time resolution: label short windows by the nearest speaker centroid.

    The first pass clusters long windows (reliable embeddings, coarse boundaries). Each cluster's
    centroid (mean of its ``coarse`` embeddings) then labels every ``fine`` embedding (shorter
    windows at a smaller hop) by cosine similarity, optionally averaged over ``smooth``
    neighbouring windows, which moves the boundaries closer to the true speaker changes.

    Parameters
    ----------
    coarse : (n, d) array
        Embeddings that were clustered.
    labels : (n,) ints
        Their cluster labels.
    fine : (m, d) array
        Embeddings of the finer windows (same encoder).
    smooth : int
        Moving-average length over consecutive fine windows (1 = none).
    center : bool
        Subtract the coarse mean embedding first (as the clustering did).

    Returns
    -------
    np.ndarray of int, shape (m,)
    """
    from scipy.ndimage import uniform_filter1d

    coarse = np.asarray(coarse, float)
    fine = np.asarray(fine, float)
    labels = np.asarray(labels)
    if coarse.ndim != 2 or fine.ndim != 2 or coarse.shape[1] != fine.shape[1]:
        raise ValueError(f"coarse and fine must be (n, d) and (m, d) with the same d, got {coarse.shape} and {fine.shape}")
    if len(labels) != len(coarse):
        raise ValueError(f"{len(coarse)} coarse embeddings but {len(labels)} labels")
    mu = coarse.mean(0) if center else np.zeros(coarse.shape[1])
    ks = np.unique(labels)
    C = np.stack([(coarse - mu)[labels == k].mean(0) for k in ks])
    F = fine - mu
    S = (F / (np.linalg.norm(F, axis=1, keepdims=True) + 1e-12)) @ (C / (np.linalg.norm(C, axis=1, keepdims=True) + 1e-12)).T
    if smooth > 1:
        S = uniform_filter1d(S, int(smooth), axis=0)
    return ks[S.argmax(1)]


# --------------------------------------------------------------------------- plotting
def plot_timeline(
    tracks: dict[str, Sequence[tuple[float, float, Any]]],
    *,
    ax=None,
    title: str = "Who spoke when",
):
    """One row per track (e.g. ``{"reference": ref, "hypothesis": hyp}``), one colour per label.

    Labels of the hypothesis are coloured independently of the reference (their names differ).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(12, 0.8 + 0.7 * len(tracks)))
    cmap = plt.get_cmap("tab10")
    names = list(tracks)
    handles = {}
    for row, name in enumerate(names):
        labs = sorted({str(lab) for *_, lab in tracks[name]})
        for s, e, lab in tracks[name]:
            c = cmap(labs.index(str(lab)) % 10)
            h = ax.broken_barh([(s, e - s)], (row - 0.4, 0.8), facecolors=c, alpha=0.8, edgecolor="k", linewidth=0.3)
            handles.setdefault(f"{name}: {lab}", h)
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel("time (s)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax


# --------------------------------------------------------------------------- end-to-end training
def pit_loss(logits, targets):
    """Permutation-invariant binary cross-entropy for end-to-end neural diarization (EEND).

    A network outputs one speech-activity logit per frame and *output slot*; which slot a speaker
    lands in is arbitrary, so the loss takes, for each recording, the best of all ``S!`` slot
    permutations of the targets.

    Parameters
    ----------
    logits, targets : torch.Tensor, shape ``(batch, frames, speakers)``
        Targets are 0/1 activities (two speakers may be active at once: overlap).

    Returns
    -------
    (loss, best_permutations)
        The mean over the batch of each recording's minimum BCE, and the minimising permutation
        of each recording (a tuple per recording: output slot ``j`` is matched to speaker
        ``perm[j]``).
    """
    import torch
    import torch.nn.functional as F

    if logits.shape != targets.shape or logits.ndim != 3:
        raise ValueError(f"logits and targets must both be (batch, frames, speakers), got {tuple(logits.shape)} and {tuple(targets.shape)}")
    S = logits.shape[-1]
    perms = list(itertools.permutations(range(S)))
    losses = torch.stack([
        F.binary_cross_entropy_with_logits(logits, targets[..., list(p)], reduction="none").mean(dim=(1, 2))
        for p in perms
    ], dim=1)  # (batch, S!)
    best, arg = losses.min(dim=1)
    return best.mean(), [perms[i] for i in arg.tolist()]


# --------------------------------------------------------------------------- the whole recipe
def diarize(
    y: np.ndarray,
    sr: int,
    embed: Callable[[np.ndarray, int, Sequence[tuple[float, float]]], np.ndarray],
    *,
    method: str = "spectral",
    n_speakers: int | None = None,
    threshold: float = 1.0,
    win_s: float = 1.5,
    hop_s: float = 0.75,
    fine: tuple[float, float] | None = (1.0, 0.25),
    vad: str = "webrtc",
    min_speakers: int = 1,
) -> dict[str, Any]:
    """VAD → sliding windows → embeddings → clustering → (resegmentation) → segments.

    Parameters
    ----------
    embed : callable ``(y, sr, windows) -> (n_windows, dim)``
        E.g. :func:`resemblyzer_embed_windows`, or ``lambda y, sr, w: embed_windows(y, sr, w, embedder)``.
    method : ``"spectral"`` or ``"agglomerative"``
    n_speakers : int, optional
        Known number of speakers; otherwise the eigen-gap (spectral) or ``threshold`` (agglomerative).
    fine : (win_s, hop_s) or None
        Windows of the resegmentation pass; None skips it.

    Returns
    -------
    dict
        ``segments`` (final), ``first_pass`` (before resegmentation), ``speech`` (VAD regions),
        ``windows``, ``labels``, ``n_speakers``.
    """
    from .vad import speech_segments

    if method not in ("spectral", "agglomerative"):
        raise ValueError(f"method must be 'spectral' or 'agglomerative', got {method!r}")
    y = check_audio(y, sr, name="y", min_duration=0.5)
    speech = speech_segments(y, sr, method=vad)
    windows = sliding_windows(speech, win_s=win_s, hop_s=hop_s)
    if not windows:
        return {"segments": [], "first_pass": [], "speech": speech, "windows": [], "labels": np.zeros(0, int), "n_speakers": 0}
    E = embed(y, sr, windows)
    if method == "spectral":
        labels, info = spectral_cluster(E, n_speakers, min_speakers=min_speakers)
    else:
        labels = agglomerative_cluster(E, n_speakers, threshold=threshold)
    first = labels_to_segments(windows, labels, speech)
    segs = first
    if fine is not None and len(np.unique(labels)) > 1:
        fwin = sliding_windows(speech, win_s=fine[0], hop_s=fine[1], min_s=min(0.3, fine[0]))
        segs = labels_to_segments(fwin, resegment(E, labels, embed(y, sr, fwin)), speech)
    return {"segments": segs, "first_pass": first, "speech": speech, "windows": windows,
            "labels": labels, "n_speakers": int(len(np.unique(labels)))}
