from .restorer import Restorer

__all__ = ['Restorer']
