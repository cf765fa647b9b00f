"""The chapter's experiment: train/test noises, mixtures, the methods compared, and their scores
(cached on disk by content, through :mod:`course_utils.cache`)."""
from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import torch
from threadpoolctl import threadpool_limits

from .. import corruptions
from ..audio import AudioError, mix_at_snr
from ..cache import arrays_digest, cached_arrays, entry_path, key_of, source_digest
from ..checkpoint import state_digest
from ..metrics import enhancement as enh_metrics
from ..progress import progress_bar
from . import classical, masknet, masks
from .classical import (noisereduce_nonstationary, noisereduce_stationary, spectral_subtraction,
                        spectral_subtraction_seed, wiener_filter)
from .masknet import mask_net_enhance
from .masks import oracle_enhance

__all__ = [
    "NOISE_KINDS",
    "noise_lead_in",
    "music_noise_source",
    "make_noise",
    "noise_for",
    "babble_without_target",
    "make_mixtures",
    "enhance_methods",
    "evaluate_methods",
    "summarize",
]

#: The noise types of the chapter.
NOISE_KINDS = ("white", "pink", "babble", "music")
_SCORE_COLUMNS = ("method", "noise", "snr", "utt", "si_sdr", "stoi", "pesq")


def noise_lead_in(df: pd.DataFrame) -> float:
    """Seconds of noise-only lead-in that spectral subtraction and Wiener filtering may use as noise.

    RAVDESS speech starts after about a second, the synthetic stand-in's after 0.15 s; the estimate
    must not reach into the speech.

    Parameters
    ----------
    df : pandas.DataFrame
        The chapter's table from ``load_ravdess(allow_synthetic=True)``.

    Returns
    -------
    float
        0.25 for RAVDESS, 0.1 for the synthetic fallback.

    Notebook: 05_speech_enhancement § Spectral subtraction
    """
    return 0.1 if df.attrs.get("synthetic") else 0.25


def music_noise_source() -> str:
    """One line that says where the chapter's music noise comes from (real tracks, or synthetic offline).

    Returns
    -------
    str
        The sentence to print.

    Notebook: 05_speech_enhancement § Noise that matters
    """
    if corruptions.music_noise(1, 16000, np.random.default_rng(0), part="test")[1]:
        return "music noise: SYNTHETIC (librosa's example tracks are not available offline; course_utils.synth)"
    return "music noise: librosa's example tracks " + ", ".join(corruptions.MUSIC_NOISE_KEYS)


def make_noise(
    kind: str,
    seconds: float,
    sr: int,
    *,
    part: str,
    babble_pool: Sequence[np.ndarray] | None = None,
    seed: int = 0,
) -> np.ndarray:
    """A long noise recording of ``kind`` (``"white"``, ``"pink"``, ``"babble"``, ``"music"``).

    ``part="train"`` and ``part="test"`` never share samples: white/pink use different random
    streams, babble uses the talkers in ``babble_pool`` (pass different speakers per part), music
    different stretches of each track. The generators are those of :mod:`course_utils.corruptions`.
    Mixtures then take random segments with :func:`course_utils.audio.mix_at_snr`.

    Parameters
    ----------
    kind : str
        One of :data:`NOISE_KINDS`.
    seconds : float
        Duration.
    sr : int
        Sample rate.
    part : {"train", "test"}
        Which part.
    babble_pool : sequence of np.ndarray, optional
        Utterances of speakers not in the target set (needed for babble).
    seed : int
        Seeds the random stream (with the kind and the part).

    Returns
    -------
    np.ndarray
        float32 noise, peak 0.5.

    Notebook: 05_speech_enhancement § Noise that matters
    """
    if part not in ("train", "test"):
        raise ValueError(f"make_noise: part must be 'train' or 'test', got {part!r}")
    if kind not in NOISE_KINDS:
        raise ValueError(f"make_noise: unknown noise kind {kind!r}; choose from {NOISE_KINDS}")
    classical._check_sr(sr)
    rng = np.random.default_rng([seed, NOISE_KINDS.index(kind), 0 if part == "train" else 1])
    if kind == "white":
        return corruptions.white_noise(seconds, sr, rng)
    if kind == "pink":
        return corruptions.pink_noise(seconds, sr, rng)
    if kind == "babble":
        if babble_pool is None:
            raise ValueError("make_noise: babble needs babble_pool, utterances of speakers not in the target set")
        return corruptions.babble(babble_pool, int(round(seconds * sr)), rng)
    return corruptions.music_noise(seconds, sr, rng, part=part)[0]


