"""Data preprocessors: batch, normalise and pad model inputs."""
from .restoration_data_preprocessor import RestorationDataPreprocessor

__all__ = ['RestorationDataPreprocessor']
