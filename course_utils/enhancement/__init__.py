"""Speech enhancement (chapter 5): spectral subtraction, Wiener filtering, noisereduce, oracle masks
and a small mask-estimation network, plus the chapter's experiment (noises, mixtures, scores).

One module per concept; this file only re-exports:

* :mod:`.classical` -- the STFT, the noise estimate, spectral subtraction, Wiener, noisereduce;
* :mod:`.masks` -- the oracle masks and applying a mask;
* :mod:`.masknet` -- the mask network, its training, cache and shipped checkpoint;
* :mod:`.experiment` -- noises (from :mod:`course_utils.corruptions`), mixtures, methods, scores;
* :mod:`.plots` -- the chapter's figures.

All enhancers share one call signature, ``enhance(y, sr) -> np.ndarray`` of the same length as ``y``.
Taught in ``notebooks/05_speech_enhancement.ipynb``.
"""
from .classical import (MIN_DURATION, decision_directed_gain, estimate_noise_psd, istft, noisereduce_nonstationary,
                        noisereduce_stationary, spectral_subtraction, spectral_subtraction_seed, stft, stft_params,
                        subtract_noise_power, wiener_filter)
from .experiment import (NOISE_KINDS, babble_without_target, enhance_methods, evaluate_methods, make_mixtures,
                         make_noise, noise_for, summarize)
from .masknet import (MASKNET_RECIPE, NET_SR, PRETRAINED_SHA256, TRAIN_NOISE_SECONDS, MaskNet, load_or_train_mask_net,
                      load_pretrained_mask_net, mask_net_enhance, net_stft_params, shipped_mask_net, train_mask_net)
from .masks import apply_mask, ideal_binary_mask, ideal_ratio_mask, oracle_enhance
from .plots import plot_loss_curves, plot_results, plot_spectrograms

__all__ = [
    "MIN_DURATION",
    "NOISE_KINDS",
    "stft_params",
    "stft",
    "istft",
    "estimate_noise_psd",
    "subtract_noise_power",
    "spectral_subtraction",
    "spectral_subtraction_seed",
    "decision_directed_gain",
    "wiener_filter",
    "noisereduce_stationary",
    "noisereduce_nonstationary",
    "ideal_binary_mask",
    "ideal_ratio_mask",
    "apply_mask",
    "oracle_enhance",
    "make_noise",
    "NET_SR",
    "MaskNet",
    "train_mask_net",
    "load_or_train_mask_net",
    "load_pretrained_mask_net",
    "shipped_mask_net",
    "MASKNET_RECIPE",
    "TRAIN_NOISE_SECONDS",
    "PRETRAINED_SHA256",
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
    "plot_loss_curves",
]
