"""Small building blocks shared by backbones, necks and heads."""
from .channel_attention import ChannelAttention
from .fd_fa_layers import FDFABlock
from .gdn import GDN
from .image_output import ImageOutputLayer
from .subpix_upsamp import SubPixUpsamp

__all__ = ['ChannelAttention', 'FDFABlock', 'GDN', 'ImageOutputLayer', 'SubPixUpsamp']
