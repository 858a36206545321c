"""Data structures passed between pipeline, model and metrics."""
from .data_sample import RestorationDataSample

__all__ = ['RestorationDataSample']
