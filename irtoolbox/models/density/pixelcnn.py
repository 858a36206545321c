"""Conditional PixelCNN++ degradation model p(degraded | clean).

Han et al., "Perceptual image restoration with high-quality priori and
degradation learning" (2024), Sec. 3.2 and Fig. 1: PixelCNN++ (Salimans et al.,
ICLR 2017) without its down- and up-sampling branch (a small, local receptive
field), with the clean image fed to every conditional block, and the
discretized logistic mixture likelihood (see
``irtoolbox.models.losses.discretized_logistic_mixture_loss``). Sec. 4.1: six
conditional blocks after the downward and rightward streams, 100 channels.

Network (x = degraded image in [-1, 1] with a ones channel appended, so that
the zero padding is told apart from black)::

    u  = down_shift(conv_2x3^down(x))
    ul = down_shift(conv_1x3^down(x)) + right_shift(conv_2x1^down_right(x))
    for each block b:
        u  = gated_u_b(u, clean)              # 2 x 3 'down' convolutions
        ul = gated_ul_b(ul, clean, skip=u)    # 2 x 2 'down_right' convolutions
    params = nin(elu(ul))                     # N x 10K x H x W (RGB)

The output at pixel (i, j) depends only on x at rows < i and at row i,
columns < j (raster order); the channels of a pixel are ordered by the
mixture's coefficients. Each block updates both streams; PixelCNN++'s u/ul
order inside a block is kept (the ul update reads the block's new u).
"""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS

from ..losses.discretized_logistic_mixture_loss import num_mixture_params
from .pixelcnn_layers import ConditionalGatedResBlock, WNConv2d, down_shift, right_shift


@MODELS.register_module()
class ConditionalPixelCNN(BaseModule):
    """Conditional PixelCNN++ without down/up-sampling (see the module docstring).

    Args:
        in_channels: channels of the modelled (degraded) image. Default: 3.
        cond_channels: channels of the conditioning (clean) image. Default: 3.
        channels: F, channels of both streams (paper: 100). Default: 100.
        num_blocks: conditional gated blocks per stream (paper: 6). Default: 6.
        num_mix: logistic mixture components (PixelCNN++: 10). Default: 10.
        dropout: dropout in the gated blocks (PixelCNN++: 0.5). Default: 0.5.
        cond_kernel_size: side of each block's convolution of the clean image.
            Default: 3.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, in_channels: int = 3, cond_channels: int = 3, channels: int = 100,
                 num_blocks: int = 6, num_mix: int = 10, dropout: float = 0.5,
                 cond_kernel_size: int = 3, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.cond_channels = cond_channels
        self.channels = channels
        self.num_blocks = num_blocks
        self.num_mix = num_mix
        self.out_channels = num_mixture_params(in_channels, num_mix)
        x_channels = in_channels + 1
        self.u_init = WNConv2d(x_channels, channels, (2, 3), 'down')
        self.ul_init_up = WNConv2d(x_channels, channels, (1, 3), 'down')
        self.ul_init_left = WNConv2d(x_channels, channels, (2, 1), 'down_right')
        block = dict(cond_channels=cond_channels, cond_kernel_size=cond_kernel_size,
                     dropout=dropout)
        self.u_blocks = nn.ModuleList(
            ConditionalGatedResBlock(channels, (2, 3), 'down', **block)
            for _ in range(num_blocks))
        self.ul_blocks = nn.ModuleList(
            ConditionalGatedResBlock(channels, (2, 2), 'down_right', skip_channels=channels,
                                     **block) for _ in range(num_blocks))
        self.out = WNConv2d(channels, self.out_channels)

    def init_weights(self) -> None:
        """Each weight-normalised convolution: v ~ N(0, 1 / fan_in), g = ||v||, bias 0."""
        super().init_weights()
        if self.init_cfg is None:
            for module in self.modules():
                if isinstance(module, WNConv2d):
                    module.init_weights()

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """x: N x C x H x W degraded image in [-1, 1]; cond: N x C_c x H x W clean
        image in [-1, 1]. Returns: N x P x H x W mixture parameters (layout of
        ``split_params``), causal in x."""
        if x.shape[0] != cond.shape[0] or x.shape[2:] != cond.shape[2:]:
            raise ValueError(f'ConditionalPixelCNN: degraded {tuple(x.shape)} and clean '
                             f'{tuple(cond.shape)} images differ in batch or size')
        x = torch.cat([x, torch.ones_like(x[:, :1])], dim=1)
        u = down_shift(self.u_init(x))
        ul = down_shift(self.ul_init_up(x)) + right_shift(self.ul_init_left(x))
        for u_block, ul_block in zip(self.u_blocks, self.ul_blocks):
            u = u_block(u, cond)
            ul = ul_block(ul, cond, skip=u)
        return self.out(torch.nn.functional.elu(ul))
