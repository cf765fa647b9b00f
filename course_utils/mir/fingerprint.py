"""Audio fingerprinting the Shazam way (Wang 2003): constellation peaks, anchor-target hashes,
an inverted index and offset-histogram matching.

Taught in ``notebooks/06_music_information_retrieval.ipynb`` (section "Audio fingerprinting")
and ``solutions/06_music_information_retrieval_solutions.ipynb`` (students write the hashing and
the matching).

1. :func:`constellation`: local maxima of the log spectrogram (a sparse "star map") that survive
   noise and equalisation because only their *positions* are kept.
2. :func:`hash_peaks`: each anchor peak is paired with the next ``fan_out`` peaks within
   ``dt_max`` frames; the triple (anchor frequency, target frequency, time difference) becomes
   one integer hash, stored with the anchor time.
3. :class:`FingerprintIndex`: an inverted index hash -> (track, time) kept as sorted arrays.
4. Matching: for each hash in the query, every database occurrence votes for
   (track, database time - query time). The true track gets many votes in *one* offset bin;
   random collisions spread over many bins. The score is the height of the tallest bin.
"""
from __future__ import annotations

import time
import zipfile
from pathlib import Path

import librosa
import numpy as np
from scipy.ndimage import maximum_filter

from ..audio import check_audio
from ..cache import atomic_path

__all__ = ["FP_SR", "FP_N_FFT", "FP_HOP", "fingerprint_spectrogram", "constellation", "pack_hash",
           "hash_peaks", "match_hashes", "FingerprintIndex"]

FP_SR = 11025  #: fingerprints are computed at this rate (music below 5.5 kHz is plenty)
FP_N_FFT = 1024
FP_HOP = 256  #: 23 ms frames


def fingerprint_spectrogram(y: np.ndarray, sr: int) -> np.ndarray:
    """Log-magnitude STFT (dB) at :data:`FP_SR`, shape ``(513, frames)``.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.

    Notebook: 06_music_information_retrieval § 5. Audio fingerprinting the Shazam way
    """
    y = check_audio(y, sr, name="y", min_duration=0.5)
    if sr != FP_SR:
        y = librosa.resample(y, orig_sr=sr, target_sr=FP_SR, res_type="soxr_mq")
    S = np.abs(librosa.stft(y, n_fft=FP_N_FFT, hop_length=FP_HOP))
    return librosa.amplitude_to_db(S, ref=np.max, top_db=80.0)


def constellation(y: np.ndarray, sr: int, *, neighborhood: tuple[int, int] = (25, 11), density: float = 30.0,
                  S_db: np.ndarray | None = None) -> np.ndarray:
    """Spectrogram peaks ``(n, 2)`` as integer ``(frame, bin)`` rows, sorted by time then frequency.

    A peak is the maximum of its ``neighborhood`` (bins x frames) and louder than the frame's
    median by 10 dB; the strongest ``density`` peaks per second are kept.

    Parameters
    ----------
    y : np.ndarray
        Mono audio.
    sr : int
        Its sample rate.
    neighborhood : tuple of int
        (frequency bins, frames) of the local-maximum filter.
    density : float
        Peaks kept per second of audio.
    S_db : np.ndarray, optional
        The spectrogram of ``y`` if already computed.

    Notebook: 06_music_information_retrieval § 5. Audio fingerprinting the Shazam way
    """
    S = fingerprint_spectrogram(y, sr) if S_db is None else np.asarray(S_db)
    local_max = maximum_filter(S, size=neighborhood, mode="constant", cval=-np.inf) == S
    strong = S > np.median(S, axis=0, keepdims=True) + 10.0
    f, t = np.nonzero(local_max & strong & (S > S.min()))
    n_keep = int(density * S.shape[1] * FP_HOP / FP_SR) + 1
    if f.size > n_keep:
        top = np.argsort(-S[f, t], kind="stable")[:n_keep]
        f, t = f[top], t[top]
    order = np.lexsort((f, t))
    return np.stack([t[order], f[order]], axis=1).astype(np.int64)