def noise_for(noises: dict[str, np.ndarray | Sequence[np.ndarray]], kind: str, utt: int) -> np.ndarray:
    """The noise of ``kind`` for clean utterance number ``utt``.

    That is ``noises[kind]`` itself, or its ``utt``-th entry when it is a list with one noise per
    utterance (e.g. babble without the target speaker's own voice, see :func:`babble_without_target`).

    Parameters
    ----------
    noises : dict
        Kind -> one long noise, or a list with one noise per utterance.
    kind : str
        The noise kind.
    utt : int
        Index of the clean utterance.

    Returns
    -------
    np.ndarray
        The noise.

    Notebook: 05_speech_enhancement § Noise that matters
    """
    nz = noises[kind]
    if isinstance(nz, np.ndarray):
        return nz
    if not 0 <= utt < len(nz):
        raise IndexError(f"noise_for: {kind!r} has {len(nz)} per-utterance noises, no entry for utterance {utt}")
    return nz[utt]


def babble_without_target(
    targets: Sequence,
    pool: Sequence[np.ndarray],
    pool_speakers: Sequence,
    seconds: float,
    sr: int,
    *,
    part: str = "test",
    seed: int = 0,
) -> list[np.ndarray]:
    """One babble per target utterance, built only from talkers of *other* speakers.

    Targets of the same speaker share one babble (made once). Pass the result as
    ``noises["babble"]`` to :func:`make_mixtures`, read one with :func:`noise_for`.

    Parameters
    ----------
    targets : sequence
        Each target utterance's speaker.
    pool : sequence of np.ndarray
        The babble talkers' utterances.
    pool_speakers : sequence
        Their speakers.
    seconds : float
        Duration of each babble.
    sr : int
        Sample rate.
    part : {"train", "test"}
        As in :func:`make_noise`.
    seed : int
        Seed of the first babble (the next speakers' use ``seed + 1``, ...).

    Returns
    -------
    list of np.ndarray
        One babble per target.

    Notebook: 05_speech_enhancement § Noise that matters
    """
    if len(pool) != len(pool_speakers):
        raise ValueError(f"babble_without_target: {len(pool)} utterances but {len(pool_speakers)} speakers")
    made: dict = {}
    for spk in dict.fromkeys(targets):
        others = [u for u, s in zip(pool, pool_speakers) if s != spk]
        if len(others) < 2:
            raise ValueError(f"babble_without_target: fewer than 2 babble utterances of speakers other than {spk!r}")
        made[spk] = make_noise("babble", seconds, sr, part=part, babble_pool=others, seed=seed + len(made))
    return [made[spk] for spk in targets]


def make_mixtures(
    clean: Sequence[np.ndarray],
    noises: dict[str, np.ndarray | Sequence[np.ndarray]],
    snrs: Sequence[float],
    *,
    seed: int = 0,
) -> list[dict]:
    """Every (utterance, noise kind, SNR) mixture, with the exact noise it holds.

    Uses :func:`course_utils.audio.mix_at_snr` with ``return_noise=True``, so the exact noise in
    each mixture is known (the oracle masks need it).

    Parameters
    ----------
    clean : sequence of np.ndarray
        Clean utterances.
    noises : dict
        Kind -> one long noise, or a list with one per clean utterance (see :func:`noise_for`).
    snrs : sequence of float
        Input SNRs (dB).
    seed : int
        Seeds the choice of noise segments.

    Returns
    -------
    list of dict
        Dicts with ``utt, noise, snr, clean, noise_sig, mix``.

    Notebook: 05_speech_enhancement § Every method, every noise, every SNR
    """
    rng = np.random.default_rng(seed)
    for kind, nz in noises.items():
        if not isinstance(nz, np.ndarray) and len(nz) != len(clean):
            raise ValueError(f"make_mixtures: {kind!r} has {len(nz)} per-utterance noises for {len(clean)} utterances")
    out = []
    for i, c in enumerate(clean):
        for kind in noises:
            for s in snrs:
                mix, nz = mix_at_snr(c, noise_for(noises, kind, i), float(s), rng=rng, return_noise=True)
                out.append(dict(utt=i, noise=kind, snr=float(s), clean=c, noise_sig=nz, mix=mix))
    return out


