"""Speech enhancement: spectral subtraction, Wiener filtering, noisereduce, oracle masks, and a
small mask-estimation network; plus the noise builders used to make test mixtures.

Taught in ``notebooks/05_speech_enhancement.ipynb`` (and
``solutions/05_speech_enhancement_solutions.ipynb``).

All enhancers share one call signature, ``enhance(y, sr) -> np.ndarray`` of the same length as
``y``. They reject empty, NaN/inf, 2-D or too-short signals with
:class:`~course_utils.audio.AudioError`, and accept any sample rate: the classical methods scale
their STFT to the rate (32 ms windows, 8 ms hops), the network resamples to its 16 kHz and back.

Noise for the mixtures (``white``, ``pink``, ``babble``, ``music``) is built by
:func:`make_noise`; each kind has a ``"train"`` and a ``"test"`` part that share no samples
(different random streams, different talkers, different stretches of each music track).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .audio import AudioError, check_audio, fix_length, mix_at_snr
from .features import frame_params
from .paths import CHECKPOINT_DIR, cache_dir, sha256_file

__all__ = [
    "MIN_DURATION",
    "NOISE_KINDS",
    "stft_params",
    "stft",
    "istft",
    "estimate_noise_psd",
    "spectral_subtraction",
    "spectral_subtraction_seed",
    "wiener_filter",
    "noisereduce_stationary",
    "noisereduce_nonstationary",
    "ideal_binary_mask",
    "ideal_ratio_mask",
    "apply_mask",
    "oracle_enhance",
    "white_noise",
    "pink_noise",
    "babble_noise",
    "synthetic_music",
    "music_noise",
    "make_noise",
    "MaskNet",
    "train_mask_net",
    "load_or_train_mask_net",
    "load_pretrained_mask_net",
    "MASKNET_RECIPE",
    "TRAIN_NOISE_SECONDS",
    "model_digest",
    "mask_net_enhance",
    "noise_for",
    "babble_without_target",
    "make_mixtures",
    "enhance_methods",
    "evaluate_methods",
    "net_stft_params",
    "summarize",
    "plot_spectrograms",
    "plot_results",
]

#: Shortest signal an enhancer accepts (seconds): a few STFT frames plus a noise estimate.
MIN_DURATION = 0.1
#: The noise types of the chapter.
NOISE_KINDS = ("white", "pink", "babble", "music")
#: Sample rate of the mask network (and of the chapter's data).
NET_SR = 16000


# --------------------------------------------------------------------------- STFT helpers
def _check_sr(sr: int) -> int:
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise AudioError(f"sr: the sample rate must be a positive integer, got {sr!r}")
    if sr < 4000:
        raise AudioError(f"sr: {sr} Hz is too low for speech enhancement (need >= 4000 Hz)")
    return int(sr)


def _prepare(y: np.ndarray, sr: int, name: str = "y", min_duration: float = MIN_DURATION) -> tuple[np.ndarray, int]:
    sr = _check_sr(sr)
    return check_audio(y, sr, name=name, min_duration=min_duration), sr


def stft_params(sr: int) -> tuple[int, int]:
    """``(n_fft, hop)`` of the chapter's STFT: a 32 ms window and 8 ms hop at any rate (512/128 at 16 kHz)."""
    return frame_params(_check_sr(sr), win_ms=32.0, hop_ms=8.0)


def stft(y: np.ndarray, sr: int) -> np.ndarray:
    """Complex STFT ``(1 + n_fft/2, frames)`` with a Hann window (librosa, centred frames)."""
    import librosa

    n_fft, hop = stft_params(sr)
    return librosa.stft(np.asarray(y, dtype=np.float32), n_fft=n_fft, hop_length=hop, window="hann")


def istft(Y: np.ndarray, sr: int, length: int) -> np.ndarray:
    """Inverse of :func:`stft`, cut or padded to exactly ``length`` samples."""
    import librosa

    n_fft, hop = stft_params(sr)
    return librosa.istft(Y, n_fft=n_fft, hop_length=hop, window="hann", length=length).astype(np.float32)


def estimate_noise_psd(
    power: np.ndarray,
    sr: int,
    *,
    noise_seconds: float = 0.25,
) -> np.ndarray:
    """Noise power spectrum: the mean of the first ``noise_seconds`` of a power spectrogram.

    This assumes the recording starts with noise only (true for RAVDESS, whose speech starts
    after a silent lead-in). Returns shape ``(freqs, 1)``.
    """
    _, hop = stft_params(sr)
    n = max(1, int(round(noise_seconds * sr / hop)))
    if power.shape[1] < n:
        raise AudioError(
            f"noise_seconds={noise_seconds}: the signal has only {power.shape[1]} frames "
            f"({power.shape[1] * hop / sr:.3f} s), fewer than the noise estimate needs"
        )
    return power[:, :n].mean(axis=1, keepdims=True)


def _noise_power(Y: np.ndarray, sr: int, noise: np.ndarray | None, noise_seconds: float) -> np.ndarray:
    if noise is not None:
        noise, _ = _prepare(noise, sr, name="noise")
        return (np.abs(stft(noise, sr)) ** 2).mean(axis=1, keepdims=True)
    return estimate_noise_psd(np.abs(Y) ** 2, sr, noise_seconds=noise_seconds)


