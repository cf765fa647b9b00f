"""Ring buffer, frame buffer and the streaming runner."""
from __future__ import annotations

import librosa
import numpy as np
import pytest

from course_utils.audio import AudioError
from course_utils.streaming import FrameBuffer, RingBuffer, iter_chunks, run_stream


def test_ring_buffer_keeps_newest_in_order():
    rb = RingBuffer(5)
    assert len(rb) == 0 and rb.read().size == 0
    rb.write(np.arange(3.0))
    assert rb.read().tolist() == [0, 1, 2] and not rb.full
    rb.write(np.arange(3.0, 7.0))  # wraps around
    assert rb.read().tolist() == [2, 3, 4, 5, 6] and rb.full
    assert rb.read(2).tolist() == [5, 6]
    rb.write(np.arange(10.0, 18.0))  # longer than capacity
    assert rb.read().tolist() == [13, 14, 15, 16, 17]
    assert rb.total_written == 15
    rb.clear()
    assert len(rb) == 0


def test_ring_buffer_matches_a_list_over_random_writes():
    rng = np.random.default_rng(0)
    rb, ref = RingBuffer(37), []
    for _ in range(200):
        x = rng.normal(size=int(rng.integers(0, 20))).astype(np.float32)
        rb.write(x)
        ref = (ref + x.tolist())[-37:]
        np.testing.assert_allclose(rb.read(), ref)


def test_ring_buffer_bad_args():
    with pytest.raises(ValueError, match="capacity"):
        RingBuffer(0)
    rb = RingBuffer(4)
    rb.write([1.0, 2.0])
    with pytest.raises(ValueError, match="buffered"):
        rb.read(3)


def test_frame_buffer_equals_librosa_frames():
    rng = np.random.default_rng(1)
    y = rng.normal(size=1000).astype(np.float32)
    fb = FrameBuffer(64, 16)
    frames, i = [], 0
    while i < y.size:
        n = int(rng.integers(1, 50))
        frames += fb.push(y[i:i + n])
        i += n
    want = librosa.util.frame(y, frame_length=64, hop_length=16, axis=0)
    np.testing.assert_allclose(np.stack(frames), want)
    with pytest.raises(ValueError):
        FrameBuffer(0, 1)


def test_iter_chunks_and_run_stream(tone):
    y, sr = tone
    chunks = list(iter_chunks(y, sr, 300))
    assert [c.size for c in chunks] == [4800, 4800, 4800, 1600]
    df = run_stream(y, sr, lambda w, s: float(np.sqrt(np.mean(w**2))), chunk_ms=100, window_s=0.5, min_window_s=0.3)
    assert len(df) == 10
    assert df["latency_ms"].isna().sum() == 2  # buffer filling
    assert df["buffered_s"].max() == pytest.approx(0.5)
    assert df["t_end"].iloc[-1] == pytest.approx(1.0)
    assert df["decision"].dropna().between(0.3, 0.4).all()
    with pytest.raises(ValueError, match="chunk_ms"):
        list(iter_chunks(y, sr, 0))
    with pytest.raises(ValueError, match="window_s"):
        run_stream(y, sr, lambda w, s: 0, window_s=1.0, min_window_s=2.0)
    with pytest.raises(AudioError, match="empty"):
        run_stream(np.zeros(0), sr, lambda w, s: 0)
