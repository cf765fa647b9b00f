"""Connected digits with CTC: strings built from recordings, decoding (greedy, prefix beam search), error rates.

Label 0 is the CTC blank; label ``d + 1`` is digit ``d``.

Notebook: 10_keyword_spotting_and_asr § Connected digits with CTC
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from ..features import log_mel
from .data import SR

__all__ = [
    "BLANK",
    "DigitGrammar",
    "digit_strings",
    "string_features",
    "greedy_decode",
    "prefix_beam_search",
    "edit_distance",
    "error_rate",
]

BLANK = 0


def digit_strings(words: Sequence[np.ndarray], digits: Sequence[int], n: int, rng: np.random.Generator, *,
                  min_len: int = 3, max_len: int = 5, pause: tuple[float, float] = (0.05, 0.35),
                  noise_db: float = -50.0) -> tuple[list[np.ndarray], list[list[int]]]:
    """``n`` connected-digit recordings: random words joined by random pauses, with exact transcripts.

    Parameters
    ----------
    words : sequence of np.ndarray
        Trimmed recordings of single digits at :data:`SR`.
    digits : sequence of int
        The digit of each recording.
    n : int
        Strings to build.
    rng : np.random.Generator
        Draws lengths, recordings and pauses.
    min_len, max_len : int
        Digits per string (uniform between them).
    pause : tuple of float
        Range of the pauses in seconds (before, between and after the words).
    noise_db : float
        Level of a faint white noise floor added everywhere (dB re full scale).

    Returns
    -------
    audio : list of np.ndarray
        The recordings.
    transcripts : list of list of int
        The digits of each.

    Notebook: 10_keyword_spotting_and_asr § Connected digits with CTC
    """
    audio, texts = [], []
    digits = np.asarray(digits)
    for _ in range(n):
        k = int(rng.integers(min_len, max_len + 1))
        picks = rng.integers(0, len(words), size=k)
        parts = []
        for i in picks:
            parts += [np.zeros(int(rng.uniform(*pause) * SR), np.float32), words[i]]
        parts.append(np.zeros(int(rng.uniform(*pause) * SR), np.float32))
        y = np.concatenate(parts)
        y = y + (10 ** (noise_db / 20) * rng.normal(size=y.size)).astype(np.float32)
        audio.append(y.astype(np.float32))
        texts.append([int(digits[i]) for i in picks])
    return audio, texts


def string_features(y: np.ndarray, n_mels: int = 40) -> np.ndarray:
    """The CTC model's input: log-mel ``(n_mels, frames)``, each band's mean removed, scaled by 1/20.

    Parameters
    ----------
    y : np.ndarray
        A recording at :data:`SR`.
    n_mels : int
        Mel bands.

    Returns
    -------
    np.ndarray
        float32 features.

    Notebook: 10_keyword_spotting_and_asr § Connected digits with CTC
    """
    S = log_mel(y, SR, n_mels=n_mels)
    return ((S - S.mean(axis=1, keepdims=True)) / 20.0).astype(np.float32)


def greedy_decode(labels: Sequence[int], blank: int = BLANK) -> list[int]:
    """CTC best-path decoding of a per-frame label sequence: collapse repeats, then drop blanks.

    Parameters
    ----------
    labels : sequence of int
        The most likely label of each frame (``argmax`` of the posteriors).
    blank : int
        The blank label.

    Returns
    -------
    list of int
        The decoded labels.

    Notebook: 10_keyword_spotting_and_asr § Connected digits with CTC
    """
    out, prev = [], None
    for lab in labels:
        lab = int(lab)
        if lab != prev and lab != blank:
            out.append(lab)
        prev = lab
    return out


class DigitGrammar:
    """The connected-digit language model: strings of ``min_len`` to ``max_len`` digits, each digit equally likely.

    Parameters
    ----------
    min_len, max_len : int
        Allowed numbers of digits.
    n_words : int
        Vocabulary size (10 digits).

    Notebook: 10_keyword_spotting_and_asr § Decoding with a language model: prefix beam search
    """

    def __init__(self, min_len: int = 3, max_len: int = 5, n_words: int = 10):
        self.min_len, self.max_len, self.n_words = min_len, max_len, n_words

    def extend(self, prefix: tuple[int, ...]) -> float:
        """Log-probability of one more word after ``prefix`` (``-inf`` beyond ``max_len``).

        Parameters
        ----------
        prefix : tuple of int
            The words so far.

        Returns
        -------
        float
            ``log(1 / n_words)`` or ``-inf``.
        """
        return -np.log(self.n_words) if len(prefix) < self.max_len else -np.inf

    def end(self, prefix: tuple[int, ...]) -> float:
        """Log-probability that the string ends after ``prefix`` (``-inf`` when too short).

        Parameters
        ----------
        prefix : tuple of int
            The whole string.

        Returns
        -------
        float
            0 or ``-inf``.
        """
        return 0.0 if self.min_len <= len(prefix) <= self.max_len else -np.inf


def prefix_beam_search(log_probs: np.ndarray, *, beam: int = 8, lm: DigitGrammar | None = None,
                       lm_weight: float = 1.0, blank: int = BLANK) -> list[int]:
    """CTC prefix beam search: sum over alignments per prefix, keep the ``beam`` best, language model in the loop.

    Each prefix keeps two log-probabilities (its alignments ending in a blank, and ending in its last
    label). The language model's score (weighted by ``lm_weight``) is added when a label extends a
    prefix, and its end score when the search finishes. Labels are ``word + 1``.

    Parameters
    ----------
    log_probs : np.ndarray
        ``(frames, labels)`` log-posteriors of the acoustic model.
    beam : int
        Prefixes kept after each frame.
    lm : DigitGrammar, optional
        Language model over words (labels minus one).
    lm_weight : float
        Its weight.
    blank : int
        The blank label.

    Returns
    -------
    list of int
        The best labels.

    Notebook: 10_keyword_spotting_and_asr § Decoding with a language model: prefix beam search
    """
    def lse(*xs):
        m = max(xs)
        return m if m == -np.inf else m + np.log(sum(np.exp(x - m) for x in xs))

    beams = {(): (0.0, -np.inf)}  # prefix -> (log p ending in blank, log p ending in last label)
    for lp in np.asarray(log_probs, dtype=np.float64):
        nxt = defaultdict(lambda: (-np.inf, -np.inf))
        for prefix, (pb, pnb) in beams.items():
            b, nb = nxt[prefix]
            nxt[prefix] = (lse(b, pb + lp[blank], pnb + lp[blank]), nb)
            for c in range(len(lp)):
                if c == blank:
                    continue
                words = tuple(x - 1 for x in prefix)
                lm_score = lm_weight * lm.extend(words) if lm is not None else 0.0
                ext = prefix + (c,)
                b2, nb2 = nxt[ext]
                if prefix and prefix[-1] == c:  # a repeat needs a blank in between
                    nxt[ext] = (b2, lse(nb2, pb + lp[c] + lm_score))
                    b, nb = nxt[prefix]
                    nxt[prefix] = (b, lse(nb, pnb + lp[c]))
                else:
                    nxt[ext] = (b2, lse(nb2, pb + lp[c] + lm_score, pnb + lp[c] + lm_score))
        beams = dict(sorted(nxt.items(), key=lambda kv: -lse(*kv[1]))[:beam])

    def final(item):
        prefix, scores = item
        end = lm_weight * lm.end(tuple(x - 1 for x in prefix)) if lm is not None else 0.0
        return lse(*scores) + end
    return list(max(beams.items(), key=final)[0])


def edit_distance(ref: Sequence, hyp: Sequence) -> int:
    """Levenshtein distance: the fewest substitutions, deletions and insertions turning ``ref`` into ``hyp``.

    Parameters
    ----------
    ref, hyp : sequence
        Reference and hypothesis tokens (words or characters).

    Returns
    -------
    int
        The distance.

    Notebook: 10_keyword_spotting_and_asr § Word and character error rates
    """
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, 1):
        prev, d[0] = d.copy(), i
        for j, h in enumerate(hyp, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return int(d[-1])


def error_rate(refs: Sequence[Sequence], hyps: Sequence[Sequence]) -> float:
    """Total edit distance over total reference length (WER for word lists, CER for strings).

    Parameters
    ----------
    refs, hyps : sequence of sequence
        References and hypotheses, pairwise.

    Returns
    -------
    float
        The error rate.

    Notebook: 10_keyword_spotting_and_asr § Word and character error rates
    """
    if len(refs) != len(hyps):
        raise ValueError(f"error_rate: {len(refs)} references but {len(hyps)} hypotheses")
    total = sum(len(r) for r in refs)
    if total == 0:
        raise ValueError("error_rate: the references are empty")
    return sum(edit_distance(r, h) for r, h in zip(refs, hyps)) / total
