"""Small building blocks shared by backbones, necks and heads."""
from .channel_attention import ChannelAttention
from .channel_layer_norm import ChannelLayerNorm
from .fd_fa_layers import FDFABlock
from .gdn import GDN
from .image_output import ImageOutputLayer
from .subpix_upsamp import SubPixUpsamp
from .tf_init import TFVarianceScalingInit

__all__ = ['ChannelAttention', 'ChannelLayerNorm', 'FDFABlock', 'GDN', 'ImageOutputLayer',
           'SubPixUpsamp', 'TFVarianceScalingInit']
