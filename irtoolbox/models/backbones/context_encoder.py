"""The context-encoder autoencoder of DL-Net's inpainting and interpolation
experiments (Guo et al., "Deep Likelihood Network", Sec. IV-A and IV-E; the
network of Pathak et al. / Gao and Grauman for 64 x 64 images).

- encoder: 4 x [conv 4x4 stride 2, BatchNorm, LeakyReLU 0.2], 3 -> 64 -> 128
  -> 256 -> 512 channels, 64 x 64 -> 4 x 4;
- a channel-wise fully connected layer: one 16 x 16 matrix per channel (it
  mixes the 4 x 4 positions of a channel, never the channels);
- decoder: transposed convs 4x4 stride 2, 512 -> 256 -> 128 -> 64, each with
  BatchNorm, ReLU after the first two;
- the last decoder feature after its BatchNorm and before its ReLU is z
  (N x 64 x 32 x 32), and h = ReLU + transposed conv 64 -> 3 (no bias, no
  BatchNorm, no Tanh).

With ``with_output_layer=False`` the backbone is g and returns z (for the
likelihood head, which holds h); with True it is the whole reference network.
"""
from fractions import Fraction
from types import MappingProxyType
from typing import Mapping, Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule

from irtoolbox.models.layers.image_output import ImageOutputLayer
from irtoolbox.registry import MODELS

# read-only defaults (the paper's): BatchNorm, LeakyReLU 0.2 encoder, ReLU decoder
BN_CFG = MappingProxyType(dict(type='BN'))
ENC_ACT_CFG = MappingProxyType(dict(type='LeakyReLU', negative_slope=0.2))
DEC_ACT_CFG = MappingProxyType(dict(type='ReLU'))


class ChannelwiseFC(nn.Module):
    """One ``(H W) x (H W)`` matrix per channel: out[c] = A_c vec(x[c]) (no bias)."""

    def __init__(self, channels: int, spatial: int) -> None:
        super().__init__()
        self.spatial = spatial
        self.weight = nn.Parameter(torch.empty(channels, spatial * spatial, spatial * spatial))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x s x s``. Returns the same shape."""
        n, c, h, w = x.shape
        if (h, w) != (self.spatial, self.spatial):
            raise ValueError(f'ChannelwiseFC: expects {self.spatial} x {self.spatial} maps, '
                             f'got {h} x {w} (the context encoder takes 64 x 64 images)')
        out = torch.einsum('cij,ncj->nci', self.weight, x.reshape(n, c, h * w))
        return out.reshape(n, c, h, w)


@MODELS.register_module()
class ContextEncoderAE(BaseModule):
    """Context-encoder autoencoder, split at z for DL-Net.

    Args:
        in_channels: image channels. Default: 3.
        out_channels: image channels of h's output. Default: 3.
        channels: encoder widths. Default: (64, 128, 256, 512).
        image_size: input side (the channel-wise FC is sized for it). Default: 64.
        norm_cfg: normalisation after every conv but h's (``None``: none).
            Default: ``dict(type='BN')``.
        enc_act_cfg: encoder activation (``None``: none).
            Default: ``dict(type='LeakyReLU', negative_slope=0.2)``.
        dec_act_cfg: decoder activation, also h's (``None``: none).
            Default: ``dict(type='ReLU')``.
        fc_std: std of the Gaussian initialisation of the channel-wise FC (the
            paper: "a random Gaussian", std not given). Default: 0.02.
        with_output_layer: True: the whole network f = h o g (returns the
            image); False: g only (returns z). Default: True.
        init_cfg: mmengine initialisation config. Default: None (MSRA for the
            convs, Gaussian for the FC, as the paper).
    """

    def __init__(self, in_channels: int = 3, out_channels: int = 3,
                 channels: tuple = (64, 128, 256, 512), image_size: int = 64,
                 norm_cfg: Optional[Mapping] = BN_CFG,
                 enc_act_cfg: Optional[Mapping] = ENC_ACT_CFG,
                 dec_act_cfg: Optional[Mapping] = DEC_ACT_CFG, fc_std: float = 0.02,
                 with_output_layer: bool = True, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)

        def norm(channels: int) -> nn.Module:  # None means none
            return nn.Identity() if norm_cfg is None else \
                build_norm_layer(dict(norm_cfg), channels)[1]

        def act(cfg: Optional[Mapping]) -> nn.Module:
            return nn.Identity() if cfg is None else build_activation_layer(dict(cfg))
        depth = len(channels)
        if image_size % 2 ** depth:
            raise ValueError(f'ContextEncoderAE: image_size {image_size} must be a multiple of '
                             f'{2 ** depth}')
        self.input_size = image_size  # part protocol: the one side it accepts
        widths = (in_channels, *channels)
        self.encoder = nn.Sequential(*[
            nn.Sequential(nn.Conv2d(widths[i], widths[i + 1], 4, 2, 1, bias=False),
                          norm(widths[i + 1]), act(enc_act_cfg))
            for i in range(depth)])
        self.channel_fc = ChannelwiseFC(channels[-1], image_size // 2 ** depth)
        self.fc_std = float(fc_std)
        rev = channels[::-1]
        layers = []
        for i in range(depth - 1):
            layers += [nn.ConvTranspose2d(rev[i], rev[i + 1], 4, 2, 1, bias=False),
                       norm(rev[i + 1])]
            if i < depth - 2:  # the last one's activation opens h
                layers.append(act(dec_act_cfg))
        self.decoder = nn.Sequential(*layers)
        self.output_layer = ImageOutputLayer(channels[0], out_channels, act_cfg=dec_act_cfg,
                                             ) if with_output_layer else None
        self.with_output_layer = with_output_layer
        self.size_divisor = 2 ** depth
        self.out_channels = out_channels if with_output_layer else channels[0]
        # g alone ends one transposed conv short of the input size: z is at half of it
        self.scale = 1 if with_output_layer else Fraction(1, 2)

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is not None:
            return
        for module in self.modules():
            if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.kaiming_normal_(module.weight, mode='fan_out', nonlinearity='relu')
        nn.init.normal_(self.channel_fc.weight, 0.0, self.fc_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x 64 x 64`` normalised degraded images.

        Returns: the ``N x 3 x 64 x 64`` restoration (``with_output_layer``) or
        z, ``N x 64 x 32 x 32`` before its ReLU.
        """
        z = self.decoder(self.channel_fc(self.encoder(x)))
        return self.output_layer(z) if self.output_layer is not None else z
