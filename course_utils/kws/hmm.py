"""The classic acoustic model: one left-to-right HMM with GMM states per word (hmmlearn), MFCC frames in.

Notebook: 10_keyword_spotting_and_asr § The classic acoustic model: an HMM-GMM per digit
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import contextmanager

import numpy as np
from hmmlearn.hmm import GMMHMM

from ..features import frame_mfcc
from .data import word_clip

__all__ = ["hmm_frames", "left_right", "HMMWordModels"]

_PARAMS = ("startprob_", "transmat_", "weights_", "means_", "covars_")


@contextmanager
def _quiet():
    """hmmlearn logs every degenerate covariance and every non-monotone EM step; keep the notebook readable."""
    log = logging.getLogger("hmmlearn")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def hmm_frames(y: np.ndarray, sr: int) -> np.ndarray:
    """The HMM's input: 13 MFCCs + deltas per 10 ms frame of the word, mean-normalised per recording.

    The word is :func:`course_utils.kws.data.word_clip` without its zero padding.

    Parameters
    ----------
    y : np.ndarray
        A recording of one word (any length, at ``sr``).
    sr : int
        Its sample rate.

    Returns
    -------
    np.ndarray
        ``(frames, 26)`` float32.

    Notebook: 10_keyword_spotting_and_asr § The classic acoustic model: an HMM-GMM per digit
    """
    word = np.trim_zeros(word_clip(y, sr))
    return frame_mfcc(word, sr, 13, n_deltas=1, normalize="mean")


def left_right(n_states: int) -> tuple[np.ndarray, np.ndarray]:
    """Start probabilities and transition matrix of a left-to-right HMM (stay or move one state on).

    Parameters
    ----------
    n_states : int
        Number of states.

    Returns
    -------
    startprob : np.ndarray
        1 for the first state.
    transmat : np.ndarray
        0.5 stay / 0.5 advance; the last state stays.

    Notebook: 10_keyword_spotting_and_asr § The classic acoustic model: an HMM-GMM per digit
    """
    start = np.zeros(n_states)
    start[0] = 1.0
    trans = 0.5 * (np.eye(n_states) + np.eye(n_states, k=1))
    trans[-1, -1] = 1.0
    return start, trans


class HMMWordModels:
    """One GMM-HMM per word; a recording is given the word whose model has the highest log-likelihood.

    Parameters
    ----------
    n_states : int
        States per word (left to right).
    n_mix : int
        Gaussians per state (diagonal covariances).
    n_iter : int
        Baum-Welch iterations.
    seed : int
        Seeds the k-means initialisation.

    Notebook: 10_keyword_spotting_and_asr § The classic acoustic model: an HMM-GMM per digit
    """

    def __init__(self, n_states: int = 5, n_mix: int = 2, n_iter: int = 6, seed: int = 0):
        self.n_states, self.n_mix, self.n_iter, self.seed = n_states, n_mix, n_iter, seed
        self.models: list[GMMHMM] = []

    def _new(self) -> GMMHMM:
        m = GMMHMM(n_components=self.n_states, n_mix=self.n_mix, covariance_type="diag", n_iter=self.n_iter,
                   random_state=self.seed, init_params="mcw", params="tmcw")
        m.startprob_, m.transmat_ = left_right(self.n_states)
        return m

    def fit(self, frames: Sequence[np.ndarray], labels: Sequence[int]) -> HMMWordModels:
        """Train one model per label ``0..max(labels)`` on its recordings' frames.

        Parameters
        ----------
        frames : sequence of np.ndarray
            ``(frames, dims)`` per recording.
        labels : sequence of int
            The word of each recording.

        Returns
        -------
        HMMWordModels
            ``self``.
        """
        labels = np.asarray(labels)
        self.models = []
        for word in range(int(labels.max()) + 1):
            seqs = [frames[i] for i in np.flatnonzero(labels == word)]
            m = self._new()
            with _quiet():
                m.fit(np.concatenate(seqs), [len(s) for s in seqs])
            self.models.append(m)
        return self

    def scores(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """Log-likelihood of each recording under each word model, ``(n, n_words)``.

        Parameters
        ----------
        frames : sequence of np.ndarray
            ``(frames, dims)`` per recording.

        Returns
        -------
        np.ndarray
            Log-likelihoods.
        """
        with _quiet():
            return np.array([[m.score(f) for m in self.models] for f in frames])

    def predict(self, frames: Sequence[np.ndarray]) -> np.ndarray:
        """The best-scoring word of each recording.

        Parameters
        ----------
        frames : sequence of np.ndarray
            ``(frames, dims)`` per recording.

        Returns
        -------
        np.ndarray
            Word indices.
        """
        return self.scores(frames).argmax(axis=1)

    def state_dict(self) -> dict[str, np.ndarray]:
        """All models' parameters as arrays ``"<word>.<name>"`` (for :func:`course_utils.checkpoint.save_checkpoint`).

        Returns
        -------
        dict of str to np.ndarray
            The parameters.
        """
        return {f"{w}.{name}": np.asarray(getattr(m, name), dtype=np.float64)
                for w, m in enumerate(self.models) for name in _PARAMS}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> HMMWordModels:
        """Rebuild the models from :meth:`state_dict` arrays.

        Parameters
        ----------
        state : dict of str to np.ndarray
            As returned by :meth:`state_dict`.

        Returns
        -------
        HMMWordModels
            ``self``.
        """
        n_words = len({k.split(".")[0] for k in state})
        self.models = []
        for w in range(n_words):
            m = self._new()
            for name in _PARAMS:
                setattr(m, name, np.asarray(state[f"{w}.{name}"], dtype=np.float64))
            m.n_features = m.means_.shape[-1]
            self.models.append(m)
        return self
