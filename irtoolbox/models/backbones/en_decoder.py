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
``plugins`` work as in ``UNetGenerator`` (``plugin_points``, in forward
order): ``input`` (the image), ``before_enc2`` .. ``before_encN``, ``latent``
(the bottleneck, encoder level N's output) and ``after_decN`` ..
``after_dec2`` (decoder level K's output; decoder level 1's is the image);
each may change the channels. Weights get pix2pix's N(0, 0.02) init in
``init_weights``, as the U-Net it is compared with.
"""
from typing import Mapping, Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer

from irtoolbox.models.layers.pix2pix_layers import (
    PIX2PIX_DOWN_ACT_CFG,
    PIX2PIX_NORM_CFG,
    PIX2PIX_UP_ACT_CFG,
    Pix2PixInitModule,
    check_depth,
    check_divisible,
    check_layer_cfgs,
    conv_bias,
    encoder_point,
    level_channels,
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
            ``plugin_points`` (``'input'``, ``'before_enc2'`` .. ``'before_encN'``,
            ``'latent'``, ``'after_decN'`` .. ``'after_dec2'``).
            Default: None (no plugins).
        init_cfg: mmengine init config replacing the N(0, 0.02) init.
            Default: None.
    """

    # the keys keep the pre-issue-17 ModuleList layout (checkpoints load);
    # latent and after_decK came later and are keyed by name
    plugin_points = (
        PluginPoint('input', 'the image, before encoder level 1', 'in_channels', True,
                    old_name='enc1', key='0'),
        PluginPoint('before_enc{K}', 'before encoder level K', 'base_channels * min(2^(K-2), 8)',
                    True, levels=(2, 'depth'), old_name='enc{K}', key='{K0}'),
        PluginPoint('latent', 'the bottleneck: the output of the innermost encoder level '
                    '(level depth)', 'base_channels * min(2^(depth-1), 8)', True),
        PluginPoint('after_dec{K}', "the output of decoder level K (the size of encoder level "
                    "K's input)", 'base_channels * min(2^(K-2), 8)', True,
                    levels=(2, 'depth'), descending=True),
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
        check_layer_cfgs('EnDecoder', norm_cfg, base_channels,
                         dict(down_act_cfg=down_act_cfg, up_act_cfg=up_act_cfg))
        bias = conv_bias(norm_cfg, base_channels)
        norm_cfg, down_act_cfg, up_act_cfg = (
            None if cfg is None else dict(cfg) for cfg in (norm_cfg, down_act_cfg, up_act_cfg))
        self.plugins = PluginStack(plugins, self.plugin_points, 'EnDecoder', depth=depth)
        self.encoders = nn.ModuleList()
        channels = in_channels
        # nn.Identity holds the place of a None norm or activation: the keys stay the same
        for k in range(1, depth + 1):
            channels = self.plugins.build(encoder_point(k), channels)
            c_k = level_channels(k, base_channels)
            conv = nn.Conv2d(channels, c_k, 3, padding=1, bias=bias)
            self.encoders.append(nn.Sequential(
                conv, nn.Identity() if norm_cfg is None else build_norm_layer(norm_cfg, c_k)[1],
                nn.Identity() if down_act_cfg is None else build_activation_layer(down_act_cfg),
                nn.MaxPool2d(2)))
            channels = c_k
        # channels reaching decoder level k from below, after the plugins there
        from_below = {depth: self.plugins.build('latent', channels)}
        for k in range(depth, 1, -1):
            from_below[k - 1] = self.plugins.build(f'after_dec{k}',
                                                   level_channels(k - 1, base_channels))
        self.decoders = nn.ModuleList()
        for k in range(1, depth + 1):
            if k == 1:
                tail = [nn.Conv2d(from_below[k], out_channels, 3, padding=1), nn.Tanh()]
            else:
                c_out = level_channels(k - 1, base_channels)
                conv = nn.Conv2d(from_below[k], c_out, 3, padding=1, bias=bias)
                tail = [conv,
                        nn.Identity() if norm_cfg is None else build_norm_layer(norm_cfg, c_out)[1],
                        nn.Identity() if up_act_cfg is None else build_activation_layer(up_act_cfg)]
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
        for k, encoder in enumerate(self.encoders, 1):
            x = encoder(self.plugins(encoder_point(k), x))
        x = self.plugins('latent', x)
        for k in range(self.depth, 0, -1):
            x = self.decoders[k - 1](x)
            if k > 1:  # decoder level 1's output is the image
                x = self.plugins(f'after_dec{k}', x)
        return x
