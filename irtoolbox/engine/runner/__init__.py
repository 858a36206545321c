"""Training loops."""
from .loops import ResumableIterBasedTrainLoop

__all__ = ['ResumableIterBasedTrainLoop']
