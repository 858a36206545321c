"""A small StyleGAN2-like generator: mapping network, per-layer styles, modulated
convolutions with demodulation (Karras et al., CVPR 2020, Sec. 2.2, Eq. 1-3).

It exists to exercise the latent-optimisation restorer (Han et al. 2024,
Sec. 3.1; PULSE) on CPU and to document the generator contract any generator
must meet to be restored through (e.g. a wrapper around a third-party
StyleGAN2):

- ``z_dim``, ``w_dim``, ``num_ws`` attributes;
- ``mapping(z)``: N x z_dim Gaussian noise -> N x w_dim latents in W;
- ``synthesis(ws)``: N x num_ws x w_dim layer-wise latents -> N x 3 x H x W
  image, nominally in [-1, 1].

Simplifications against StyleGAN2 (documented choices): no per-pixel noise
inputs (restorations are deterministic in w), bilinear up-sampling, one RGB
layer at the end (no skip RGB sum), no equalised learning rate.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS


class ModulatedConv2d(BaseModule):
    """Conv whose input channels are scaled by a style ``s = A(w)`` (Eq. 1), with the
    output demodulated to unit variance (Eq. 3) when ``demodulate``.

    Args:
        in_channels, out_channels: channels. Required.
        w_dim: latent size. Required.
        kernel_size: odd side. Default: 3.
        demodulate: Eq. 3. Default: ``True``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, kernel_size: int = 3,
                 demodulate: bool = True, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size,
                                               kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.affine = nn.Linear(w_dim, in_channels)
        self.demodulate = demodulate
        self.padding = kernel_size // 2

    def init_weights(self) -> None:
        """Unit-variance kernel scaled by 1/sqrt(fan_in); styles start at 1 (bias 1)."""
        super().init_weights()
        fan_in = self.weight[0].numel()
        with torch.no_grad():
            self.weight.normal_(0.0, 1.0 / math.sqrt(fan_in))
            self.bias.zero_()
            nn.init.normal_(self.affine.weight, 0.0, 1.0 / math.sqrt(self.affine.in_features))
            self.affine.bias.fill_(1.0)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """x: N x C_in x H x W; w: N x w_dim. Returns: N x C_out x H x W."""
        n, c, h, wd = x.shape
        style = self.affine(w)                                         # N x C_in
        weight = self.weight.unsqueeze(0) * style.view(n, 1, c, 1, 1)  # N x O x I x k x k
        if self.demodulate:
            weight = weight * torch.rsqrt(weight.pow(2).sum(dim=(2, 3, 4), keepdim=True) + 1e-8)
        out = F.conv2d(x.reshape(1, n * c, h, wd), weight.reshape(-1, c, *weight.shape[3:]),
                       padding=self.padding, groups=n)
        return out.view(n, -1, h, wd) + self.bias.view(1, -1, 1, 1)


@MODELS.register_module()
class StyleGANLikeGenerator(BaseModule):
    """Mapping MLP + synthesis from a learned 4 x 4 constant (see module docstring).

    Args:
        resolution: output side, a power of two >= 4. Default: 32.
        z_dim: noise size. Default: 64.
        w_dim: latent size. Default: 64.
        mapping_layers: depth of the mapping MLP. Default: 4.
        channels: feature channels at every resolution. Default: 32.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, resolution: int = 32, z_dim: int = 64, w_dim: int = 64,
                 mapping_layers: int = 4, channels: int = 32,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        levels = int(math.log2(resolution)) - 1
        if resolution < 4 or 2 ** (levels + 1) != resolution:
            raise ValueError(f'StyleGANLikeGenerator: resolution must be a power of two >= 4, '
                             f'got {resolution}')
        self.resolution, self.z_dim, self.w_dim = resolution, z_dim, w_dim
        layers = []
        for i in range(mapping_layers):
            layers += [nn.Linear(z_dim if i == 0 else w_dim, w_dim), nn.LeakyReLU(0.2)]
        self.mapping_net = nn.Sequential(*layers)
        self.const = nn.Parameter(torch.randn(1, channels, 4, 4))
        convs = [ModulatedConv2d(channels, channels, w_dim)]
        for _ in range(levels - 1):
            convs += [ModulatedConv2d(channels, channels, w_dim),
                      ModulatedConv2d(channels, channels, w_dim)]
        self.convs = nn.ModuleList(convs)
        self.to_rgb = ModulatedConv2d(channels, 3, w_dim, kernel_size=1, demodulate=False)
        self.num_ws = len(convs) + 1

    def init_weights(self) -> None:
        """Mapping: N(0, 1/fan_in) weights, zero biases; constant ~ N(0, 1); the convolutions'."""
        super().init_weights()
        with torch.no_grad():
            for layer in self.mapping_net:
                if isinstance(layer, nn.Linear):
                    layer.weight.normal_(0.0, 1.0 / math.sqrt(layer.in_features))
                    layer.bias.zero_()
            self.const.normal_()
        for module in self.modules():
            if isinstance(module, ModulatedConv2d):
                module.init_weights()

    def mapping(self, z: torch.Tensor) -> torch.Tensor:
        """z: N x z_dim standard normal. Returns: N x w_dim latents (z is normalised first)."""
        z = z * torch.rsqrt(z.pow(2).mean(dim=1, keepdim=True) + 1e-8)
        return self.mapping_net(z)

    def synthesis(self, ws: torch.Tensor) -> torch.Tensor:
        """ws: N x num_ws x w_dim. Returns: N x 3 x resolution x resolution, about [-1, 1]."""
        if ws.dim() != 3 or ws.shape[1] != self.num_ws or ws.shape[2] != self.w_dim:
            raise ValueError(f'StyleGANLikeGenerator.synthesis: ws must be N x {self.num_ws} x '
                             f'{self.w_dim}, got {tuple(ws.shape)}')
        x = self.const.expand(ws.shape[0], -1, -1, -1)
        for i, conv in enumerate(self.convs):
            if i > 0 and i % 2 == 1:
                x = F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)
            x = F.leaky_relu(conv(x, ws[:, i]), 0.2) * math.sqrt(2.0)
        return self.to_rgb(x, ws[:, -1])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """z: N x z_dim noise. Returns: N x 3 x H x W image (one w for every layer)."""
        w = self.mapping(z)
        return self.synthesis(w.unsqueeze(1).expand(-1, self.num_ws, -1))