# --------------------------------------------------------------------------- classical methods
def spectral_subtraction(
    y: np.ndarray,
    sr: int,
    *,
    alpha: float = 4.0,
    beta: float = 0.02,
    noise: np.ndarray | None = None,
    noise_seconds: float = 0.25,
) -> np.ndarray:
    """Power spectral subtraction with over-subtraction ``alpha`` and spectral floor ``beta``
    (Berouti, Schwartz & Makhoul, 1979), the seed chapter's formula:

    .. math::
        |\\hat S|^2 = \\begin{cases} |Y|^2 - \\alpha |\\hat N|^2 & \\text{if } |Y|^2 - \\alpha|\\hat N|^2 > \\beta |\\hat N|^2 \\\\
                                      \\beta |\\hat N|^2 & \\text{otherwise} \\end{cases}

    and the noisy phase is kept. ``alpha > 1`` removes more noise (and more speech); ``beta > 0``
    leaves a little smooth noise instead of isolated spectral peaks ("musical noise").

    Parameters
    ----------
    y : np.ndarray
        Noisy speech (any sample rate).
    sr : int
        Its sample rate.
    alpha : float
        Over-subtraction factor (>= 0).
    beta : float
        Spectral floor, a fraction of the noise power (>= 0).
    noise : np.ndarray, optional
        A noise-only recording; by default the first ``noise_seconds`` of ``y`` are used.
    noise_seconds : float
        Length of the leading noise-only stretch.

    Returns
    -------
    np.ndarray
        Enhanced speech, same length and rate as ``y``.
    """
    y, sr = _prepare(y, sr)
    if alpha < 0 or beta < 0:
        raise ValueError(f"spectral_subtraction: alpha and beta must be >= 0, got alpha={alpha}, beta={beta}")
    Y = stft(y, sr)
    P = np.abs(Y) ** 2
    N = _noise_power(Y, sr, noise, noise_seconds)
    sub = P - alpha * N
    S2 = np.where(sub > beta * N, sub, beta * N)
    gain = np.sqrt(S2 / np.maximum(P, 1e-20))
    return istft(gain * Y, sr, y.size)


def spectral_subtraction_seed(y: np.ndarray, sr: int, **kwargs) -> np.ndarray:
    """The seed chapter's version: ``alpha=2`` and no floor (``beta=0``), which leaves musical noise."""
    return spectral_subtraction(y, sr, alpha=2.0, beta=0.0, **kwargs)


def wiener_filter(
    y: np.ndarray,
    sr: int,
    *,
    a: float = 0.98,
    xi_min_db: float = -25.0,
    noise: np.ndarray | None = None,
    noise_seconds: float = 0.25,
) -> np.ndarray:
    """Wiener filter with the decision-directed a-priori SNR (Ephraim & Malah, 1984).

    For frame ``l`` and bin ``k``, with a-posteriori SNR :math:`\\gamma = |Y|^2/\\lambda_N`:

    .. math::
        \\xi(l) = a \\frac{|\\hat S(l-1)|^2}{\\lambda_N} + (1-a)\\max(\\gamma(l) - 1, 0),\\qquad
        G = \\frac{\\xi}{1+\\xi},\\qquad \\hat S(l) = G\\,Y(l)

    ``a`` close to 1 smooths ξ over time, which is what suppresses musical noise;
    ``xi_min_db`` bounds ξ from below (a gain floor).
    """
    y, sr = _prepare(y, sr)
    if not 0 <= a < 1:
        raise ValueError(f"wiener_filter: a must be in [0, 1), got {a}")
    Y = stft(y, sr)
    P = np.abs(Y) ** 2
    lam = np.maximum(_noise_power(Y, sr, noise, noise_seconds)[:, 0], 1e-20)
    xi_min = 10 ** (xi_min_db / 10)
    G = np.empty_like(P)
    prev = np.zeros(P.shape[0])
    for t in range(P.shape[1]):
        gamma = P[:, t] / lam
        xi = a * prev / lam + (1 - a) * np.maximum(gamma - 1, 0)
        xi = np.maximum(xi, xi_min)
        G[:, t] = xi / (1 + xi)
        prev = G[:, t] ** 2 * P[:, t]
    return istft(G * Y, sr, y.size)


def noisereduce_stationary(y: np.ndarray, sr: int, **kwargs) -> np.ndarray:
    """``noisereduce.reduce_noise(stationary=True)``: spectral gating with a fixed noise threshold
    (mean + ``n_std_thresh_stationary`` std of each bin over the whole clip)."""
    import noisereduce as nr

    y, sr = _prepare(y, sr)
    out = nr.reduce_noise(y=y, sr=sr, stationary=True, **kwargs)
    return np.asarray(out, dtype=np.float32)[: y.size]


def noisereduce_nonstationary(y: np.ndarray, sr: int, **kwargs) -> np.ndarray:
    """``noisereduce.reduce_noise(stationary=False)``: the threshold follows a smoothed noise
    floor over time (``time_constant_s``), so slowly varying noise is tracked."""
    import noisereduce as nr

    y, sr = _prepare(y, sr)
    out = nr.reduce_noise(y=y, sr=sr, stationary=False, **kwargs)
    return np.asarray(out, dtype=np.float32)[: y.size]


# --------------------------------------------------------------------------- oracle masks
def _clean_noise(clean: np.ndarray, noise: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray, int]:
    clean, sr = _prepare(clean, sr, name="clean")
    noise, _ = _prepare(noise, sr, name="noise")
    if clean.size != noise.size:
        raise AudioError(f"clean has {clean.size} samples but noise has {noise.size}: they must add up to the mixture")
    return clean, noise, sr


