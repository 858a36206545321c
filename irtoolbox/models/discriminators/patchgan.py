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
Widths are ``base * min(2^n, 8)``. Weights use pix2pix's N(0, 0.02) init.
"""
import torch
import torch.nn as nn

from irtoolbox.models.layers.pix2pix_layers import make_norm, pix2pix_normal_init
from irtoolbox.registry import MODELS


@MODELS.register_module()
class PatchDiscriminator(nn.Module):
    """pix2pix ``NLayerDiscriminator``-shaped PatchGAN (num_layers + 2 convolutions).

    Args:
        in_channels: channels of the conditioned input (6 = input + output RGB).
        base_channels: ndf, channels of the first convolution.
        num_layers: stride-2 convolutions after the first (3 gives 5 convs total).
        norm: 'batch', 'instance' or 'none'.
    """

    def __init__(self, in_channels: int = 6, base_channels: int = 64, num_layers: int = 3,
                 norm: str = 'batch') -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f'PatchDiscriminator: num_layers must be >= 1, got {num_layers}')
        bias = norm != 'batch'
        layers = [nn.Conv2d(in_channels, base_channels, 4, stride=2, padding=1),
                  nn.LeakyReLU(0.2)]
        channels = base_channels
        for n in range(1, num_layers + 1):
            out = base_channels * min(2 ** n, 8)
            stride = 2 if n < num_layers else 1  # the last hidden conv keeps the size
            layers += [nn.Conv2d(channels, out, 4, stride=stride, padding=1, bias=bias),
                       make_norm(norm, out), nn.LeakyReLU(0.2)]
            channels = out
        layers.append(nn.Conv2d(channels, 1, 4, stride=1, padding=1))
        self.model = nn.Sequential(*layers)
        self.init_weights()

    def init_weights(self) -> None:
        pix2pix_normal_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
