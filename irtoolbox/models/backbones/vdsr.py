"""VDSR (Kim et al., CVPR 2016) as DL-Net's SISR backbone (Guo et al., "Deep
Likelihood Network", Sec. IV-D/E, Fig. 6): 20 convolutional layers of 64
channels; as in DL-Net (after IDN), the features are computed at low
resolution and the global skip is a bicubic upscaling of the input.

Layers 1-19 are 3x3 convs (the first from the image, the others 64 -> 64),
each followed by ReLU; the 20th is the upscaling transposed conv to the image.
z is the 19th conv's output before its ReLU, so h = ReLU + transposed conv +
bicubic skip (:func:`sisr_output_layer_cfg`). Y channel by default
(``in_channels=1``), RGB as an option.
"""
from types import MappingProxyType
from typing import Mapping, Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer

from irtoolbox.models.layers.image_output import SISROutputBackbone
from irtoolbox.registry import MODELS

_RELU = MappingProxyType(dict(type='ReLU'))  # read-only default


@MODELS.register_module()
class VDSR(SISROutputBackbone):
    """VDSR at low resolution with a bicubic global skip, split at z.

    Args:
        in_channels: image channels (1: the Y channel, as the paper). Default: 1.
        scale: upscaling factor (2, 3, 4). Default: 2.
        mid_channels: width. Default: 64.
        num_layers: convolutional layers including the output one. Default: 20.
        act_cfg: activation; ``None``: none (a linear network). Default:
            ``dict(type='ReLU')``.
        out_kernel_size: kernel of the upscaling transposed conv. Default: 17.
        with_output_layer: True: the whole network (returns the image); False:
            g only (returns z). Default: True.
        init_cfg: mmengine initialisation config. Default: None (MSRA).
    """

    def __init__(self, in_channels: int = 1, scale: int = 2, mid_channels: int = 64,
                 num_layers: int = 20, act_cfg: Optional[Mapping] = _RELU,
                 out_kernel_size: int = 17, with_output_layer: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        # 'Identity' is how the output layer is told 'no activation'
        act_cfg = dict(type='Identity') if act_cfg is None else dict(act_cfg)
        layers = [nn.Conv2d(in_channels, mid_channels, 3, 1, 1)]
        for _ in range(num_layers - 2):
            layers += [nn.Identity() if act_cfg['type'] == 'Identity'
                       else build_activation_layer(act_cfg),
                       nn.Conv2d(mid_channels, mid_channels, 3, 1, 1)]
        self.body = nn.Sequential(*layers)
        self.build_output_layer(mid_channels, in_channels, scale, act_cfg, out_kernel_size,
                                with_output_layer)

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            for module in self.body:
                if isinstance(module, nn.Conv2d):
                    nn.init.kaiming_normal_(module.weight, nonlinearity='relu')
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` normalised low-resolution image.

        Returns: the ``N x C x sH x sW`` restoration, or z (``N x 64 x H x W``).
        """
        z = self.body(x)
        return self.output(z, x)
