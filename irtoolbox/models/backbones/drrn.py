"""DRRN (Tai et al., CVPR 2017) in DL-Net's variant (Guo et al., "Deep
Likelihood Network", Sec. IV-D/E, Fig. 6): one recursive block of nine
residual units (B1U9) whose two 3x3 convs are shared by all units, the
outputs of every third recursion concatenated and fused by a 1x1 conv to 64
channels, LeakyReLU(0.05) throughout, features at low resolution with a
bicubic global skip.

- an input conv 3x3 C -> 128 gives x0 (DRRN's width is 128);
- unit u: x_u = x0 + conv_b(act(conv_a(act(x_{u-1})))) (pre-activation,
  the two convs shared by every u, no BatchNorm by default);
- z = conv1x1(cat(x_3, x_6, x_9)), 3 x 128 -> 64 channels, before its
  activation; h = LeakyReLU(0.05) + transposed conv 64 -> C + bicubic skip.

About 0.34 M parameters at x2 (the paper gives ~0.36 M).
"""
from types import MappingProxyType
from typing import Mapping, Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer

from irtoolbox.models.layers.image_output import SISROutputBackbone
from irtoolbox.registry import MODELS

_LEAKY = MappingProxyType(dict(type='LeakyReLU', negative_slope=0.05))  # read-only default


@MODELS.register_module()
class DRRN(SISROutputBackbone):
    """DRRN B1U9 with concatenation every three recursions, split at z.

    Args:
        in_channels: image channels (1: the Y channel, as the paper). Default: 1.
        scale: upscaling factor. Default: 2.
        mid_channels: width of the recursive block. Default: 128.
        num_units: residual units U of the block. Default: 9.
        concat_every: concatenate the output of every this many units. Default: 3.
        fuse_channels: channels of the 1x1 fusion conv (z). Default: 64.
        act_cfg: activation; ``None``: none (a linear network). Default:
            ``dict(type='LeakyReLU', negative_slope=0.05)``.
        norm_cfg: normalisation before each activation of the units (DRRN's
            BatchNorm; not shared between units). Default: None.
        out_kernel_size: kernel of the upscaling transposed conv. Default: 17.
        with_output_layer: True: the whole network; False: g only (z). Default: True.
        init_cfg: mmengine initialisation config. Default: None (MSRA).
    """

    def __init__(self, in_channels: int = 1, scale: int = 2, mid_channels: int = 128,
                 num_units: int = 9, concat_every: int = 3, fuse_channels: int = 64,
                 act_cfg: Optional[Mapping] = _LEAKY, norm_cfg: Optional[dict] = None,
                 out_kernel_size: int = 17, with_output_layer: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_units % concat_every:
            raise ValueError(f'DRRN: num_units {num_units} must be a multiple of '
                             f'concat_every {concat_every}')
        # 'Identity' is how the output layer is told 'no activation'
        act_cfg = dict(type='Identity') if act_cfg is None else dict(act_cfg)
        self.num_units, self.concat_every = num_units, concat_every
        self.conv_in = nn.Conv2d(in_channels, mid_channels, 3, 1, 1)
        self.conv_a = nn.Conv2d(mid_channels, mid_channels, 3, 1, 1)
        self.conv_b = nn.Conv2d(mid_channels, mid_channels, 3, 1, 1)
        self.act = nn.Identity() if act_cfg['type'] == 'Identity' \
            else build_activation_layer(act_cfg)
        self.norms = nn.ModuleList(
            [nn.ModuleList([build_norm_layer(norm_cfg, mid_channels)[1] for _ in range(2)])
             for _ in range(num_units)]) if norm_cfg else None
        self.fuse = nn.Conv2d(mid_channels * (num_units // concat_every), fuse_channels, 1)
        self.build_output_layer(fuse_channels, in_channels, scale, act_cfg, out_kernel_size,
                                with_output_layer)

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            for conv in (self.conv_in, self.conv_a, self.conv_b, self.fuse):
                nn.init.kaiming_normal_(conv.weight, a=0.05, nonlinearity='leaky_relu')
                nn.init.zeros_(conv.bias)

    def _pre(self, x: torch.Tensor, unit: int, which: int) -> torch.Tensor:
        if self.norms is not None:
            x = self.norms[unit][which](x)
        return self.act(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` normalised low-resolution image.

        Returns: the ``N x C x sH x sW`` restoration, or z (``N x 64 x H x W``).
        """
        x0 = self.conv_in(x)
        out, kept = x0, []
        for unit in range(self.num_units):
            out = x0 + self.conv_b(self._pre(self.conv_a(self._pre(out, unit, 0)), unit, 1))
            if (unit + 1) % self.concat_every == 0:
                kept.append(out)
        z = self.fuse(torch.cat(kept, dim=1))
        return self.output(z, x)
