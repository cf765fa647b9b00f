"""Streaming audio: a ring buffer, a frame buffer, and a chunk-by-chunk runner that times decisions.

Taught in ``notebooks/07_integrated_pipeline.ipynb`` (real-time processing); the frame buffer is
exercise 2 of ``solutions/07_integrated_pipeline_solutions.ipynb``.

A microphone delivers audio in chunks (say 100 ms). A real-time system keeps the most recent
few seconds in a fixed-size **ring buffer** (no reallocation, the oldest samples are overwritten),
and after each chunk makes a decision on the buffered window. The **latency** of a decision is the
time from the chunk's arrival to the decision; the system keeps up when the average latency is
below the chunk duration.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from .audio import check_audio

__all__ = ["RingBuffer", "FrameBuffer", "iter_chunks", "run_stream"]


class RingBuffer:
    """Fixed-capacity float32 buffer holding the most recent ``capacity`` samples.

    Parameters
    ----------
    capacity : int
        Number of samples kept (e.g. ``2 * sr`` for the last two seconds).

    Examples
    --------
    >>> rb = RingBuffer(4); rb.write(np.arange(6.0)); rb.read().tolist()
    [2.0, 3.0, 4.0, 5.0]

    Notebook: 07_integrated_pipeline § Streaming: a ring buffer and the latency per chunk
    """

    def __init__(self, capacity: int):
        if not isinstance(capacity, (int, np.integer)) or capacity <= 0:
            raise ValueError(f"RingBuffer: capacity must be a positive integer, got {capacity!r}")
        self.capacity = int(capacity)
        self._data = np.zeros(self.capacity, dtype=np.float32)
        self._pos = 0  # next write index
        self._filled = 0
        self.total_written = 0

    def __len__(self) -> int:
        return self._filled

    @property
    def full(self) -> bool:
        return self._filled == self.capacity

    def write(self, x: np.ndarray) -> None:
        """Append samples; when more than ``capacity`` arrive, only the newest are kept."""
        x = np.asarray(x, dtype=np.float32).ravel()
        self.total_written += x.size
        if x.size >= self.capacity:
            self._data[:] = x[-self.capacity:]
            self._pos, self._filled = 0, self.capacity
            return
        end = self._pos + x.size
        if end <= self.capacity:
            self._data[self._pos:end] = x
        else:
            k = self.capacity - self._pos
            self._data[self._pos:] = x[:k]
            self._data[: x.size - k] = x[k:]
        self._pos = end % self.capacity
        self._filled = min(self.capacity, self._filled + x.size)

    def read(self, n: int | None = None) -> np.ndarray:
        """The newest ``n`` samples (all buffered samples by default), oldest first, as a copy."""
        n = self._filled if n is None else int(n)
        if n < 0 or n > self._filled:
            raise ValueError(f"RingBuffer.read: asked for {n} samples, {self._filled} are buffered")
        start = (self._pos - n) % self.capacity
        if start + n <= self.capacity:
            return self._data[start:start + n].copy()
        return np.concatenate([self._data[start:], self._data[: (start + n) % self.capacity]])

    def clear(self) -> None:
        self._pos = self._filled = 0


class FrameBuffer:
    """Cut a stream of arbitrary-size chunks into overlapping frames of ``frame_length`` samples
    every ``hop_length`` samples (the seed chapter's streaming loop, done without list copies).

    ``push(chunk)`` returns the list of frames completed by that chunk (possibly empty). Frames
    are exactly the ones ``librosa.util.frame(stream, frame_length, hop_length)`` would give.

    Parameters
    ----------
    frame_length, hop_length : int
        Frame length and hop in samples.

    Notebook: 07_integrated_pipeline_solutions § Task 2 — A streaming frame buffer
    """

    def __init__(self, frame_length: int, hop_length: int):
        if frame_length <= 0 or hop_length <= 0:
            raise ValueError(f"FrameBuffer: frame_length and hop_length must be positive, got {frame_length}, {hop_length}")
        self.frame_length, self.hop_length = int(frame_length), int(hop_length)
        self._buf = np.zeros(0, dtype=np.float32)

    def push(self, chunk: np.ndarray) -> list[np.ndarray]:
        self._buf = np.concatenate([self._buf, np.asarray(chunk, dtype=np.float32).ravel()])
        frames = []
        while self._buf.size >= self.frame_length:
            frames.append(self._buf[: self.frame_length].copy())
            self._buf = self._buf[self.hop_length:]
        return frames


def iter_chunks(y: np.ndarray, sr: int, chunk_ms: float = 100.0) -> Iterator[np.ndarray]:
    """Yield consecutive chunks of ``chunk_ms`` milliseconds (the last one may be shorter).

    Parameters
    ----------
    y : np.ndarray
        Mono signal.
    sr : int
        Sample rate.
    chunk_ms : float
        Chunk duration (ms).

    Yields
    ------
    np.ndarray

    Notebook: 07_integrated_pipeline § Streaming: a ring buffer and the latency per chunk ; 07_integrated_pipeline_solutions § Task 2 — A streaming frame buffer
    """
    if chunk_ms <= 0:
        raise ValueError(f"chunk_ms must be positive, got {chunk_ms}")
    y = check_audio(y, sr, name="y", allow_silent=True)
    step = max(1, int(round(sr * chunk_ms / 1000.0)))
    for i in range(0, y.size, step):
        yield y[i:i + step]


def run_stream(
    y: np.ndarray,
    sr: int,
    decide: Callable[[np.ndarray, int], Any],
    *,
    chunk_ms: float = 100.0,
    window_s: float = 1.5,
    min_window_s: float = 0.5,
) -> pd.DataFrame:
    """Play ``y`` as a live stream and time a decision after every chunk.

    Each chunk is written to a :class:`RingBuffer` of ``window_s`` seconds; once at least
    ``min_window_s`` seconds are buffered, ``decide(window, sr)`` is called on the buffered audio.
    The latency is measured from the moment the chunk is handed over to the moment the decision
    is returned (``time.perf_counter``); the audio is not played in real time, so the numbers are
    pure processing latency.

    Parameters
    ----------
    y : np.ndarray
        The recording played as a stream.
    sr : int
        Its sample rate.
    decide : callable
        ``decide(window, sr)``, called after every chunk once the buffer holds ``min_window_s``.
    chunk_ms : float
        Chunk duration (ms).
    window_s : float
        Capacity of the ring buffer (seconds).
    min_window_s : float
        Buffered seconds needed before the first decision.

    Returns
    -------
    pandas.DataFrame
        One row per chunk: ``chunk``, ``t_end`` (stream time at the chunk's end, s), ``buffered_s``,
        ``latency_ms`` (NaN while the buffer is filling), ``decision``.

    Notebook: 07_integrated_pipeline § Streaming: a ring buffer and the latency per chunk
    """
    if window_s <= 0 or min_window_s < 0 or min_window_s > window_s:
        raise ValueError(f"need 0 <= min_window_s <= window_s and window_s > 0, got {min_window_s}, {window_s}")
    rb = RingBuffer(int(round(window_s * sr)))
    rows = []
    for i, chunk in enumerate(iter_chunks(y, sr, chunk_ms)):
        t0 = time.perf_counter()
        rb.write(chunk)
        decision, latency = None, float("nan")
        if len(rb) >= min_window_s * sr:
            decision = decide(rb.read(), sr)
            latency = 1000.0 * (time.perf_counter() - t0)
        rows.append(dict(chunk=i, t_end=rb.total_written / sr, buffered_s=len(rb) / sr,
                         latency_ms=latency, decision=decision))
    return pd.DataFrame(rows)
