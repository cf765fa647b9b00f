"""Evaluation metrics, one module per field, tested against reference implementations.

* :mod:`course_utils.metrics.verification`: EER, minDCF, DET curve (chapter 3).
* :mod:`course_utils.metrics.enhancement`: SNR, segmental SNR, SI-SDR, PESQ and STOI wrappers (chapter 5).
* :mod:`course_utils.metrics.diarization`: diarization error rate, change-point F1 (chapter 8).
"""