# A method is f(mix, sr, clean, noise); these module-level adapters (bound with functools.partial)
# let evaluate_methods derive a content key from the methods themselves.
def _noisy(x, sr, clean, noise):
    return x


def _blind(enhance, x, sr, clean, noise, **kwargs):
    return enhance(x, sr, **kwargs)


def _net(model, x, sr, clean, noise):
    return mask_net_enhance(model, x, sr)


def _oracle(kind, x, sr, clean, noise):
    return oracle_enhance(clean, noise, sr, kind)


def enhance_methods(model=None, *, nets: dict | None = None, noise_seconds: float = 0.25) -> dict[str, Callable]:
    """The chapter's methods as ``name -> f(mix, sr, clean, noise)`` (the oracles use the truth).

    Parameters
    ----------
    model : MaskNet, optional
        A trained network, added as ``"MaskNet (trained)"``.
    nets : dict of str to MaskNet, optional
        Several networks, ``{name: model}`` (in that order, before the oracles).
    noise_seconds : float
        The leading noise-only stretch used by spectral subtraction and Wiener.

    Returns
    -------
    dict of str to callable
        The methods, in table order.

    Notebook: 05_speech_enhancement § Every method, every noise, every SNR
    """
    ns = noise_seconds
    methods: dict[str, Callable] = {
        "noisy": functools.partial(_noisy),
        "spectral subtraction (seed: a=2, no floor)": functools.partial(_blind, spectral_subtraction_seed, noise_seconds=ns),
        "spectral subtraction (a=4, floor 0.02)": functools.partial(_blind, spectral_subtraction, noise_seconds=ns),
        "Wiener (decision-directed)": functools.partial(_blind, wiener_filter, noise_seconds=ns),
        "noisereduce stationary": functools.partial(_blind, noisereduce_stationary),
        "noisereduce non-stationary": functools.partial(_blind, noisereduce_nonstationary),
    }
    nets = dict(nets or {})
    if model is not None:
        nets = {"MaskNet (trained)": model, **nets}
    for name, net in nets.items():
        methods[name] = functools.partial(_net, net)
    methods["oracle binary mask"] = functools.partial(_oracle, "binary")
    methods["oracle ratio mask"] = functools.partial(_oracle, "ratio")
    return methods


def _part_key(a) -> str:
    if isinstance(a, torch.nn.Module):
        return f"weights:{state_digest(a)}"
    if callable(a):
        return f"{getattr(a, '__module__', '')}.{getattr(a, '__qualname__', repr(a))}"
    return repr(a)


def _methods_key(methods: dict[str, Callable]) -> list:
    """What each method computes: its adapter, the enhancer it calls, the networks' weights."""
    out = []
    for name, f in methods.items():
        if not isinstance(f, functools.partial):
            raise ValueError(f"evaluate_methods(cache=True): method {name!r} is not one of enhance_methods' "
                             "(a functools.partial of a module-level function), so no cache key can describe it")
        out.append([name, _part_key(f.func), [_part_key(a) for a in f.args],
                    {k: _part_key(v) for k, v in sorted(f.keywords.items())}])
    return out


def _mixtures_digest(mixtures: Sequence[dict]) -> str:
    """Fingerprint of the mixtures: the labels, each clean utterance once and every added noise."""
    clean = {m["utt"]: m["clean"] for m in mixtures}
    labels = [(m["utt"], m["noise"], m["snr"]) for m in mixtures]
    return key_of(labels, arrays_digest(clean), arrays_digest([m["noise_sig"] for m in mixtures]), length=64)


