from .en_decoder import EnDecoder
from .residual_cnn import ResidualCNN
from .unet import UNetGenerator

__all__ = ['ResidualCNN']
__all__ += ['UNetGenerator', 'EnDecoder']
