"""irtoolbox: an image-restoration toolbox in the OpenMMLab 2.x style."""
from .version import __version__

__all__ = ['__version__']