def evaluate_methods(
    mixtures: Sequence[dict],
    methods: dict[str, Callable],
    sr: int,
    *,
    full_metrics_snrs: Sequence[float] = (0.0,),
    full_metrics_noises: Sequence[str] | None = None,
    cache: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Score every method on every mixture: SI-SDR everywhere, STOI and PESQ where asked.

    STOI/PESQ only at ``full_metrics_snrs`` and, if given, for ``full_metrics_noises`` (NaN
    elsewhere, because they are the slow ones). Math libraries run single-threaded here: the
    signals are short, and extra threads mostly spin on a shared CPU.

    Parameters
    ----------
    mixtures : sequence of dict
        From :func:`make_mixtures`.
    methods : dict of str to callable
        From :func:`enhance_methods`.
    sr : int
        Sample rate.
    full_metrics_snrs : sequence of float
        Input SNRs at which STOI and PESQ are computed.
    full_metrics_noises : sequence of str, optional
        Noise kinds for which they are computed (default: all).
    cache : bool
        Keep the table in ``cache_dir("enhancement")``, keyed by content: a fingerprint of the mixtures' samples, what
        each method computes (the networks' weights included) and the source of this package and of
        the metrics. Needs the methods of :func:`enhance_methods`.
    progress : bool
        Show a progress bar.

    Returns
    -------
    pd.DataFrame
        Long table ``method, noise, snr, utt, si_sdr, stoi, pesq``.

    Notebook: 05_speech_enhancement § Every method, every noise, every SNR
    """
    full = list(full_metrics_snrs), None if full_metrics_noises is None else list(full_metrics_noises)

    def compute() -> dict[str, np.ndarray]:
        with threadpool_limits(limits=1):
            rows = _score_all(mixtures, methods, sr, full[0], full[1], progress)
        return {c: np.array([r[c] for r in rows]) for c in _SCORE_COLUMNS}

    if cache:
        key = key_of(_mixtures_digest(mixtures), _methods_key(methods), full, sr,
                     source_digest(classical, masks, masknet, _score_all, enh_metrics))
        arrays = cached_arrays(entry_path("enhancement", "scores", key), compute, required=_SCORE_COLUMNS,
                               finite=False)
    else:
        arrays = compute()
    return pd.DataFrame({c: arrays[c] for c in _SCORE_COLUMNS})


def _score_all(mixtures, methods, sr, full_metrics_snrs, full_metrics_noises, progress) -> list[dict]:
    rows = []
    for m in progress_bar(mixtures, desc="enhancing and scoring", progress=progress, leave=True):
        full = m["snr"] in full_metrics_snrs and (full_metrics_noises is None or m["noise"] in full_metrics_noises)
        for name, f in methods.items():
            est = f(m["mix"], sr, m["clean"], m["noise_sig"])
            row = dict(method=name, noise=m["noise"], snr=m["snr"], utt=m["utt"],
                       si_sdr=enh_metrics.si_sdr(m["clean"], est), stoi=np.nan, pesq=np.nan)
            if full:
                row["stoi"] = enh_metrics.stoi(m["clean"], est, sr)
                try:
                    row["pesq"] = enh_metrics.pesq_wb(m["clean"], est, sr)
                except AudioError:  # PESQ finds no speech in an over-suppressed output: leave NaN
                    pass
            rows.append(row)
    return rows


def summarize(scores: pd.DataFrame, snr: float | None = None, metrics: Sequence[str] = ("si_sdr", "stoi", "pesq")):
    """Mean of each metric per (noise, method), optionally at one input SNR, methods in table order.

    Parameters
    ----------
    scores : pd.DataFrame
        From :func:`evaluate_methods`.
    snr : float, optional
        Keep only this input SNR.
    metrics : sequence of str
        Columns to average.

    Returns
    -------
    pd.DataFrame
        Methods as rows, (metric, noise) as columns.

    Notebook: 05_speech_enhancement § Every method, every noise, every SNR
    """
    df = scores if snr is None else scores[scores["snr"] == snr]
    order = list(dict.fromkeys(scores["method"]))
    table = df.groupby(["noise", "method"], sort=False)[list(metrics)].mean().unstack("noise")
    return table.reindex(order)