def ideal_binary_mask(clean: np.ndarray, noise: np.ndarray, sr: int, *, lc_db: float = 0.0) -> np.ndarray:
    """Ideal binary mask: 1 where the local SNR ``|S|²/|N|²`` exceeds ``lc_db``, else 0 (needs the truth)."""
    clean, noise, sr = _clean_noise(clean, noise, sr)
    S2, N2 = np.abs(stft(clean, sr)) ** 2, np.abs(stft(noise, sr)) ** 2
    return (10 * np.log10((S2 + 1e-20) / (N2 + 1e-20)) > lc_db).astype(np.float32)


def ideal_ratio_mask(clean: np.ndarray, noise: np.ndarray, sr: int, *, exponent: float = 0.5) -> np.ndarray:
    """Ideal ratio mask ``(|S|² / (|S|² + |N|²)) ** exponent`` (0.5: the square-root Wiener gain)."""
    clean, noise, sr = _clean_noise(clean, noise, sr)
    S2, N2 = np.abs(stft(clean, sr)) ** 2, np.abs(stft(noise, sr)) ** 2
    return ((S2 / np.maximum(S2 + N2, 1e-20)) ** exponent).astype(np.float32)


def apply_mask(y: np.ndarray, mask: np.ndarray, sr: int) -> np.ndarray:
    """Multiply the STFT of ``y`` by ``mask`` (same shape) and resynthesise with the noisy phase."""
    y, sr = _prepare(y, sr)
    Y = stft(y, sr)
    mask = np.asarray(mask)
    if mask.shape != Y.shape:
        raise ValueError(f"apply_mask: mask has shape {mask.shape}, the STFT of y has {Y.shape}")
    return istft(mask * Y, sr, y.size)


def oracle_enhance(clean: np.ndarray, noise: np.ndarray, sr: int, kind: str = "ratio") -> np.ndarray:
    """Enhance the mixture ``clean + noise`` with the ideal ``"ratio"`` or ``"binary"`` mask: the ceiling
    a mask-based method can reach with this STFT."""
    if kind not in ("ratio", "binary"):
        raise ValueError(f"oracle_enhance: kind must be 'ratio' or 'binary', got {kind!r}")
    mask = (ideal_ratio_mask if kind == "ratio" else ideal_binary_mask)(clean, noise, sr)
    clean, noise, sr = _clean_noise(clean, noise, sr)
    return apply_mask(clean + noise, mask, sr)


# --------------------------------------------------------------------------- noise builders
def _n_samples(seconds: float, sr: int) -> int:
    n = int(round(seconds * _check_sr(sr)))
    if n <= 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    return n


