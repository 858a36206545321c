"""SubPixUpsamp: sub-pixel convolutional up-sampling (Shi et al., 2016).

InfoAccum paper ("An Information-theoretic Perspective of Generative Image
Restoration"), Appendix G.D, Eq. (15): a convolution produces ``C * r^2``
channels at low resolution and a periodic shuffle rearranges them into a
``rH x rW x C`` image,

    PS(T)[h, w, c] = T[floor(h / r), floor(w / r), C r mod(w, r) + C mod(h, r) + c].

``nn.PixelShuffle`` implements the same rearrangement with the channel index
``c r^2 + r mod(h, r) + mod(w, r)``; the two differ only by a fixed
permutation of the convolution's output channels, which the learned
convolution absorbs, so they span the same functions. The paper uses it for the
top (outermost) up-sampling of the U-Net decoder instead of a transposed
convolution, to avoid checkerboard artefacts and keep details.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS


@MODELS.register_module()
class SubPixUpsamp(BaseModule):
    """Conv(k x k) to ``out_channels * scale^2`` channels, then PixelShuffle(scale).

    Args:
        in_channels: channels of the low-resolution input. Required.
        out_channels: channels of the up-sampled output. Required.
        scale: up-sampling factor r. Default: 2 (the paper's).
        kernel_size: odd kernel size of the convolution ('same' padding).
            Default: 3.
        bias: whether the convolution has a bias. Default: True.
        init_cfg: mmengine init config. Default: None (PyTorch's conv init).
    """

    def __init__(self, in_channels: int, out_channels: int, scale: int = 2,
                 kernel_size: int = 3, bias: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if kernel_size % 2 != 1:
            raise ValueError(f'SubPixUpsamp: kernel_size must be odd, got {kernel_size}')
        self.out_channels = out_channels
        self.scale = scale
        self.conv = nn.Conv2d(in_channels, out_channels * scale ** 2, kernel_size,
                              padding=kernel_size // 2, bias=bias)
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Up-sample features.

        Args:
            x: ``N x in_channels x H x W`` features, any range.

        Returns:
            ``N x out_channels x rH x rW`` (r = ``scale``), unbounded (a
            following activation, e.g. the U-Net's Tanh, sets the range).
        """
        return self.shuffle(self.conv(x))
