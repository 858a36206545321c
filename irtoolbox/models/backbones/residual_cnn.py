"""A small residual CNN: the demo backbone.

conv3x3 -> ``num_blocks`` x [conv3x3, ReLU, conv3x3] residual blocks ->
conv3x3, plus a global skip from the input, so the network learns the
residual between the degraded and the clean image (as in DnCNN/VDSR).
It is fully convolutional; its receptive field is ``2 * (2 + 2 * num_blocks)
+ 1`` pixels wide (each 3x3 conv adds 2).
"""
from types import MappingProxyType
from typing import Mapping, Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS

_RELU = MappingProxyType(dict(type='ReLU', inplace=True))


class ResidualBlock(nn.Module):
    """conv3x3 - act - conv3x3 with an identity skip."""

    def __init__(self, channels: int, act_cfg: Optional[Mapping]) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.act = build_activation_layer(dict(act_cfg)) if act_cfg else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.act(self.conv1(x)))


@MODELS.register_module()
class ResidualCNN(BaseModule):
    """The demo restoration backbone.

    Weights keep PyTorch's default initialisation unless ``init_cfg`` says
    otherwise.

    Args:
        in_channels: input image channels. Default: 3.
        out_channels: output image channels, equal to ``in_channels`` for the
            global skip. Default: 3.
        mid_channels: feature width. Default: 32.
        num_blocks: residual blocks. Default: 4.
        act_cfg: mmcv activation config inside each block (``None``: linear).
            Default: ``dict(type='ReLU', inplace=True)``.
        init_cfg: mmengine init config. Default: None.
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 3, mid_channels: int = 32,
                 num_blocks: int = 4, act_cfg: Optional[Mapping] = _RELU,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels != out_channels:
            raise ValueError('ResidualCNN: in_channels must equal out_channels (global skip), '
                             f'got {in_channels} and {out_channels}')
        self.head = nn.Conv2d(in_channels, mid_channels, 3, padding=1)
        self.body = nn.Sequential(*[ResidualBlock(mid_channels, act_cfg)
                                    for _ in range(num_blocks)])
        self.tail = nn.Conv2d(mid_channels, out_channels, 3, padding=1)
        self.out_channels = out_channels
        self.receptive_field = 2 * (2 + 2 * num_blocks) + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Restore a batch: ``x`` plus the predicted residual.

        Args:
            x: ``N x C x H x W`` degraded images, any size, in the
                preprocessor's range (``[0, 1]`` with its defaults).

        Returns:
            ``N x C x H x W`` restored images in the same range (not clamped).
        """
        return x + self.tail(self.body(self.head(x)))
