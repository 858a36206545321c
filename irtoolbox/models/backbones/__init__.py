"""Backbones: the main restoration networks."""
from .backbone_trunk import BackboneTrunk
from .context_encoder import ContextEncoderAE
from .drrn import DRRN
from .en_decoder import EnDecoder
from .fdrnet import FDRNet
from .idn import IDN
from .idr_released import IDRReleased
from .residual_cnn import ResidualCNN
from .restormer import Restormer
from .sft_context_encoder import SFTContextEncoderAE
from .unet import UNetGenerator
from .vdsr import VDSR

__all__ = [
    'BackboneTrunk', 'ContextEncoderAE', 'DRRN', 'EnDecoder', 'FDRNet', 'IDN', 'IDRReleased',
    'ResidualCNN', 'Restormer', 'SFTContextEncoderAE', 'UNetGenerator', 'VDSR'
]