def pack_hash(f1: np.ndarray | int, f2: np.ndarray | int, dt: np.ndarray | int) -> np.ndarray | int:
    """One integer per (anchor bin ``f1``, target bin ``f2``, frame gap ``dt``):
    ``f1 * 2**20 + f2 * 2**8 + dt`` (bins < 4096, ``0 < dt < 256``).

    Parameters
    ----------
    f1 : int or np.ndarray
        Anchor frequency bin.
    f2 : int or np.ndarray
        Target frequency bin.
    dt : int or np.ndarray
        Frames from anchor to target.

    Notebook: 06_music_information_retrieval § Setup
    """
    return (np.asarray(f1, np.int64) << 20) | (np.asarray(f2, np.int64) << 8) | np.asarray(dt, np.int64)


def hash_peaks(peaks: np.ndarray, *, fan_out: int = 10, dt_max: int = 63) -> tuple[np.ndarray, np.ndarray]:
    """Anchor-target hashes of a constellation.

    For each peak (in the order given, sorted by time), the next ``fan_out`` peaks in the list
    with ``0 < dt <= dt_max`` frames are its targets. Returns ``(hashes, anchor_frames)``.

    Parameters
    ----------
    peaks : np.ndarray
        ``(n, 2)`` (frame, bin) peaks from :func:`constellation`.
    fan_out : int
        Target peaks paired with each anchor.
    dt_max : int
        Largest anchor-to-target distance (frames).

    Notebook: 06_music_information_retrieval_solutions § Task 2a: anchor-target hashes
    """
    peaks = np.asarray(peaks, dtype=np.int64)
    if peaks.ndim != 2 or peaks.shape[1] != 2:
        raise ValueError(f"peaks must have shape (n, 2) = (frame, bin) rows, got {peaks.shape}")
    if not 0 < dt_max < 256:
        raise ValueError(f"dt_max must be in 1..255, got {dt_max}")
    t, f = peaks[:, 0], peaks[:, 1]
    hashes, anchors = [], []
    n = len(peaks)
    # vectorised over anchors: look ahead k = 1, 2, ... positions and keep valid pairs
    count = np.zeros(n, dtype=np.int64)
    k = 1
    while k < n:
        i = np.arange(n - k)
        j = i + k
        dt = t[j] - t[i]
        if np.all(dt > dt_max):
            break
        ok = (dt > 0) & (dt <= dt_max) & (count[i] < fan_out)
        count[i[ok]] += 1
        hashes.append(pack_hash(f[i[ok]], f[j[ok]], dt[ok]))
        anchors.append(t[i[ok]])
        k += 1
    if not hashes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    h, a = np.concatenate(hashes), np.concatenate(anchors)
    order = np.lexsort((h, a))
    return h[order], a[order]


def match_hashes(q_hashes: np.ndarray, q_times: np.ndarray, db_hashes: np.ndarray, db_tracks: np.ndarray,
                 db_times: np.ndarray, n_tracks: int) -> tuple[np.ndarray, np.ndarray]:
    """Offset-histogram matching against a database sorted by hash.

    Returns ``(scores, offsets)`` per track: the height of the tallest bin of the histogram of
    ``db_time - query_time`` over matching hashes, and that offset (frames).

    Parameters
    ----------
    q_hashes : np.ndarray
        Query hashes.
    q_times : np.ndarray
        Their anchor frames.
    db_hashes : np.ndarray
        Sorted database hashes.
    db_tracks : np.ndarray
        Track of each database hash.
    db_times : np.ndarray
        Anchor frame of each database hash.
    n_tracks : int
        Tracks in the database.

    Notebook: 06_music_information_retrieval § Setup
    """
    lo = np.searchsorted(db_hashes, q_hashes, side="left")
    hi = np.searchsorted(db_hashes, q_hashes, side="right")
    n = hi - lo
    scores = np.zeros(n_tracks, dtype=np.int64)
    offsets = np.zeros(n_tracks, dtype=np.int64)
    if n.sum() == 0:
        return scores, offsets
    q_idx = np.repeat(np.arange(q_hashes.size), n)
    db_idx = np.repeat(lo - np.cumsum(np.concatenate([[0], n[:-1]])), n) + np.arange(n.sum())
    tracks = db_tracks[db_idx]
    offs = db_times[db_idx] - q_times[q_idx]
    key = tracks * (1 << 32) + (offs + (1 << 31))
    uniq, counts = np.unique(key, return_counts=True)
    u_tracks = uniq >> 32
    for tr in np.unique(u_tracks):
        sel = u_tracks == tr
        best = int(np.argmax(counts[sel]))
        scores[tr] = counts[sel][best]
        offsets[tr] = (uniq[sel][best] & ((1 << 32) - 1)) - (1 << 31)
    return scores, offsets


