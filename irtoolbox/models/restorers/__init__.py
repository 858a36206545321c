from .gan_restorer import GANRestorer
from .restorer import Restorer

__all__ = ['Restorer']
__all__ += ['GANRestorer']
