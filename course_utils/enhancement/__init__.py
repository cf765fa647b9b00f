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
from . import classical, experiment, masknet, masks, plots
from .classical import *  # noqa: F401,F403
from .experiment import *  # noqa: F401,F403
from .masknet import *  # noqa: F401,F403
from .masks import *  # noqa: F401,F403
from .plots import *  # noqa: F401,F403

__all__ = [*classical.__all__, *masks.__all__, *masknet.__all__, *experiment.__all__, *plots.__all__]