class FingerprintIndex:
    """An inverted index of fingerprint hashes for several tracks.

    >>> index = FingerprintIndex()
    >>> index.add("song A", y_a, sr); index.add("song B", y_b, sr)
    >>> index.identify(query, sr)   # {"track": "song A", "score": ..., "offset_s": ..., ...}

    Saved/loaded as NPZ (:meth:`save`, :meth:`load`).

    Parameters
    ----------
    fan_out : int
        Target peaks paired with each anchor.
    dt_max : int
        Largest anchor-to-target distance (frames).
    density : float
        Peaks kept per second of audio.

    Notebook: 06_music_information_retrieval § 5. Audio fingerprinting the Shazam way
    """

    def __init__(self, *, fan_out: int = 10, dt_max: int = 63, density: float = 30.0):
        self.fan_out, self.dt_max, self.density = fan_out, dt_max, density
        self.names: list[str] = []
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._built: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def fingerprint(self, y: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
        """``(hashes, anchor_frames)`` of a signal with this index's settings."""
        peaks = constellation(y, sr, density=self.density)
        return hash_peaks(peaks, fan_out=self.fan_out, dt_max=self.dt_max)

    def add(self, name: str, y: np.ndarray, sr: int) -> int:
        """Fingerprint ``y`` and add it as track ``name``; returns the number of hashes."""
        if name in self.names:
            raise ValueError(f"track {name!r} is already in the index")
        h, a = self.fingerprint(y, sr)
        self.names.append(str(name))
        self._parts.append((h, np.full(h.size, len(self.names) - 1, np.int64), a))
        self._built = None
        return int(h.size)

    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._built is None:
            if not self._parts:
                raise ValueError("the fingerprint index is empty: add() tracks first")
            h, tr, a = (np.concatenate(x) for x in zip(*self._parts))
            order = np.argsort(h, kind="stable")
            self._built = (h[order], tr[order], a[order])
        return self._built

    def __len__(self) -> int:
        return len(self.names)

    @property
    def n_hashes(self) -> int:
        return int(self._arrays()[0].size)

    def identify(self, y: np.ndarray, sr: int) -> dict:
        """Best matching track of a query: ``track``, ``score`` (votes in the best offset bin),
        ``offset_s`` (where the query starts in the track), ``margin`` (score ratio to the
        runner-up), ``seconds`` (query time)."""
        t0 = time.perf_counter()
        db_h, db_tr, db_a = self._arrays()
        qh, qa = self.fingerprint(y, sr)
        scores, offsets = match_hashes(qh, qa, db_h, db_tr, db_a, len(self.names))
        best = int(np.argmax(scores))
        runner = np.sort(scores)[-2] if len(scores) > 1 else 0
        return dict(track=self.names[best], score=int(scores[best]), offset_s=float(offsets[best] * FP_HOP / FP_SR),
                    margin=float(scores[best] / max(runner, 1)), seconds=time.perf_counter() - t0)

    def save(self, path: str | Path) -> Path:
        """Write the index as NPZ (no pickle), atomically: a failed save leaves an older file intact.

        Parameters
        ----------
        path : str or pathlib.Path
            The ``.npz`` file.

        Returns
        -------
        pathlib.Path
            ``path``.
        """
        h, tr, a = self._arrays()
        path = Path(path)
        with atomic_path(path) as tmp:
            np.savez(tmp, hashes=h, tracks=tr, times=a, names=np.array(self.names, dtype=str),
                     settings=np.array([self.fan_out, self.dt_max, self.density]))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "FingerprintIndex":
        """Read an index written by :meth:`save`."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"{path}: fingerprint index not found")
        try:
            with np.load(path, allow_pickle=False) as z:
                fan_out, dt_max, density = z["settings"]
                idx = cls(fan_out=int(fan_out), dt_max=int(dt_max), density=float(density))
                idx.names = [str(n) for n in z["names"]]
                idx._built = (z["hashes"], z["tracks"], z["times"])
                idx._parts = [idx._built]
        except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a fingerprint index, or a truncated one ({type(exc).__name__}: {exc})") from None
        return idx