def white_noise(seconds: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian white noise (flat spectrum), peak about 0.5."""
    n = _n_samples(seconds, sr)
    y = rng.normal(size=n)
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def pink_noise(seconds: float, sr: int, rng: np.random.Generator) -> np.ndarray:
    """Pink noise: white noise shaped to a 1/f power spectrum (-3 dB per octave) in the FFT domain."""
    n = _n_samples(seconds, sr)
    spec = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n, 1 / sr)
    spec /= np.sqrt(np.maximum(f, 20.0))  # flatten below 20 Hz
    y = np.fft.irfft(spec, n)
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def babble_noise(
    utterances: Sequence[np.ndarray],
    seconds: float,
    sr: int,
    rng: np.random.Generator,
    *,
    n_talkers: int = 6,
    top_db: float = 30.0,
) -> np.ndarray:
    """Babble: ``n_talkers`` streams of speech, each a random chain of ``utterances`` with the
    silences trimmed, levelled to the same RMS and summed.

    Pass utterances of *other* speakers than the target (the chapter uses training actors for the
    training babble and test actors for the test babble).
    """
    import librosa

    n = _n_samples(seconds, sr)
    if len(utterances) < 2:
        raise ValueError(f"babble_noise: need at least 2 utterances, got {len(utterances)}")
    trimmed = []
    for i, u in enumerate(utterances):
        u = check_audio(u, name=f"utterances[{i}]")
        t, _ = librosa.effects.trim(u, top_db=top_db)
        trimmed.append(t / (np.sqrt(np.mean(t**2)) + 1e-9))
    out = np.zeros(n)
    for _ in range(n_talkers):
        chain, total = [], 0
        while total < n:
            u = trimmed[int(rng.integers(len(trimmed)))]
            chain.append(u)
            total += u.size
        stream = np.concatenate(chain)
        start = int(rng.integers(0, stream.size - n + 1))
        out += stream[start : start + n]
    return (0.5 * out / np.max(np.abs(out))).astype(np.float32)


def synthetic_music(seconds: float, sr: int, seed: int = 0) -> np.ndarray:
    """Offline stand-in for music: chords from :func:`course_utils.synth.chord_progression` over a
    drum pattern (:func:`course_utils.synth.drum_pattern`)."""
    from .synth import chord_progression, drum_pattern

    n = _n_samples(seconds, sr)
    rng = np.random.default_rng(seed)
    roots = ["C", "D", "E", "F", "G", "A"]
    chords = [f"{roots[int(rng.integers(6))]}:{'maj' if rng.random() < 0.6 else 'min'}" for _ in range(int(seconds) + 2)]
    chords_y, _, _ = chord_progression(chords, seconds_per_chord=1.0, sr=sr, seed=seed)
    tempo = float(rng.uniform(90, 140))
    drums, _, _ = drum_pattern(tempo=tempo, n_beats=int(seconds * tempo / 60) + 4, sr=sr, seed=seed)
    drums = np.resize(drums, chords_y.size)
    y = (chords_y + 0.6 * drums)[:n]
    if y.size < n:
        y = np.resize(y, n)
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


#: librosa examples used as music noise; each track's first 70 % feeds training, the rest testing.
MUSIC_KEYS = ("brahms", "choice", "fishin", "nutcracker", "sweetwaltz", "vibeace")


def music_noise(
    seconds: float,
    sr: int,
    rng: np.random.Generator,
    *,
    part: str = "test",
    keys: Sequence[str] = MUSIC_KEYS,
    max_track_seconds: float = 30.0,
) -> tuple[np.ndarray, bool]:
    """Music noise from librosa's example tracks, or synthetic music offline.

    Of the first ``max_track_seconds`` of each track, the first 70 % is the ``"train"`` part and
    the rest the ``"test"`` part, so the two never share a sample. Returns ``(noise, synthetic)``
    where ``synthetic`` tells that no track was available and :func:`synthetic_music` was used.
    """
    import soundfile as sf

    from .datasets import load_librosa_examples

    n = _n_samples(seconds, sr)
    if part not in ("train", "test"):
        raise ValueError(f"music_noise: part must be 'train' or 'test', got {part!r}")
    df = load_librosa_examples(list(keys), download=False)
    pieces = []
    for path in df["path"]:
        info = sf.info(path)
        total = int(min(info.duration, max_track_seconds) * info.samplerate)
        cut = int(0.7 * total)
        start, stop = (0, cut) if part == "train" else (cut, total)
        data, file_sr = sf.read(path, start=start, stop=stop, dtype="float32", always_2d=True)
        y = data.mean(axis=1)
        if file_sr != sr:
            import librosa

            y = librosa.resample(y, orig_sr=file_sr, target_sr=sr, res_type="soxr_hq")
        if np.max(np.abs(y)) > 1e-4:
            pieces.append(y / (np.sqrt(np.mean(y**2)) + 1e-9))
    if not pieces:
        return synthetic_music(seconds, sr, seed=1 if part == "train" else 2), True
    music = np.concatenate(pieces)
    if music.size < n:
        music = np.tile(music, int(np.ceil(n / music.size)))
    start = int(rng.integers(0, music.size - n + 1))
    y = music[start : start + n]
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32), False


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
    different stretches of each track. Mixtures then take random segments with
    :func:`course_utils.audio.mix_at_snr`.
    """
    if part not in ("train", "test"):
        raise ValueError(f"make_noise: part must be 'train' or 'test', got {part!r}")
    if kind not in NOISE_KINDS:
        raise ValueError(f"make_noise: unknown noise kind {kind!r}; choose from {NOISE_KINDS}")
    rng = np.random.default_rng([seed, NOISE_KINDS.index(kind), 0 if part == "train" else 1])
    if kind == "white":
        return white_noise(seconds, sr, rng)
    if kind == "pink":
        return pink_noise(seconds, sr, rng)
    if kind == "babble":
        if babble_pool is None:
            raise ValueError("make_noise: babble needs babble_pool, utterances of speakers not in the target set")
        return babble_noise(babble_pool, seconds, sr, rng)
    return music_noise(seconds, sr, rng, part=part)[0]


# --------------------------------------------------------------------------- mask network
def _torch():
    import torch

    return torch


def _build_masknet():
    torch = _torch()
    nn = torch.nn

    class MaskNet(nn.Module):
        """A small recurrent mask estimator (taught in ``notebooks/05_speech_enhancement.ipynb``).

        Input: the noisy log-power STFT ``(batch, frames, 257)``, normalised per utterance.
        A frame-wise linear layer, a GRU (bidirectional by default: it sees the whole utterance;
        ``bidirectional=False`` makes it causal, as a real-time system must be) and a linear layer
        with a sigmoid give a ratio mask in [0, 1] per STFT bin -- or, with ``n_bands > 0``, one
        gain per mel band, interpolated linearly to the STFT bins (RNNoise-style: fewer outputs,
        a smoother mask).
        """

        def __init__(self, n_freq: int = 257, hidden: int = 96, layers: int = 1, bidirectional: bool = True,
                     n_bands: int = 0):
            super().__init__()
            self.n_freq, self.hidden, self.layers, self.bidirectional = n_freq, hidden, layers, bidirectional
            self.n_bands = int(n_bands)
            self.inp = nn.Sequential(nn.Linear(n_freq, hidden), nn.ReLU())
            self.gru = nn.GRU(hidden, hidden, num_layers=layers, batch_first=True, bidirectional=bidirectional)
            self.out = nn.Linear(hidden * (2 if bidirectional else 1), self.n_bands or n_freq)
            if self.n_bands:
                self.register_buffer("interp", torch.from_numpy(_band_interp(self.n_bands, n_freq)), persistent=False)

        def forward(self, logpow):  # (B, T, F) -> mask (B, T, F)
            mu = logpow.mean(dim=(1, 2), keepdim=True)
            sd = logpow.std(dim=(1, 2), keepdim=True) + 1e-5
            h = self.inp((logpow - mu) / sd)
            h, _ = self.gru(h)
            mask = torch.sigmoid(self.out(h))
            return mask @ self.interp if self.n_bands else mask

    return MaskNet


def _band_interp(n_bands: int, n_freq: int, sr: int = NET_SR) -> np.ndarray:
    """``(n_bands, n_freq)`` matrix that turns per-band gains into per-bin gains: triangular mel
    filters normalised so that every bin's weights sum to 1 (linear interpolation between band centres)."""
    import librosa

    if n_bands < 2:
        raise ValueError(f"n_bands must be 0 (one gain per bin) or >= 2, got {n_bands}")
    fb = librosa.filters.mel(sr=sr, n_fft=2 * (n_freq - 1), n_mels=n_bands, norm=None, fmin=0.0, fmax=sr / 2)
    centre = np.argmax(fb, axis=1)
    for j in np.where(fb.sum(axis=0) <= 1e-8)[0]:  # bins no filter covers (the edges): nearest band
        fb[int(np.argmin(np.abs(centre - j))), j] = 1.0
    return (fb / fb.sum(axis=0, keepdims=True)).astype(np.float32)


def MaskNet(n_freq: int = 257, hidden: int = 96, layers: int = 1, bidirectional: bool = True, n_bands: int = 0):
    """Create the chapter's mask network (a ``torch.nn.Module``); see :func:`train_mask_net`.

    ``n_bands=0`` predicts one gain per STFT bin; ``n_bands > 0`` one gain per mel band, interpolated
    to the bins."""
    return _build_masknet()(n_freq=n_freq, hidden=hidden, layers=layers, bidirectional=bidirectional,
                            n_bands=n_bands)


def net_stft_params() -> tuple[int, int]:
    """``(n_fft, hop)`` of the network's STFT at 16 kHz: 32 ms windows, 16 ms hops (half the
    frames of :func:`stft_params`, so training costs half as much)."""
    return 512, 256


def _torch_stft(y, n_fft: int = 512, hop: int = 256):
    torch = _torch()
    win = torch.hann_window(n_fft)
    return torch.stft(y, n_fft=n_fft, hop_length=hop, window=win, center=True, return_complex=True)


def train_mask_net(
    clean: Sequence[np.ndarray],
    noises: dict[str, np.ndarray],
    *,
    sr: int = NET_SR,
    steps: int = 300,
    batch_size: int = 16,
    crop_seconds: float = 1.5,
    snrs: Sequence[float] = (-5.0, 0.0, 5.0, 10.0),
    lr: float = 3e-3,
    hidden: int = 96,
    layers: int = 1,
    bidirectional: bool = True,
    n_bands: int = 0,
    noise_weights: dict[str, float] | None = None,
    loss: str = "si_sdr",
    threads: int = 1,
    seed: int = 0,
    progress: bool = True,
):
    """Train :class:`MaskNet` on random mixtures of ``clean`` speech with ``noises``.

    Every step draws ``batch_size`` utterances, a ``crop_seconds`` window of each, a noise kind,
    a random segment of that noise and an SNR from ``snrs``, mixes them with
    :func:`course_utils.audio.mix_at_snr` (fresh mixtures each step: dynamic mixing) and
    minimises ``loss``: ``"si_sdr"`` (default) the negative SI-SDR of the resynthesised
    waveform (the metric we report, made differentiable), or ``"magnitude"`` the mean squared
    error between compressed magnitudes ``|(M |Y|)^0.3 - |S|^0.3|²``, or ``"combined"``
    both (negative SI-SDR plus 100 times the magnitude error).
    ``noise_weights`` gives the probability of drawing each noise kind (default: uniform);
    ``n_bands`` is passed to :class:`MaskNet`.
    ``threads`` sets torch's CPU threads while training (restored afterwards).

    Returns
    -------
    model : MaskNet
        The trained network (eval mode).
    history : dict
        ``{"loss": [...]}`` per step.
    """
    torch = _torch()
    if sr != NET_SR:
        raise AudioError(f"train_mask_net: training audio must be at {NET_SR} Hz, got {sr}")
    if not clean or not noises:
        raise ValueError("train_mask_net: need at least one clean utterance and one noise")
    if loss not in ("si_sdr", "magnitude", "combined"):
        raise ValueError(f"train_mask_net: loss must be 'si_sdr', 'magnitude' or 'combined', got {loss!r}")
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    n_fft, hop = net_stft_params()
    model = MaskNet(n_freq=n_fft // 2 + 1, hidden=hidden, layers=layers, bidirectional=bidirectional, n_bands=n_bands)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    crop = int(crop_seconds * sr)
    kinds = sorted(noises)
    weights = np.array([1.0 if noise_weights is None else float(noise_weights.get(k, 0.0)) for k in kinds])
    if np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(f"train_mask_net: noise_weights must be >= 0 with a positive sum, got {noise_weights}")
    kind_p = weights / weights.sum()
    clean = [check_audio(c, name=f"clean[{i}]") for i, c in enumerate(clean)]
    history: dict[str, list[float]] = {"loss": []}
    from threadpoolctl import threadpool_limits

    old_threads = torch.get_num_threads()
    torch.set_num_threads(threads)  # small batches: extra threads mostly spin on a shared CPU
    model.train()
    try:
        with threadpool_limits(limits=threads):
            _train_loop(model, opt, sched, clean, noises, kinds, kind_p, rng, steps, batch_size, crop, snrs, n_fft, hop,
                        history, progress, loss)
    finally:
        torch.set_num_threads(old_threads)
    model.eval()
    return model, history


def _torch_si_sdr(ref, est):
    """Batch SI-SDR in dB (differentiable), zero-mean."""
    ref = ref - ref.mean(dim=-1, keepdim=True)
    est = est - est.mean(dim=-1, keepdim=True)
    alpha = (est * ref).sum(-1, keepdim=True) / ((ref**2).sum(-1, keepdim=True) + 1e-8)
    target = alpha * ref
    return 10 * _torch().log10(((target**2).sum(-1) + 1e-8) / (((est - target) ** 2).sum(-1) + 1e-8))


def _train_loop(model, opt, sched, clean, noises, kinds, kind_p, rng, steps, batch_size, crop, snrs, n_fft, hop,
                history, progress, loss_kind):
    torch = _torch()
    from .progress import progress_bar

    for _ in progress_bar(range(steps), desc="training MaskNet", progress=progress, leave=True):
        xs, ss = [], []
        for _ in range(batch_size):
            c = clean[int(rng.integers(len(clean)))]
            if c.size > crop:  # a random window of the utterance
                start = int(rng.integers(0, c.size - crop + 1))
                c = c[start : start + crop]
            else:
                c = np.pad(c, (0, crop - c.size))
            if np.max(np.abs(c)) < 1e-4:
                c = clean[0][:crop] if clean[0].size >= crop else np.pad(clean[0], (0, crop - clean[0].size))
            kind = kinds[int(rng.choice(len(kinds), p=kind_p))]
            x = mix_at_snr(c, noises[kind], float(rng.choice(snrs)), rng=rng)
            g = 10 ** (rng.uniform(-15, 5) / 20) / (np.max(np.abs(x)) + 1e-9)  # random level
            xs.append(x * g)
            ss.append(c * g)
        X = _torch_stft(torch.from_numpy(np.stack(xs)), n_fft, hop)
        S = _torch_stft(torch.from_numpy(np.stack(ss)), n_fft, hop)
        Xm, Sm = X.abs().transpose(1, 2), S.abs().transpose(1, 2)
        mask = model(torch.log(Xm**2 + 1e-10))
        loss = 0.0
        if loss_kind in ("si_sdr", "combined"):
            est = torch.istft(X * mask.transpose(1, 2), n_fft=n_fft, hop_length=hop,
                              window=torch.hann_window(n_fft), length=crop)
            ref = torch.from_numpy(np.stack(ss))
            loss = -_torch_si_sdr(ref, est).mean()
        if loss_kind in ("magnitude", "combined"):
            mag = torch.mean(((mask * Xm + 1e-8) ** 0.3 - (Sm + 1e-8) ** 0.3) ** 2)
            loss = loss + (100.0 if loss_kind == "combined" else 1.0) * mag
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        history["loss"].append(loss.item())


def load_or_train_mask_net(
    clean: Sequence[np.ndarray],
    noises: dict[str, np.ndarray],
    *,
    name: str = "ch05_masknet",
    key: str = "",
    progress: bool = True,
    **train_kwargs,
):
    """Load the trained :class:`MaskNet` from ``cache_dir("models")`` or train and save it.

    The cache file name holds a hash of ``key`` (describe the training data there), the
    training arguments and the source of :func:`train_mask_net`, so a change retrains. The
    weights are a ``state_dict`` (``.pt``, loaded with ``weights_only=True``), the loss history JSON.

    Returns
    -------
    model, history, from_cache : MaskNet, dict, bool
    """
    import inspect

    torch = _torch()
    src = inspect.getsource(train_mask_net) + inspect.getsource(_train_loop) + inspect.getsource(_build_masknet)
    blob = json.dumps({"key": key, "kwargs": train_kwargs, "n": len(clean), "src": src}, sort_keys=True, default=str)
    tag = hashlib.sha1(blob.encode()).hexdigest()[:12]
    folder = cache_dir("models")
    weights, hist_path = folder / f"{name}_{tag}.pt", folder / f"{name}_{tag}.json"
    if weights.exists() and hist_path.exists():
        meta = json.loads(hist_path.read_text())
        model = MaskNet(n_freq=meta["n_freq"], hidden=meta["hidden"], layers=meta["layers"],
                        bidirectional=meta["bidirectional"], n_bands=meta.get("n_bands", 0))
        model.load_state_dict(torch.load(weights, weights_only=True))
        model.eval()
        return model, meta["history"], True
    model, history = train_mask_net(clean, noises, progress=progress, **train_kwargs)
    torch.save(model.state_dict(), weights)
    hist_path.write_text(json.dumps({"n_freq": model.n_freq, "hidden": model.hidden, "layers": model.layers,
                                     "bidirectional": model.bidirectional, "n_bands": model.n_bands,
                                     "history": history}))
    return model, history, False


#: The chapter's training recipe for :class:`MaskNet` (everything but the number of steps), chosen on a dev
#: split of the training actors (train 1-12, dev 13-16) with ``scripts/train_masknet.py --dev``. The notebook
#: trains it briefly; the script trains it longer and ships the result (:func:`load_pretrained_mask_net`).
MASKNET_RECIPE = dict(batch_size=16, crop_seconds=1.5, lr=3e-3, hidden=96, layers=1, bidirectional=True,
                      n_bands=0, noise_weights={"babble": 3.0, "music": 1.0, "pink": 1.0, "white": 1.0},
                      loss="si_sdr", seed=0)
#: Length (s) of each training noise for :class:`MaskNet`; the babble is built from *all* training utterances
#: (more talker variety than a few: chosen on the dev split, like the recipe).
TRAIN_NOISE_SECONDS = 240.0
#: sha256 of ``checkpoints/ch05_masknet.pt``: :func:`load_pretrained_mask_net` refuses any other file.
PRETRAINED_SHA256 = "cf534024b44305dc490f4c410944a8d367c44c4fdb68a9ac6d18c908dfb5d4db"


def load_pretrained_mask_net(path: str | Path | None = None, *, sha256: str | None = None):
    """Load the shipped :class:`MaskNet` checkpoint, trained longer by ``scripts/train_masknet.py``.

    The ``.pt`` file is a ``state_dict``; its sha256 is checked against ``sha256`` (default:
    :data:`PRETRAINED_SHA256`) *before* loading, and it is loaded with ``weights_only=True``. The
    ``.json`` next to it holds the architecture, the recipe and the loss history.

    Returns
    -------
    model, meta : MaskNet, dict
    """
    torch = _torch()
    path = Path(path) if path is not None else CHECKPOINT_DIR / "ch05_masknet.pt"
    meta_path = path.with_suffix(".json")
    if not path.exists() or not meta_path.exists():
        raise FileNotFoundError(f"{path}: checkpoint (or its .json) not found; run scripts/train_masknet.py")
    want = PRETRAINED_SHA256 if sha256 is None else sha256
    got = sha256_file(path)
    if got != want:
        raise ValueError(f"{path}: sha256 {got} does not match the expected {want or '(none)'}; "
                         "the file is not the shipped checkpoint (re-run scripts/train_masknet.py)")
    meta = json.loads(meta_path.read_text())
    model = MaskNet(n_freq=meta["n_freq"], hidden=meta["hidden"], layers=meta["layers"],
                    bidirectional=meta["bidirectional"], n_bands=meta.get("n_bands", 0))
    model.load_state_dict(torch.load(path, weights_only=True))
    model.eval()
    return model, meta


def model_digest(model) -> str:
    """Short SHA-256 of a network's weights (its ``state_dict``, names and bytes): a cache key
    that changes whenever the weights do, e.g. for :func:`evaluate_methods`'s ``cache_key``."""
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def mask_net_enhance(model, y: np.ndarray, sr: int) -> np.ndarray:
    """Enhance ``y`` with a trained :class:`MaskNet` (resampled to 16 kHz and back if needed)."""
    torch = _torch()
    y, sr = _prepare(y, sr)
    x = y
    if sr != NET_SR:
        import librosa

        x = librosa.resample(y, orig_sr=sr, target_sr=NET_SR, res_type="soxr_hq")
    n_fft, hop = net_stft_params()
    with torch.no_grad():
        X = _torch_stft(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None], n_fft, hop)
        mask = model(torch.log(X.abs().transpose(1, 2) ** 2 + 1e-10)).transpose(1, 2)
        out = torch.istft(X * mask, n_fft=n_fft, hop_length=hop, window=torch.hann_window(n_fft), length=x.size)
    out = out[0].numpy().astype(np.float32)
    if sr != NET_SR:
        import librosa

        out = librosa.resample(out, orig_sr=NET_SR, target_sr=sr, res_type="soxr_hq")
        out = fix_length(out, y.size)
    return out.astype(np.float32)


# --------------------------------------------------------------------------- experiment helpers
def noise_for(noises: dict[str, np.ndarray | Sequence[np.ndarray]], kind: str, utt: int) -> np.ndarray:
    """The noise of ``kind`` for clean utterance number ``utt``: ``noises[kind]`` itself, or its
    ``utt``-th entry when it is a list with one noise per utterance (e.g. babble without the
    target speaker's own voice, see :func:`babble_without_target`)."""
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

    ``targets`` holds each target utterance's speaker, ``pool``/``pool_speakers`` the babble talkers'
    utterances and speakers. Targets of the same speaker share one babble (made once).
    Pass the result as ``noises["babble"]`` to :func:`make_mixtures`, read one with :func:`noise_for`.
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
    """Every (utterance, noise kind, SNR) mixture: dicts with ``utt, noise, snr, clean, noise_sig, mix``.

    A noise is one long array, or a list with one per clean utterance (see :func:`noise_for`).
    Uses :func:`course_utils.audio.mix_at_snr` with ``return_noise=True``, so the exact noise in
    each mixture is known (the oracle masks need it).
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


def enhance_methods(model=None, *, nets: dict | None = None, noise_seconds: float = 0.25) -> dict[str, Callable]:
    """The chapter's methods as ``name -> f(mix, sr, clean, noise)`` (oracles use the truth).

    ``model`` adds a trained :class:`MaskNet` as ``"MaskNet (trained)"``; ``nets`` adds several,
    as ``{name: model}`` (in that order, before the oracles).
    ``noise_seconds``: the leading noise-only stretch used by spectral subtraction and Wiener.
    """
    ns = noise_seconds
    methods: dict[str, Callable] = {
        "noisy": lambda x, sr, c, n: x,
        "spectral subtraction (seed: a=2, no floor)": lambda x, sr, c, n: spectral_subtraction_seed(x, sr, noise_seconds=ns),
        "spectral subtraction (a=4, floor 0.02)": lambda x, sr, c, n: spectral_subtraction(x, sr, noise_seconds=ns),
        "Wiener (decision-directed)": lambda x, sr, c, n: wiener_filter(x, sr, noise_seconds=ns),
        "noisereduce stationary": lambda x, sr, c, n: noisereduce_stationary(x, sr),
        "noisereduce non-stationary": lambda x, sr, c, n: noisereduce_nonstationary(x, sr),
    }
    nets = dict(nets or {})
    if model is not None:
        nets = {"MaskNet (trained)": model, **nets}
    for name, net in nets.items():
        methods[name] = lambda x, sr, c, n, net=net: mask_net_enhance(net, x, sr)
    methods["oracle binary mask"] = lambda x, sr, c, n: oracle_enhance(c, n, sr, "binary")
    methods["oracle ratio mask"] = lambda x, sr, c, n: oracle_enhance(c, n, sr, "ratio")
    return methods


def evaluate_methods(
    mixtures: Sequence[dict],
    methods: dict[str, Callable],
    sr: int,
    *,
    full_metrics_snrs: Sequence[float] = (0.0,),
    full_metrics_noises: Sequence[str] | None = None,
    cache_key: str | None = None,
    progress: bool = True,
):
    """Score every method on every mixture: a long DataFrame
    ``method, noise, snr, utt, si_sdr, stoi, pesq`` (STOI/PESQ only at ``full_metrics_snrs``
    and, if given, for ``full_metrics_noises``; NaN elsewhere, because they are the slow ones).
    Math libraries run single-threaded here: the signals are short, and extra threads mostly
    spin on a shared CPU.

    With ``cache_key`` the table is cached as CSV in ``cache_dir("enhancement")`` (include
    everything that changes the numbers in the key, e.g. a hash of the model weights).
    """
    import pandas as pd

    path: Path | None = None
    if cache_key is not None:
        tag = hashlib.sha1(json.dumps([cache_key, list(methods), list(full_metrics_snrs), full_metrics_noises and
                                       list(full_metrics_noises), len(mixtures)]).encode()).hexdigest()[:12]
        path = cache_dir("enhancement") / f"scores_{tag}.csv"
        if path.exists():
            return pd.read_csv(path)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        rows = _score_all(mixtures, methods, sr, full_metrics_snrs, full_metrics_noises, progress)
    df = pd.DataFrame(rows)
    if path is not None:
        df.to_csv(path, index=False)
    return df


def _score_all(mixtures, methods, sr, full_metrics_snrs, full_metrics_noises, progress) -> list[dict]:
    from .progress import progress_bar

    from .metrics.enhancement import pesq_wb, si_sdr, stoi

    rows = []
    for m in progress_bar(mixtures, desc="enhancing and scoring", progress=progress, leave=True):
        full = m["snr"] in full_metrics_snrs and (full_metrics_noises is None or m["noise"] in full_metrics_noises)
        for name, f in methods.items():
            est = f(m["mix"], sr, m["clean"], m["noise_sig"])
            row = dict(method=name, noise=m["noise"], snr=m["snr"], utt=m["utt"], si_sdr=si_sdr(m["clean"], est),
                       stoi=np.nan, pesq=np.nan)
            if full:
                row["stoi"] = stoi(m["clean"], est, sr)
                try:
                    row["pesq"] = pesq_wb(m["clean"], est, sr)
                except AudioError:  # PESQ finds no speech in an over-suppressed output: leave NaN
                    pass
            rows.append(row)
    return rows


# --------------------------------------------------------------------------- tables and plots
def summarize(scores, snr: float | None = None, metrics: Sequence[str] = ("si_sdr", "stoi", "pesq")):
    """Mean of each metric per (noise, method), optionally at one input SNR, methods in table order."""
    df = scores if snr is None else scores[scores["snr"] == snr]
    order = list(dict.fromkeys(scores["method"]))
    table = df.groupby(["noise", "method"], sort=False)[list(metrics)].mean().unstack("noise")
    return table.reindex(order)


def plot_spectrograms(signals: dict[str, np.ndarray], sr: int, *, title: str = "", ncols: int | None = None):
    """Linear-frequency spectrograms side by side on one dB scale (0 dB = loudest bin of the first
    signal), so that what a method removes is visible. Returns the figure."""
    import librosa
    import librosa.display
    import matplotlib.pyplot as plt

    names = list(signals)
    ncols = ncols or len(names)
    nrows = int(np.ceil(len(names) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.8 * nrows), sharex=True, sharey=True,
                             squeeze=False)
    n_fft, hop = stft_params(sr)
    ref = float(np.max(np.abs(stft(signals[names[0]], sr))))
    img = None
    for ax, name in zip(axes.ravel(), names):
        S = librosa.amplitude_to_db(np.abs(stft(signals[name], sr)), ref=ref, top_db=None)
        img = librosa.display.specshow(np.maximum(S, -80), sr=sr, hop_length=hop, x_axis="time", y_axis="hz",
                                       ax=ax, vmin=-80, vmax=0)
        ax.set(title=name, xlabel="Time (s)", ylabel="Frequency (Hz)")
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.colorbar(img, ax=axes, format="%+.0f dB", label="Level (dB re first panel's peak)")
    if title:
        fig.suptitle(title)
    return fig


def plot_results(scores, metric: str = "si_sdr", *, improvement: bool = False):
    """One panel per noise type: ``metric`` of each method against the input SNR (mean over
    utterances); ``improvement=True`` subtracts the noisy input's score. Returns the figure."""
    import matplotlib.pyplot as plt

    kinds = list(dict.fromkeys(scores["noise"]))
    methods = list(dict.fromkeys(scores["method"]))
    mean = scores.groupby(["noise", "method", "snr"])[metric].mean()
    fig, axes = plt.subplots(1, len(kinds), figsize=(3.6 * len(kinds), 3.6), sharey=True, squeeze=False)
    labels = {"si_sdr": "SI-SDR (dB)", "stoi": "STOI", "pesq": "PESQ-WB (MOS-LQO)"}
    for ax, kind in zip(axes[0], kinds):
        base = mean.loc[(kind, "noisy")] if improvement else 0.0
        for i, name in enumerate(methods):
            if improvement and name == "noisy":
                continue
            y = mean.loc[(kind, name)] - base
            style = "--" if name.startswith("oracle") else ("-" if name != "noisy" else ":")
            ax.plot(y.index, y.values, style, marker="o", label=name, color=f"C{i}")
        ax.set(title=f"{kind} noise", xlabel="Input SNR (dB)",
               ylabel=("Improvement in " if improvement else "") + labels.get(metric, metric))
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="best")
    fig.suptitle(f"{labels.get(metric, metric)}{' improvement' if improvement else ''} by method, test speakers")
    fig.tight_layout()
    return fig
