"""InfoAccum: the information-accumulation module of the InfoAccum paper.

"An Information-theoretic Perspective of Generative Image Restoration",
Section V and Appendix G.C, Eq. (13)-(14). A DenseNet-style block put before
the generator (or before any encoder level, Appendix H.A) so that the input is
kept intact and repeatedly re-extracted at several receptive fields:

    x_i = concat([x_{i-1}, F_i(x_{i-1}), G_i(x_{i-1}), H_i(x_{i-1})])      (14)

F_i, G_i and H_i are 3x3 convolutions of dilation (and padding) 1, 3 and 5,
each producing ``growth`` (k) channels. After L layers the output holds the
untouched input and every extracted feature:

    C_out = C_in + len(dilations) * k * L     (= C_in + 3kL by default).

The paper leaves the rest of the composite functions open. Our choice
(configurable): conv -> ReLU, no normalisation. Convolution first, so that
every branch sees the raw input (a pre-activation ReLU would clip the
negative half of a [-1, 1] image, which the paper wants preserved); no norm,
because the paper trains with batch size 1, where BatchNorm statistics are
per-image and differ between training and test. ``norm_cfg``, ``act_cfg`` and
``order`` (mmcv ``ConvModule``) switch to e.g. DenseNet's BN-ReLU-Conv.
The growth rate is a "relatively small value" in the paper (not given); the
default k = 4 is our choice, L = 15 is the paper's InfoAccum-15.

Weights: mmcv ``ConvModule``'s initialisation; inside a pix2pix backbone the
backbone's ``init_weights`` re-initialises the whole generator, InfoAccum
included, with pix2pix's N(0, 0.02).
"""
from types import MappingProxyType
from typing import Mapping, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS

_RELU = MappingProxyType(dict(type='ReLU'))


class InfoAccumLayer(nn.Module):
    """One dense layer of Eq. (14): the input concatenated with one 3x3 dilated
    convolution branch per dilation rate."""

    def __init__(self, in_channels: int, growth: int, dilations: Sequence[int],
                 norm_cfg: Optional[Mapping], act_cfg: Optional[Mapping],
                 order: Tuple[str, str, str]) -> None:
        super().__init__()
        self.branches = nn.ModuleList(
            ConvModule(in_channels, growth, 3, padding=d, dilation=d,
                       norm_cfg=dict(norm_cfg) if norm_cfg else None,
                       act_cfg=dict(act_cfg) if act_cfg else None, order=order)
            for d in dilations)
        self.out_channels = in_channels + growth * len(dilations)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x] + [branch(x) for branch in self.branches], dim=1)


@MODELS.register_module()
class InfoAccum(BaseModule):
    """L dense layers of Eq. (14); the output keeps the input as its first channels.

    Args:
        in_channels: C_in. Required (the plugin stack fills it in).
        num_layers: L. Default: 15 (the paper's InfoAccum-15).
        growth: k, channels produced by each branch of each layer. Default: 4.
        dilations: dilation rates of the parallel branches. Default: (1, 3, 5)
            (Eq. 14).
        norm_cfg: mmcv norm config inside each branch (``None``: no norm).
            Default: None.
        act_cfg: mmcv activation config inside each branch (``None``: linear).
            Default: ``dict(type='ReLU')``.
        order: ConvModule order of 'conv', 'norm', 'act'.
            Default: ('conv', 'norm', 'act').
        init_cfg: mmengine init config. Default: None (ConvModule's init).

    Attributes:
        out_channels: C_in + len(dilations) * growth * num_layers.
    """

    def __init__(self, in_channels: int, num_layers: int = 15, growth: int = 4,
                 dilations: Sequence[int] = (1, 3, 5), norm_cfg: Optional[Mapping] = None,
                 act_cfg: Optional[Mapping] = _RELU,
                 order: Sequence[str] = ('conv', 'norm', 'act'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_layers < 1 or growth < 1 or not dilations:
            raise ValueError(f'InfoAccum: need num_layers >= 1, growth >= 1 and at least one '
                             f'dilation, got num_layers={num_layers}, growth={growth}, '
                             f'dilations={tuple(dilations)}')
        self.in_channels = in_channels
        self.dilations = tuple(dilations)
        layers, channels = [], in_channels
        for _ in range(num_layers):
            layer = InfoAccumLayer(channels, growth, self.dilations, norm_cfg, act_cfg,
                                   tuple(order))
            layers.append(layer)
            channels = layer.out_channels
        self.layers = nn.Sequential(*layers)
        self.out_channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Accumulate features (Eq. 14).

        Args:
            x: ``N x in_channels x H x W`` image or features, any range (the
                GAN restorer feeds ``[-1, 1]`` images).

        Returns:
            ``N x out_channels x H x W``; its first ``in_channels`` channels are
            ``x`` unchanged, the rest the ReLU features (``>= 0`` by default).
        """
        if x.shape[1] != self.in_channels:
            raise ValueError(f'InfoAccum: expected {self.in_channels} input channels, '
                             f'got a tensor of shape {tuple(x.shape)}')
        return self.layers(x)
