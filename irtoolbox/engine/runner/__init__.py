"""Training loops and the strict-loading runner of the tools."""
from .loops import ResumableIterBasedTrainLoop
from .strict_runner import StrictLoadRunner

__all__ = ['ResumableIterBasedTrainLoop', 'StrictLoadRunner']
