"""Auto-checks for ``solutions/07_integrated_pipeline_solutions.ipynb`` (and the generated exercises).

Taught with ``notebooks/07_integrated_pipeline.ipynb``.
"""
from __future__ import annotations

import librosa
import numpy as np

from . import ExerciseFeedback, call_student, passed

__all__ = ["check_frame_buffer", "check_pipeline_quiz", "QUIZ"]

#: The quiz of hard problem 5: key -> (question, expected answer).
QUIZ = {
    "latency_budget": ("For a live call, the decision latency should stay below about: "
                       "'a' 10 ms, 'b' 100 ms, 'c' 1 s, 'd' 10 s", "b"),
    "seconds_for_60s_at_rtf_0.05": ("A pipeline with real-time factor 0.05 needs how many seconds for 60 s of audio?", 3.0),
    "keeps_up_100ms_chunks_120ms_latency": ("Chunks of 100 ms arrive; each decision takes 120 ms on average. "
                                            "Does the system keep up (True/False)?", False),
    "pruning_alone_speeds_up_dense_matmul": ("Does unstructured magnitude pruning, by itself, make dense matrix "
                                             "products faster (True/False)?", False),
    "int8_size_factor": ("About how many times smaller are int8 weights than float32 weights?", 4.0),
    "parallel_stages": ("Which two stages of our pipeline are independent given the speech and can run in "
                        "parallel? A set of two of 'denoise', 'vad', 'verification', 'emotion'", {"verification", "emotion"}),
}

_HINTS = {
    "latency_budget": "conversation feels broken when replies lag by more than about a tenth of a second",
    "seconds_for_60s_at_rtf_0.05": "RTF = processing time / audio duration",
    "keeps_up_100ms_chunks_120ms_latency": "if work per chunk is longer than the chunk, a queue grows without bound",
    "pruning_alone_speeds_up_dense_matmul": "a zero stored in a dense matrix is still multiplied",
    "int8_size_factor": "float32 uses 32 bits per weight, int8 uses 8",
    "parallel_stages": "both read the detected speech and neither needs the other's output",
}


def check_frame_buffer(FrameBuffer) -> bool:
    """Check a student's ``FrameBuffer(frame_length, hop_length)`` whose ``push(chunk)`` returns the
    list of complete frames, against ``librosa.util.frame`` for random chunk sizes.

    Parameters
    ----------
    FrameBuffer : type
        The student's class.

    Returns
    -------
    bool
        True when every case passes (otherwise :class:`ExerciseFeedback` says what is wrong).

    Notebook: 07_integrated_pipeline_solutions § Task 2 — A streaming frame buffer
    """
    rng = np.random.default_rng(7)
    for frame_length, hop in ((8, 4), (64, 16), (400, 160), (5, 5)):
        y = rng.normal(size=2000).astype(np.float32)
        fb = call_student(FrameBuffer, frame_length, hop)
        frames, i = [], 0
        while i < y.size:
            n = int(rng.integers(1, 3 * frame_length))
            got = call_student(fb.push, y[i:i + n])
            if not isinstance(got, list):
                raise ExerciseFeedback(f"push() must return a list of frames, got {type(got).__name__}")
            frames += got
            i += n
        want = librosa.util.frame(y, frame_length=frame_length, hop_length=hop, axis=0)
        if len(frames) != len(want):
            raise ExerciseFeedback(
                f"frame_length={frame_length}, hop_length={hop}: expected {len(want)} frames from 2000 samples, "
                f"got {len(frames)}. Emit a frame as soon as frame_length samples are buffered, then drop hop_length "
                f"samples (not frame_length) from the front.")
        for k, (g, w) in enumerate(zip(frames, want)):
            g = np.asarray(g)
            if g.shape != w.shape:
                raise ExerciseFeedback(f"frame {k} has shape {g.shape}, expected {w.shape} (frame_length={frame_length})")
            if not np.allclose(g, w):
                raise ExerciseFeedback(
                    f"frame_length={frame_length}, hop_length={hop}: frame {k} has the wrong samples (it should start at "
                    f"sample {k * hop} of the stream). Check that leftover samples are kept between push() calls.")
    return passed("FrameBuffer")


def check_pipeline_quiz(answers: dict) -> bool:
    """Check the quiz of hard problem 5 (see :data:`QUIZ`); says which answer is wrong and why.

    Parameters
    ----------
    answers : dict
        Quiz key -> the student's answer.

    Returns
    -------
    bool
        True when every answer is right.

    Notebook: 07_integrated_pipeline_solutions § Task 1 — Pipeline design for real time (written)
    """
    if not isinstance(answers, dict):
        raise ExerciseFeedback(f"answers must be a dict, got {type(answers).__name__}")
    missing = [k for k in QUIZ if k not in answers]
    if missing:
        raise ExerciseFeedback(f"answers is missing {missing}")
    for key, (question, want) in QUIZ.items():
        got = answers[key]
        if isinstance(want, bool):
            ok = isinstance(got, (bool, np.bool_)) and bool(got) == want
        elif isinstance(want, float):
            ok = isinstance(got, (int, float)) and not isinstance(got, bool) and abs(float(got) - want) <= 0.05 * want
        elif isinstance(want, set):
            ok = set(got) == want if isinstance(got, (set, list, tuple, frozenset)) else False
        else:
            ok = str(got).strip().lower() == want
        if not ok:
            raise ExerciseFeedback(f"{key!r}: {got!r} is not right. Question: {question}. Hint: {_HINTS[key]}.")
    return passed("pipeline-design quiz")
