"""Restormer: efficient transformer for high-resolution image restoration.

Zamir et al., "Restormer: Efficient Transformer for High-Resolution Image
Restoration", CVPR 2022 (Sec. 3, Fig. 2), the backbone of IDR (Zhang et al.,
"Ingredient-oriented Multi-Degradation Learning for Image Restoration", CVPR
2023; supplement Sec. 3 gives its trimmed setting).

- **Channel LayerNorm** (:class:`ChannelLayerNorm`): per pixel, over the C
  channels, ``(x - mu) / sqrt(var + eps) * w + b`` (``bias=True``) or
  ``x / sqrt(var + eps) * w`` (``bias=False``, Restormer's "BiasFree": no mean
  subtraction, no offset), eps 1e-5.
- **MDTA** (Sec. 3.1, Eq. 1-2): ``Q, K, V = W_d W_p LN(x)`` (1x1 conv to 3C,
  then a depthwise 3x3), reshaped to ``h`` heads of ``C/h`` channels x ``HW``;
  Q and K are L2-normalised over the spatial dimension; the ``C/h x C/h``
  attention ``softmax(Q K^T * t_head)`` (``t`` a learnable per-head
  temperature) mixes the channels of V; a 1x1 projection follows.
- **GDFN** (Sec. 3.2, Eq. 3-4): hidden ``int(gamma C)`` (gamma = 2.66), a 1x1
  conv to 2 x hidden, a depthwise 3x3, ``GELU(x1) * x2``, a 1x1 conv back.
- **Block**: ``x = x + MDTA(LN x)``, then ``x = x + GDFN(LN x)``.
- **U-shape** (Fig. 2): overlapped 3x3 patch embedding to C; four levels of
  C, 2C, 4C, 8C (down: 3x3 conv halving the channels + PixelUnshuffle(2); up:
  3x3 conv doubling them + PixelShuffle(2)); the decoder concatenates the
  encoder skip and reduces it with a 1x1 conv at levels 3 and 2, while level
  1's decoder and the refinement stage run at 2C; a 3x3 output conv is added
  to the input image.

Published default (dim 48, blocks [4, 6, 6, 8], heads [1, 2, 4, 8], 4
refinement blocks, bias-free convolutions, LayerNorm with bias): 26.13 M
parameters. IDR's trimmed setting: dim 32, blocks [2, 3, 3, 4], 2 refinement
blocks. Input sides must be multiples of ``size_divisor = 8`` (three
PixelUnshuffle steps); a ``Restorer``'s data preprocessor pads to it and crops
the output back.

Plugins (the InfoAccum mechanism, ``plugins=[dict(cfg=..., position=...)]``)
run on the features at the points of ``Restormer.plugin_points`` (table in
``docs/plugins.md``), in list order at one point; a plugin must keep the
channel count there:

- ``'after_enc1'``, ``'after_enc2'``, ``'after_enc3'``: the output of encoder
  level K's blocks (before down-sampling; it is also the skip the decoder reads);
- ``'latent'``: the output of the bottleneck blocks (8C);
- ``'after_dec3'``, ``'after_dec2'``, ``'after_dec1'``: the output of decoder
  level K's blocks (before up-sampling; ``after_dec1`` is at 2C, before the
  refinement);
- ``'refinement'``: the output of the refinement blocks (2C).
"""
from types import MappingProxyType
from typing import Mapping, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.models.plugins.plugin_stack import PluginPoint, PluginStack
from irtoolbox.registry import MODELS

#: The published LayerNorm (with bias); read-only, ``None`` means no norm.
RESTORMER_NORM_CFG = MappingProxyType(dict(type='ChannelLayerNorm'))


def _norm(norm_cfg: Optional[Mapping], channels: int) -> nn.Module:
    """The registered norm ``norm_cfg`` over ``channels`` (``None``: no norm)."""
    if norm_cfg is None:
        return nn.Identity()
    return MODELS.build(dict(norm_cfg, num_features=channels))


