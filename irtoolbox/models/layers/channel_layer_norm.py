"""Layer normalisation over the channels of each pixel (Restormer, CVPR 2022, Sec. 3).

Restormer normalises each pixel's C-vector: ``(x - mu) / sqrt(var + eps) * w
+ b`` ("WithBias") or ``x / sqrt(var + eps) * w`` ("BiasFree": no mean
subtraction, no offset; the variance is still about the mean), eps 1e-5. It
is a registered norm (``norm_cfg=dict(type='ChannelLayerNorm', bias=False)``),
built as ``MODELS.build(dict(norm_cfg, num_features=C))``.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS


@MODELS.register_module()
class ChannelLayerNorm(BaseModule):
    """LayerNorm over the channels of each pixel of an ``N x C x H x W`` map.

    Args:
        num_features: channels C. Required.
        eps: added to the variance. Default: 1e-5.
        bias: True: ``(x - mu) / sigma * w + b``; False: Restormer's bias-free
            form ``x / sigma * w`` (sigma still about the mean). Default: True.
        init_cfg: mmengine initialisation config. Default: ``None`` (w = 1, b = 0).
    """

    _abbr_ = 'ln'

    def __init__(self, num_features: int, eps: float = 1e-5, bias: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W``. Returns: the same shape, normalised per pixel."""
        var = x.var(dim=1, keepdim=True, unbiased=False)
        if self.bias is None:
            return x / torch.sqrt(var + self.eps) * self.weight[:, None, None]
        mean = x.mean(dim=1, keepdim=True)
        return ((x - mean) / torch.sqrt(var + self.eps) * self.weight[:, None, None]
                + self.bias[:, None, None])

