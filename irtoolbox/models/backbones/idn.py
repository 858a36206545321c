"""IDN, the information distillation network (Hui et al., CVPR 2018), as
DL-Net's SISR backbone (Guo et al., "Deep Likelihood Network", Sec. IV-D/E).

- FBlock: two 3x3 convs C -> 64 -> 64, each with LeakyReLU(0.05);
- four DBlocks, each an enhancement unit and a compression unit:
  enhancement: 3x3 convs 64 -> 48 -> 32 (4 groups) -> 64; the first 16 of the
  64 channels are concatenated with the block input (80 channels), the other
  48 go through 3x3 convs 48 -> 64 -> 48 (4 groups) -> 80 and are added to
  that concatenation; compression: 1x1 conv 80 -> 64;
- RBlock: a 17x17 transposed conv of stride ``scale`` to the image, plus the
  bicubic upscaling of the input.

z is the last compression unit's output; h = LeakyReLU(0.05) + the RBlock
(DL-Net puts an activation in front of h's conv; IDN has none there - a
documented choice, ``out_act_cfg``-free). Every other conv is followed by
LeakyReLU(0.05), the compression units of DBlocks 1-3 included.
"""
from types import MappingProxyType
from typing import Mapping, Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer

from irtoolbox.models.layers.image_output import SISROutputBackbone
from irtoolbox.registry import MODELS

LEAKY_CFG = MappingProxyType(dict(type='LeakyReLU', negative_slope=0.05))  # read-only default


class DBlock(nn.Module):
    """IDN's information distillation block (enhancement + compression)."""

    def __init__(self, channels: int, distill: int, act_cfg: Optional[Mapping], groups: int,
                 last_act: bool) -> None:
        super().__init__()

        def act() -> nn.Module:  # None: no activation
            return nn.Identity() if act_cfg is None else build_activation_layer(dict(act_cfg))

        d1, d2 = channels - distill, channels // 2  # 48 and 32 for 64 channels, 16 distilled
        self.distill = distill
        self.upper = nn.Sequential(
            nn.Conv2d(channels, d1, 3, 1, 1), act(),
            nn.Conv2d(d1, d2, 3, 1, 1, groups=groups), act(),
            nn.Conv2d(d2, channels, 3, 1, 1), act())
        self.lower = nn.Sequential(
            nn.Conv2d(d1, channels, 3, 1, 1), act(),
            nn.Conv2d(channels, d1, 3, 1, 1, groups=groups), act(),
            nn.Conv2d(d1, channels + distill, 3, 1, 1), act())
        self.compress = nn.Conv2d(channels + distill, channels, 1)
        self.act = act() if last_act else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x 64 x H x W``. Returns the same shape."""
        up = self.upper(x)
        kept = torch.cat([x, up[:, :self.distill]], dim=1)
        return self.act(self.compress(kept + self.lower(up[:, self.distill:])))


@MODELS.register_module()
class IDN(SISROutputBackbone):
    """IDN at low resolution with a bicubic global skip, split at z.

    Args:
        in_channels: image channels (1: the Y channel). Default: 1.
        scale: upscaling factor. Default: 2.
        mid_channels: width. Default: 64.
        distill_channels: channels distilled in each enhancement unit. Default: 16.
        num_blocks: DBlocks. Default: 4.
        groups: groups of the grouped convs. Default: 4.
        act_cfg: activation (``None``: none, also none opening the output
            layer). Default: ``dict(type='LeakyReLU', negative_slope=0.05)``.
        out_kernel_size: kernel of the RBlock's transposed conv. Default: 17.
        with_output_layer: True: the whole network; False: g only (z). Default: True.
        init_cfg: mmengine initialisation config. Default: None (MSRA).
    """

    def __init__(self, in_channels: int = 1, scale: int = 2, mid_channels: int = 64,
                 distill_channels: int = 16, num_blocks: int = 4, groups: int = 4,
                 act_cfg: Optional[Mapping] = LEAKY_CFG, out_kernel_size: int = 17,
                 with_output_layer: bool = True, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        acts = [nn.Identity() if act_cfg is None else build_activation_layer(dict(act_cfg))
                for _ in range(2)]  # None: no activation
        self.fblock = nn.Sequential(nn.Conv2d(in_channels, mid_channels, 3, 1, 1), acts[0],
                                    nn.Conv2d(mid_channels, mid_channels, 3, 1, 1), acts[1])
        self.dblocks = nn.Sequential(*[
            DBlock(mid_channels, distill_channels, act_cfg, groups, last_act=i < num_blocks - 1)
            for i in range(num_blocks)])
        self.build_output_layer(mid_channels, in_channels, scale, act_cfg, out_kernel_size,
                                with_output_layer)

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            for module in self.modules():
                if isinstance(module, nn.Conv2d):
                    nn.init.kaiming_normal_(module.weight, a=0.05, nonlinearity='leaky_relu')
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` normalised low-resolution image.

        Returns: the ``N x C x sH x sW`` restoration, or z (``N x 64 x H x W``).
        """
        z = self.dblocks(self.fblock(x))
        return self.output(z, x)
