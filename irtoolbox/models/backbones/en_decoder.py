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
``plugins`` work as in ``UNetGenerator`` (before encoder level k).
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn

from irtoolbox.models.layers.backbone_plugins import build_plugin_stack, group_plugins
from irtoolbox.models.layers.pix2pix_layers import (
    check_depth,
    check_divisible,
    level_channels,
    make_norm,
    pix2pix_normal_init,
)
from irtoolbox.registry import MODELS


@MODELS.register_module()
class EnDecoder(nn.Module):
    """Skip-free encoder-decoder of ``depth`` levels (max-pool down, nearest up).

    Args:
        in_channels, out_channels: image channels.
        depth: number of down/up-sampling levels (1..8).
        base_channels: channels of level 1.
        norm: 'batch', 'instance' or 'none'.
        plugins: ``[dict(cfg=module cfg, position='input'|'enc1'..'encN')]``.
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 3, depth: int = 4,
                 base_channels: int = 64, norm: str = 'batch',
                 plugins: Optional[Sequence[dict]] = None) -> None:
        super().__init__()
        check_depth(depth, 'EnDecoder')
        make_norm(norm, 1)
        self.depth = depth
        self.size_divisor = 2 ** depth
        bias = norm != 'batch'
        grouped = group_plugins(plugins, depth, 'EnDecoder')
        self.plugins, self.encoders = nn.ModuleList(), nn.ModuleList()
        channels = in_channels
        for k in range(1, depth + 1):
            plugin, channels = build_plugin_stack(grouped.get(k, []), channels)
            c_k = level_channels(k, base_channels)
            self.plugins.append(plugin)
            self.encoders.append(nn.Sequential(
                nn.Conv2d(channels, c_k, 3, padding=1, bias=bias), make_norm(norm, c_k),
                nn.LeakyReLU(0.2), nn.MaxPool2d(2)))
            channels = c_k
        self.decoders = nn.ModuleList()
        for k in range(1, depth + 1):
            c_k = level_channels(k, base_channels)
            if k == 1:
                tail = [nn.Conv2d(c_k, out_channels, 3, padding=1), nn.Tanh()]
            else:
                c_out = level_channels(k - 1, base_channels)
                tail = [nn.Conv2d(c_k, c_out, 3, padding=1, bias=bias), make_norm(norm, c_out),
                        nn.ReLU()]
            self.decoders.append(nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'),
                                               *tail))
        self.init_weights()

    def init_weights(self) -> None:
        """pix2pix-style N(0, 0.02) init, as for the U-Net it is compared with."""
        pix2pix_normal_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_divisible(x, self.size_divisor, 'EnDecoder')
        for plugin, encoder in zip(self.plugins, self.encoders):
            x = encoder(plugin(x))
        for decoder in reversed(self.decoders):
            x = decoder(x)
        return x
