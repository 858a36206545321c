"""A small residual CNN: the demo backbone.

conv3x3 -> ``num_blocks`` x [conv3x3, ReLU, conv3x3] residual blocks ->
conv3x3, plus a global skip from the input, so the network learns the
residual between the degraded and the clean image (as in DnCNN/VDSR).
It is fully convolutional; its receptive field is ``2 * (2 + 2 * num_blocks)
+ 1`` pixels wide (each 3x3 conv adds 2).
"""
import torch
import torch.nn as nn

from irtoolbox.registry import MODELS


class ResidualBlock(nn.Module):
    """conv3x3 - ReLU - conv3x3 with an identity skip."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv2(self.act(self.conv1(x)))


@MODELS.register_module()
class ResidualCNN(nn.Module):
    """The demo restoration backbone.

    Args:
        in_channels: input image channels.
        out_channels: output image channels (equal to ``in_channels`` for the
            global skip).
        mid_channels: feature width.
        num_blocks: residual blocks.
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 3, mid_channels: int = 32,
                 num_blocks: int = 4) -> None:
        super().__init__()
        if in_channels != out_channels:
            raise ValueError('ResidualCNN: in_channels must equal out_channels (global skip), '
                             f'got {in_channels} and {out_channels}')
        self.head = nn.Conv2d(in_channels, mid_channels, 3, padding=1)
        self.body = nn.Sequential(*[ResidualBlock(mid_channels) for _ in range(num_blocks)])
        self.tail = nn.Conv2d(mid_channels, out_channels, 3, padding=1)
        self.receptive_field = 2 * (2 + 2 * num_blocks) + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.tail(self.body(self.head(x)))
