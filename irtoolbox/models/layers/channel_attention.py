"""Channel attention (squeeze-and-excitation; Hu et al., CVPR 2018, Eq. 2-3), as
used by RCAN and by FDR-Net's feature aggregation (Eq. 6) and fusion (Sec. 3.5).

``CA(x) = x * sigmoid(W2 act(W1 avgpool(x)))`` with 1x1 convolutions ``W1``
(C -> C / reduction) and ``W2`` (back to C). FDR-Net does not give the
reduction; 16 (RCAN's) is the default, configurable.
"""
from types import MappingProxyType
from typing import Mapping, Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS

_RELU = MappingProxyType(dict(type='ReLU'))  # read-only: a default shared by every call


@MODELS.register_module()
class ChannelAttention(BaseModule):
    """``x * sigmoid(W2 act(W1 avgpool(x)))``.

    Args:
        in_channels: channels of the input. Required.
        reduction: squeeze ratio of the hidden layer (hidden width at least 1).
            Default: 16.
        act_cfg: activation of the hidden layer; ``None``: none (linear).
            Default: ``dict(type='ReLU')``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, in_channels: int, reduction: int = 16,
                 act_cfg: Optional[Mapping] = _RELU,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels < 1 or reduction < 1:
            raise ValueError(f'ChannelAttention: in_channels and reduction must be >= 1, got '
                             f'{in_channels} and {reduction}')
        hidden = max(1, in_channels // reduction)
        self.squeeze = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_channels, hidden, 1),
            nn.Identity() if act_cfg is None else build_activation_layer(dict(act_cfg)),
            nn.Conv2d(hidden, in_channels, 1), nn.Sigmoid())
        self.out_channels = in_channels  # protocol attribute, read by the plugin stack

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` features, any range. Returns: the same shape, each
        channel scaled by its weight in (0, 1)."""
        return x * self.squeeze(x)
