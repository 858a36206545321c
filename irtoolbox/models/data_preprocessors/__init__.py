from .restoration_data_preprocessor import RestorationDataPreprocessor

__all__ = ['RestorationDataPreprocessor']
