"""Backbones: the main restoration networks."""
from .en_decoder import EnDecoder
from .residual_cnn import ResidualCNN
from .unet import UNetGenerator

__all__ = ['EnDecoder', 'ResidualCNN', 'UNetGenerator']