class MDTA(nn.Module):
    """Multi-Dconv head transposed attention (Restormer Eq. 1-2).

    Args:
        channels: C. Required.
        num_heads: h; must divide C. Required.
        bias: biases of the convolutions. Default: False.
    """

    def __init__(self, channels: int, num_heads: int, bias: bool = False) -> None:
        super().__init__()
        if channels % num_heads:
            raise ValueError(f'MDTA: {num_heads} heads do not divide {channels} channels')
        self.num_heads = num_heads
        self.temperature = nn.Parameter(torch.ones(num_heads, 1, 1))
        self.qkv = nn.Conv2d(channels, channels * 3, 1, bias=bias)
        self.qkv_dwconv = nn.Conv2d(channels * 3, channels * 3, 3, padding=1,
                                    groups=channels * 3, bias=bias)
        self.project_out = nn.Conv2d(channels, channels, 1, bias=bias)

    def attention_map(self, x: torch.Tensor) -> tuple:
        """Softmax(Q K^T t), N x h x C/h x C/h (rows sum to 1), and V, N x h x C/h x HW."""
        n, c, h, w = x.shape
        q, k, v = self.qkv_dwconv(self.qkv(x)).chunk(3, dim=1)
        q, k, v = (t.reshape(n, self.num_heads, c // self.num_heads, h * w) for t in (q, k, v))
        q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)  # over HW
        attn = (q @ k.transpose(-2, -1)) * self.temperature
        return attn.softmax(dim=-1), v

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` (normalised) features. Returns: the same shape."""
        attn, v = self.attention_map(x)
        return self.project_out((attn @ v).reshape(x.shape))


class GDFN(nn.Module):
    """Gated-Dconv feed-forward network (Restormer Eq. 3-4).

    Args:
        channels: C. Required.
        expansion: gamma, hidden = ``int(gamma C)``. Default: 2.66.
        bias: biases of the convolutions. Default: False.
    """

    def __init__(self, channels: int, expansion: float = 2.66, bias: bool = False) -> None:
        super().__init__()
        hidden = int(channels * expansion)
        self.project_in = nn.Conv2d(channels, hidden * 2, 1, bias=bias)
        self.dwconv = nn.Conv2d(hidden * 2, hidden * 2, 3, padding=1, groups=hidden * 2,
                                bias=bias)
        self.project_out = nn.Conv2d(hidden, channels, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` (normalised) features. Returns: the same shape."""
        x1, x2 = self.dwconv(self.project_in(x)).chunk(2, dim=1)
        return self.project_out(F.gelu(x1) * x2)


class RestormerBlock(nn.Module):
    """``x + MDTA(LN x)`` then ``x + GDFN(LN x)``.

    Args:
        channels, num_heads, expansion, bias: of MDTA and GDFN. Required
            except ``expansion`` (2.66) and ``bias`` (False).
        norm_cfg: the LayerNorm (a registered norm taking ``num_features``);
            ``None``: none. Default: ``dict(type='ChannelLayerNorm')``.
    """

    def __init__(self, channels: int, num_heads: int, expansion: float = 2.66,
                 bias: bool = False, norm_cfg: Optional[Mapping] = RESTORMER_NORM_CFG) -> None:
        super().__init__()
        self.norm1 = _norm(norm_cfg, channels)
        self.attn = MDTA(channels, num_heads, bias)
        self.norm2 = _norm(norm_cfg, channels)
        self.ffn = GDFN(channels, expansion, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W``. Returns: the same shape."""
        x = x + self.attn(self.norm1(x))
        return x + self.ffn(self.norm2(x))


def _resample(channels: int, down: bool, bias: bool) -> nn.Sequential:
    """Down: conv C->C/2 + PixelUnshuffle(2) (-> 2C); up: conv C->2C + PixelShuffle(2) (-> C/2)."""
    if down:
        return nn.Sequential(nn.Conv2d(channels, channels // 2, 3, padding=1, bias=bias),
                             nn.PixelUnshuffle(2))
    return nn.Sequential(nn.Conv2d(channels, channels * 2, 3, padding=1, bias=bias),
                         nn.PixelShuffle(2))


@MODELS.register_module()
class Restormer(BaseModule):
    """Restormer's four-level encoder-decoder (module docstring).

    Args:
        in_channels: image channels in. Default: 3.
        out_channels: image channels out; the input is added to the output
            when they match. Default: 3.
        dim: C, the channels of level 1. Default: 48.
        num_blocks: transformer blocks of levels 1..4 (the decoder repeats
            levels 1..3). Default: (4, 6, 6, 8).
        num_refinement_blocks: blocks of the refinement stage. Default: 4.
        heads: attention heads of levels 1..4. Default: (1, 2, 4, 8).
        expansion: GDFN expansion gamma. Default: 2.66.
        bias: biases of the block, channel-reduction, ``skip_conv`` and output
            convolutions; the patch embedding and the down/up-sampling convs
            never have one (as in the released network). Default: False
            (Restormer's).
        norm_cfg: the LayerNorm, ``dict(type='ChannelLayerNorm', bias=False)``
            for Restormer's bias-free variant; ``None``: no norm. Default:
            ``dict(type='ChannelLayerNorm')`` (with bias, the published one).
        plugins: ``[dict(cfg=module config, position=point)]``, a point of
            ``plugin_points``. Default: ``None``.
        dual_pixel: the published dual-pixel defocus model (``dual_pixel_task``
            of swz30/Restormer): a 1x1 ``skip_conv`` (C -> 2C) from the patch
            embedding's features is added to the refinement output before the
            output conv, and the image is not added back (6 channels in, 3
            out). Default: False.
        init_cfg: mmengine initialisation config. Default: ``None`` (PyTorch's
            default initialisation, as Restormer).
    """

    size_divisor = 8
    # the keys keep the pre-issue-17 ModuleDict layout (checkpoints load)
    plugin_points = (
        PluginPoint('after_enc{K}', "the output of encoder level K's blocks (the skip), "
                    'before down-sampling', 'dim * 2^(K-1)', False, levels=(1, 3),
                    old_name='enc{K}', key='enc{K}'),
        PluginPoint('latent', 'the output of the bottleneck blocks', 'dim * 8', False),
        PluginPoint('after_dec{K}', "the output of decoder level K's blocks, before "
                    'up-sampling (K=1: before the refinement)', 'dim * 2^max(K-1, 1)', False,
                    levels=(1, 3), descending=True, old_name='dec{K}', key='dec{K}'),
        PluginPoint('refinement', 'the output of the refinement blocks', 'dim * 2', False),
    )

    def __init__(self, in_channels: int = 3, out_channels: int = 3, dim: int = 48,
                 num_blocks: Sequence[int] = (4, 6, 6, 8), num_refinement_blocks: int = 4,
                 heads: Sequence[int] = (1, 2, 4, 8), expansion: float = 2.66,
                 bias: bool = False, norm_cfg: Optional[Mapping] = RESTORMER_NORM_CFG,
                 plugins: Optional[Sequence[dict]] = None, dual_pixel: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(num_blocks) != 4 or len(heads) != 4:
            raise ValueError(f'Restormer: num_blocks and heads need 4 entries (levels 1..4), '
                             f'got {list(num_blocks)} and {list(heads)}')
        # validated before any layer is built; filled in (and registered) last,
        # as before issue 17, so the layers draw the same random initialisation
        plugin_stack = PluginStack(plugins, self.plugin_points, 'Restormer')
        self.out_channels = out_channels
        self.residual = in_channels == out_channels and not dual_pixel

        def stage(channels: int, level: int, count: int) -> nn.Sequential:
            return nn.Sequential(*[RestormerBlock(channels, heads[level], expansion, bias,
                                                  norm_cfg) for _ in range(count)])

        c = [dim, dim * 2, dim * 4, dim * 8]
        # The published network's patch embedding and resampling convs have no
        # bias whatever `bias` says (OverlapPatchEmbed, Downsample, Upsample).
        self.patch_embed = nn.Conv2d(in_channels, dim, 3, padding=1, bias=False)
        self.encoders = nn.ModuleList(stage(c[k], k, num_blocks[k]) for k in range(3))
        self.downs = nn.ModuleList(_resample(c[k], True, False) for k in range(3))
        self.latent = stage(c[3], 3, num_blocks[3])
        self.ups = nn.ModuleList(_resample(c[k + 1], False, False) for k in range(3))
        # Levels 2 and 3 reduce cat(skip, up) from 2 c_k to c_k; level 1 keeps 2C.
        self.reduce_chan = nn.ModuleList(
            [nn.Identity()] + [nn.Conv2d(c[k] * 2, c[k], 1, bias=bias) for k in (1, 2)])
        self.decoders = nn.ModuleList(
            [stage(c[1], 0, num_blocks[0])] + [stage(c[k], k, num_blocks[k]) for k in (1, 2)])
        self.refinement = stage(c[1], 0, num_refinement_blocks)
        self.skip_conv = nn.Conv2d(c[0], c[1], 1, bias=bias) if dual_pixel else None
        self.output = nn.Conv2d(c[1], out_channels, 3, padding=1, bias=bias)
        widths = dict(after_enc1=c[0], after_enc2=c[1], after_enc3=c[2], latent=c[3],
                      after_dec3=c[2], after_dec2=c[1], after_dec1=c[1], refinement=c[1])
        for point in plugin_stack.point_names:
            plugin_stack.build(point, widths[point])
        self.plugins = plugin_stack

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x in_channels x H x W`` normalised image, H and W multiples of 8.

        Returns: ``N x out_channels x H x W`` restoration (plus the input when
        the channels match), in the input's normalisation.
        """
        if x.dim() != 4 or x.shape[-2] % self.size_divisor or x.shape[-1] % self.size_divisor:
            raise ValueError(f'Restormer: input must be N x C x H x W with H and W multiples of '
                             f'{self.size_divisor}, got {tuple(x.shape)}; pad it (the data '
                             'preprocessor of a Restorer does)')
        feat = embedded = self.patch_embed(x)
        skips = []
        for k in range(3):
            feat = self.plugins(f'after_enc{k + 1}', self.encoders[k](feat))
            skips.append(feat)
            feat = self.downs[k](feat)
        feat = self.plugins('latent', self.latent(feat))
        for k in (2, 1, 0):
            feat = torch.cat([self.ups[k](feat), skips[k]], dim=1)
            feat = self.plugins(f'after_dec{k + 1}',
                                self.decoders[k](self.reduce_chan[k](feat)))
        feat = self.plugins('refinement', self.refinement(feat))
        if self.skip_conv is not None:  # dual-pixel: features, not the image, skip over
            feat = feat + self.skip_conv(embedded)
        out = self.output(feat)
        return out + x if self.residual else out
