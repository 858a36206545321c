"""PatchGAN discriminator of pix2pix, the InfoAccum paper's "5-layer fully
convolutional" discriminator.

InfoAccum paper ("An Information-theoretic Perspective of Generative Image
Restoration"), Appendix G.E, Eq. (16)-(17): D scores overlapping patches of
``cat(degraded input, restored-or-clean image)`` independently (Isola et al.,
2017). With ``num_layers = 3`` it has exactly five 4x4 convolutions:

    Conv(in, 64, s2) + LeakyReLU(0.2)                       (no norm)
    Conv(64, 128, s2) + norm + LeakyReLU(0.2)
    Conv(128, 256, s2) + norm + LeakyReLU(0.2)
    Conv(256, 512, s1) + norm + LeakyReLU(0.2)
    Conv(512, 1, s1)                                         (raw scores)

i.e. a 70x70 receptive field and a 30x30 score map for a 256x256 input.
Widths are ``base * min(2^n, 8)``. ``init_weights`` (called by the Runner)
gives pix2pix's N(0, 0.02) init.
"""
from typing import Mapping, Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer

from irtoolbox.models.layers.pix2pix_layers import (
    PIX2PIX_DOWN_ACT_CFG,
    PIX2PIX_NORM_CFG,
    Pix2PixInitModule,
    check_layer_cfgs,
    conv_bias,
)
from irtoolbox.registry import MODELS


@MODELS.register_module()
class PatchDiscriminator(Pix2PixInitModule):
    """pix2pix ``NLayerDiscriminator``-shaped PatchGAN (num_layers + 2 convolutions).

    Args:
        in_channels: channels of the conditioned input (6 = input + output RGB).
            Default: 6.
        base_channels: ndf, the channels of the first convolution. Default: 64.
        num_layers: hidden norm layers (3 gives the paper's five convolutions).
            Default: 3.
        norm_cfg: mmcv norm config after each hidden convolution (``None``: no
            norm; ``dict(type='IN')``: pix2pix's 'instance').
            Default: ``dict(type='BN')``.
        act_cfg: activation after every convolution but the last.
            Default: ``dict(type='LeakyReLU', negative_slope=0.2)``.
        init_cfg: mmengine init config replacing pix2pix's N(0, 0.02) init.
            Default: None.
    """

    def __init__(self, in_channels: int = 6, base_channels: int = 64, num_layers: int = 3,
                 norm_cfg: Optional[Mapping] = PIX2PIX_NORM_CFG,
                 act_cfg: Optional[Mapping] = PIX2PIX_DOWN_ACT_CFG,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_layers < 1:
            raise ValueError(f'PatchDiscriminator: num_layers must be >= 1, got {num_layers}')
        check_layer_cfgs('PatchDiscriminator', norm_cfg, 2 * base_channels,
                         dict(act_cfg=act_cfg))
        bias = conv_bias(norm_cfg, 2 * base_channels)
        # nn.Identity holds the place of a None layer: the keys stay model.<index>
        # whatever the config (converted pix2pix checkpoints rely on them)
        layers = [nn.Conv2d(in_channels, base_channels, 4, stride=2, padding=1),
                  nn.Identity() if act_cfg is None else build_activation_layer(dict(act_cfg))]
        channels = base_channels
        for n in range(1, num_layers + 1):
            out = base_channels * min(2 ** n, 8)
            stride = 2 if n < num_layers else 1  # the last hidden conv keeps the size
            norm = nn.Identity() if norm_cfg is None else build_norm_layer(dict(norm_cfg), out)[1]
            act = nn.Identity() if act_cfg is None else build_activation_layer(dict(act_cfg))
            layers += [nn.Conv2d(channels, out, 4, stride=stride, padding=1, bias=bias), norm, act]
            channels = out
        layers.append(nn.Conv2d(channels, 1, 4, stride=1, padding=1))
        self.model = nn.Sequential(*layers)
        self.out_channels = 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Score the patches of a conditioned pair.

        Args:
            x: ``N x in_channels x H x W``, ``cat(degraded, restored or clean)``
                normalised to ``[-1, 1]``; H and W at least ``3 * 2**num_layers``.

        Returns:
            ``N x 1 x H' x W'`` raw (unbounded) patch scores with
            ``H' = H / 2**num_layers - 2`` (30 x 30 for 256 x 256 and
            num_layers = 3), one per overlapping receptive field.
        """
        return self.model(x)
