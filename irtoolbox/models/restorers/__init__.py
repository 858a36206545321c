"""Top-level restoration models driven by the Runner."""
from .gan_restorer import GANRestorer
from .restorer import Restorer

__all__ = ['GANRestorer', 'Restorer']
