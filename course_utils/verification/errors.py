"""The errors of :mod:`course_utils.verification`, each naming what went wrong and what to do.

Notebook: 03_speaker_verification § `SpeakerVerifier`: the whole pipeline in one object
"""
from __future__ import annotations

__all__ = ["VerificationError", "UnknownSpeakerError", "EnrollmentError", "VoiceprintFileError"]


class VerificationError(ValueError):
    """A verifier or back-end used in a way that cannot work (no threshold, nothing enrolled, unfitted).

    Notebook: 03_speaker_verification § `SpeakerVerifier`: the whole pipeline in one object
    """


class UnknownSpeakerError(KeyError):
    """A speaker id that was never enrolled; the message lists the enrolled ones.

    Notebook: 03_speaker_verification § `SpeakerVerifier`: the whole pipeline in one object
    """

    def __str__(self) -> str:  # KeyError would print the message with quotes
        return str(self.args[0]) if self.args else "unknown speaker"


class EnrollmentError(ValueError):
    """Enrollment without usable audio (an empty list, no sample rate for arrays, ...).

    Notebook: 03_speaker_verification § `SpeakerVerifier`: the whole pipeline in one object
    """


class VoiceprintFileError(ValueError):
    """A saved verifier file that is missing, corrupt, or made with another embedder.

    Notebook: 03_speaker_verification § Saving and loading a verifier
    """
