"""Making a neural speaker encoder smaller: dynamic int8 quantization and magnitude pruning.

Taught in ``notebooks/07_integrated_pipeline.ipynb`` (section 6). The encoder is resemblyzer's
GE2E LSTM (``course_utils.embeddings.load_or_train("resemblyzer").encoder``); utterances are cut
into its 1.6 s partial windows (:func:`partial_mels`) so that every compressed copy of the model
embeds exactly the same input (:func:`utterance_embeddings`).
"""
from __future__ import annotations

import copy
import io
import time
import warnings
from collections.abc import Sequence

import numpy as np
import torch
from torch.ao.quantization import quantize_dynamic
from torch.nn.utils import prune

__all__ = ["quantized", "pruned", "state_bytes", "weight_zero_fraction", "cpu_ms_per_call", "speed_up", "partial_mels",
           "utterance_embeddings"]


def quantized(model: torch.nn.Module, layers: Sequence[type] = (torch.nn.LSTM, torch.nn.Linear)) -> torch.nn.Module:
    """A dynamically int8-quantized copy of ``model`` (``torch.ao.quantization.quantize_dynamic``).

    torch announces the deprecation of ``torch.ao.quantization`` on every call; those notices (and
    only those) are silenced here.

    Parameters
    ----------
    model : torch.nn.Module
        The float32 model (left unchanged).
    layers : sequence of type
        Layer types to quantize (LSTM and linear layers are supported).

    Returns
    -------
    torch.nn.Module

    Notebook: 07_integrated_pipeline § Making the neural model smaller: int8 quantization and magnitude pruning
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*quantiz.*")  # torch.ao's deprecation notices
        return quantize_dynamic(model, set(layers), dtype=torch.qint8)


def pruned(model: torch.nn.Module, amount: float, modules: Sequence[str] = ("lstm", "linear")) -> torch.nn.Module:
    """A copy of ``model`` with the ``amount`` fraction of smallest-magnitude weights set to zero.

    Parameters
    ----------
    model : torch.nn.Module
        The model (left unchanged).
    amount : float
        Fraction of each weight tensor to zero (``torch.nn.utils.prune.l1_unstructured``).
    modules : sequence of str
        Names of the sub-modules whose weights are pruned.

    Returns
    -------
    torch.nn.Module

    Notebook: 07_integrated_pipeline § Making the neural model smaller: int8 quantization and magnitude pruning
    """
    m = copy.deepcopy(model)
    for mod in (getattr(m, name) for name in modules):
        for name, _ in list(mod.named_parameters()):
            if "weight" in name:
                prune.l1_unstructured(mod, name, amount=amount)
                prune.remove(mod, name)
    return m


def _float_arrays(model: torch.nn.Module) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in model.state_dict().items() if isinstance(v, torch.Tensor) and v.dtype.is_floating_point}


def state_bytes(model: torch.nn.Module, compressed: bool = False) -> int:
    """Bytes of the stored weights: ``torch.save`` of the state_dict, or a compressed npz.

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    compressed : bool
        Store the floating-point tensors with ``np.savez_compressed`` instead (zeros compress well:
        what sparse storage of pruned weights can gain).

    Returns
    -------
    int

    Notebook: 07_integrated_pipeline § Making the neural model smaller: int8 quantization and magnitude pruning
    """
    buf = io.BytesIO()
    if compressed:
        np.savez_compressed(buf, **_float_arrays(model))
    else:
        torch.save(model.state_dict(), buf)
    return buf.getbuffer().nbytes


def weight_zero_fraction(model: torch.nn.Module) -> float:
    """Mean fraction of exact zeros over the floating-point weight tensors (0.0 when there are none).

    Parameters
    ----------
    model : torch.nn.Module
        The model.

    Returns
    -------
    float

    Notebook: 07_integrated_pipeline § Making the neural model smaller: int8 quantization and magnitude pruning
    """
    return float(np.mean([(p == 0).float().mean().item() for n, p in model.state_dict().items()
                          if isinstance(p, torch.Tensor) and p.dtype.is_floating_point and "weight" in n] or [0.0]))


def cpu_ms_per_call(model: torch.nn.Module, x: torch.Tensor, repeats: int = 7) -> np.ndarray:
    """CPU milliseconds of each of ``repeats`` forward passes (after one warm-up call).

    CPU time (``time.process_time``) is robust to other processes on a shared machine, but not to
    everything (caches, frequency scaling): compare models with :func:`speed_up`, which looks at the
    spread of the repeated calls before calling a difference a speed-up.

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    x : torch.Tensor
        Its input batch.
    repeats : int
        Timed calls (at least 1).

    Returns
    -------
    np.ndarray
        ``repeats`` CPU times in milliseconds.

    Notebook: 07_integrated_pipeline § Making the neural model smaller: int8 quantization and magnitude pruning
    """
    if repeats < 1:
        raise ValueError(f"cpu_ms_per_call: repeats must be at least 1, got {repeats}")
    times = []
    with torch.no_grad():
        model(x)  # warm-up
        for _ in range(repeats):
            t0 = time.process_time()
            model(x)
            times.append(1000 * (time.process_time() - t0))
    return np.asarray(times)


def speed_up(reference_ms: np.ndarray, ms: np.ndarray) -> tuple[float, str]:
    """How much faster ``ms`` is than ``reference_ms`` (ratio of medians), and whether that is more than noise.

    A difference counts only when the two sets of repeated timings do not overlap at all (every
    call of one is faster than every call of the other); otherwise it is timing noise.

    Parameters
    ----------
    reference_ms, ms : np.ndarray
        Repeated timings of the reference model and of the model compared with it
        (:func:`cpu_ms_per_call`).

    Returns
    -------
    ratio : float
        ``median(reference_ms) / median(ms)``.
    verdict : str
        ``"faster"``, ``"slower"`` or ``"no clear difference"``.

    Notebook: 07_integrated_pipeline § Making the neural model smaller: int8 quantization and magnitude pruning
    """
    reference_ms, ms = np.asarray(reference_ms, float), np.asarray(ms, float)
    if not reference_ms.size or not ms.size or not (np.isfinite(reference_ms).all() and np.isfinite(ms).all()):
        raise ValueError("speed_up: need finite timings for both models")
    ratio = float(np.median(reference_ms) / np.median(ms))
    if ms.max() < reference_ms.min():
        return ratio, "faster"
    if ms.min() > reference_ms.max():
        return ratio, "slower"
    return ratio, "no clear difference"


def partial_mels(y: np.ndarray, sr: int, win: int = 160, hop: int = 80) -> np.ndarray:
    """resemblyzer's input for one utterance: its 40-band mel frames cut into 1.6 s partials.

    resemblyzer's own volume normalisation and trimming (``preprocess_wav``) come first; partials
    of ``win`` frames start every ``hop`` frames, the last ones zero-padded to ``win``.

    Parameters
    ----------
    y : np.ndarray
        Mono utterance.
    sr : int
        Its sample rate.
    win, hop : int
        Partial length and hop in 10 ms frames.

    Returns
    -------
    np.ndarray
        ``(n_partials, win, 40)``.

    Notebook: 07_integrated_pipeline § Making the neural model smaller: int8 quantization and magnitude pruning
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # resemblyzer imports the deprecated pkg_resources (through webrtcvad)
        from resemblyzer import preprocess_wav
        from resemblyzer.audio import wav_to_mel_spectrogram

    mel = wav_to_mel_spectrogram(preprocess_wav(y, sr))
    starts = range(0, max(1, len(mel) - win + 1), hop)
    return np.stack([np.pad(mel[s:s + win], ((0, max(0, win - len(mel[s:s + win]))), (0, 0))) for s in starts])


def utterance_embeddings(model: torch.nn.Module, mels: Sequence[np.ndarray]) -> np.ndarray:
    """Unit-length utterance embeddings: the mean of each utterance's partial embeddings.

    All partials of all utterances go through ``model`` in one batch.

    Parameters
    ----------
    model : torch.nn.Module
        A (possibly compressed) resemblyzer encoder.
    mels : sequence of np.ndarray
        :func:`partial_mels` of each utterance.

    Returns
    -------
    np.ndarray
        ``(n_utterances, 256)``.

    Notebook: 07_integrated_pipeline § Making the neural model smaller: int8 quantization and magnitude pruning
    """
    sizes = [len(m) for m in mels]
    with torch.no_grad():
        E = model(torch.from_numpy(np.concatenate(mels)).float()).numpy()
    out = np.stack([e.mean(0) for e in np.split(E, np.cumsum(sizes)[:-1])])
    return out / np.linalg.norm(out, axis=1, keepdims=True)
