from .data_sample import RestorationDataSample

__all__ = ['RestorationDataSample']
