"""Convolutional encoder-decoder without skips (En/Decoder baseline).

InfoAccum paper ("An Information-theoretic Perspective of Generative Image
Restoration"), Section VI.1 (Fig. 3, Table I) and Appendix G.F: the
abstraction-depth study compares U-Nets with a plain encoder-decoder that
"uses 2x2 max-pooling as the down-sampling method, and nearest-neighbour
interpolation for up-sampling", with 1 to 8 down/up-sampling levels of
scale 2 (Table III also uses it as a reconstruction autoencoder).

The paper gives no more detail; our layout mirrors the U-Net's widths
(level k has ``base * min(2^(k-1), 8)`` channels):

- encoder level k: Conv3x3 -> norm -> LeakyReLU(0.2) -> MaxPool(2);
- decoder level k > 1: nearest Upsample(2) -> Conv3x3 to c_{k-1} -> norm -> ReLU;
- decoder level 1: nearest Upsample(2) -> Conv3x3 to the output channels -> Tanh.

All information passes through the ``c_N x H/2^N x W/2^N`` bottleneck.
``plugins`` work as in ``UNetGenerator``: points ``input`` (the image) and
``before_enc2`` .. ``before_encN`` (``plugin_points``); weights get
pix2pix's N(0, 0.02) init in ``init_weights``, as the U-Net it is compared with.
"""
from typing import Mapping, Optional, Sequence

import torch
import torch.nn as nn

from irtoolbox.models.layers.pix2pix_layers import (
    PIX2PIX_DOWN_ACT_CFG,
    PIX2PIX_NORM_CFG,
    PIX2PIX_UP_ACT_CFG,
    Pix2PixInitModule,
    act_layer,
    check_depth,
    check_divisible,
    conv_bias,
    level_channels,
    norm_layer,
)
from irtoolbox.models.plugins.plugin_stack import PluginPoint, PluginStack
from irtoolbox.registry import MODELS


@MODELS.register_module()
class EnDecoder(Pix2PixInitModule):
    """Skip-free encoder-decoder of ``depth`` levels (max-pool down, nearest up).

    Args:
        in_channels: image channels of the input. Default: 3.
        out_channels: image channels of the output. Default: 3.
        depth: number of down/up-sampling levels (1..8). Default: 4.
        base_channels: channels of level 1. Default: 64.
        norm_cfg: mmcv norm config after each inner convolution (``None``: no
            norm). Default: ``dict(type='BN')``.
        down_act_cfg: activation of each encoder level.
            Default: ``dict(type='LeakyReLU', negative_slope=0.2)``.
        up_act_cfg: activation of each inner decoder level.
            Default: ``dict(type='ReLU')``.
        plugins: ``[dict(cfg=module cfg, position=point)]``, a point of
            ``plugin_points`` (``'input'``, ``'before_enc2'`` .. ``'before_encN'``).
            Default: None (no plugins).
        init_cfg: mmengine init config replacing the N(0, 0.02) init.
            Default: None.
    """

    # the keys keep the pre-issue-17 ModuleList layout (checkpoints load)
    plugin_points = (
        PluginPoint('input', 'the image, before encoder level 1', 'in_channels', True,
                    old_name='enc1', key='0'),
        PluginPoint('before_enc{K}', 'before encoder level K', 'base_channels * min(2^(K-2), 8)',
                    True, levels=(2, 'depth'), old_name='enc{K}', key='{K0}'),
    )

    def __init__(self, in_channels: int = 3, out_channels: int = 3, depth: int = 4,
                 base_channels: int = 64, norm_cfg: Optional[Mapping] = PIX2PIX_NORM_CFG,
                 down_act_cfg: Optional[Mapping] = PIX2PIX_DOWN_ACT_CFG,
                 up_act_cfg: Optional[Mapping] = PIX2PIX_UP_ACT_CFG,
                 plugins: Optional[Sequence[dict]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_depth(depth, 'EnDecoder')
        self.depth = depth
        self.size_divisor = 2 ** depth
        self.out_channels = out_channels
        bias = conv_bias(norm_cfg, 'EnDecoder')
        self.plugins = PluginStack(plugins, self.plugin_points, 'EnDecoder', depth=depth)
        self.encoders = nn.ModuleList()
        channels = in_channels
        for k, point in enumerate(self.plugins.point_names, 1):
            channels = self.plugins.build(point, channels)
            c_k = level_channels(k, base_channels)
            self.encoders.append(nn.Sequential(
                nn.Conv2d(channels, c_k, 3, padding=1, bias=bias),
                norm_layer(norm_cfg, c_k, 'EnDecoder'), act_layer(down_act_cfg, 'EnDecoder'),
                nn.MaxPool2d(2)))
            channels = c_k
        self.decoders = nn.ModuleList()
        for k in range(1, depth + 1):
            c_k = level_channels(k, base_channels)
            if k == 1:
                tail = [nn.Conv2d(c_k, out_channels, 3, padding=1), nn.Tanh()]
            else:
                c_out = level_channels(k - 1, base_channels)
                tail = [nn.Conv2d(c_k, c_out, 3, padding=1, bias=bias),
                        norm_layer(norm_cfg, c_out, 'EnDecoder'),
                        act_layer(up_act_cfg, 'EnDecoder')]
            self.decoders.append(nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'),
                                               *tail))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Encode to the ``H/2^N x W/2^N`` bottleneck and decode back.

        Args:
            x: ``N x in_channels x H x W`` images, normalised (``[-1, 1]`` with
                mean = std = 0.5), H and W multiples of ``2**depth``.

        Returns:
            ``N x out_channels x H x W`` images in ``[-1, 1]`` (Tanh).
        """
        check_divisible(x, self.size_divisor, 'EnDecoder')
        for point, encoder in zip(self.plugins.point_names, self.encoders):
            x = encoder(self.plugins(point, x))
        for decoder in reversed(self.decoders):
            x = decoder(x)
        return x
