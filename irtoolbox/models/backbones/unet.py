"""U-Net generator of pix2pix with configurable depth, plugins and SubPixUpsamp.

InfoAccum paper ("An Information-theoretic Perspective of Generative Image
Restoration"), Sections V-VI and Appendices G.D, G.F, H.A. The baseline is the
pix2pix generator (Isola et al., 2017): N levels of 4x4 stride-2 convolutions
down and 4x4 stride-2 transposed convolutions up, with skips concatenating
each level's input to the decoder output of the level below. The paper uses
N = 8 (pix2pix, 1x1 bottleneck on 256x256) and N = 5 (its UNet-5, 8x8
bottleneck), replaces the outermost transposed convolution with sub-pixel
up-sampling (Eq. 15, ``upsample='subpixel'``) and inserts InfoAccum (Eq. 14)
before the generator or before any encoder level through ``plugins``.

Level k (1 = outermost) has ``c_k = base_channels * min(2^(k-1), 8)`` output
channels, exactly as pix2pix's recursive construction (innermost block,
N-5 middle blocks at 8 ngf, then 8->4->2->1 ngf, outermost):

- encoder level 1: Conv (no norm, no activation);
- encoder level k > 1: LeakyReLU(0.2), Conv, norm (no norm at the innermost);
- decoder level k > 1: ReLU, ConvT to c_{k-1}, norm, Dropout(0.5) if enabled and
  the level is one of pix2pix's 8*ngf middle blocks (5 <= k < N);
- decoder level 1: ReLU, ConvT (or SubPixUpsamp) to the output channels, Tanh.

The decoder of level k reads ``cat([a_{k+1}, d_{k+1}])``, where ``a_{k+1}`` is
the input of encoder level k+1 (after its plugins, as if the plugin wrapped
pix2pix's sub-block) and ``d_{k+1}`` the decoder output below; the innermost
decoder reads the bottleneck alone. Plugin points (``plugin_points``,
``docs/plugins.md``), in forward order: ``input`` (the image, before encoder
level 1), ``before_enc2`` .. ``before_encN`` (``a_k``), ``latent`` (the
bottleneck, encoder level N's output) and ``after_decN`` .. ``after_dec2``
(``d_k``, before its concatenation with ``a_{k-1}``; decoder level 1's output
is the image, a neck's place); each may change the channels.
Convolutions have a bias only where no BatchNorm follows (pix2pix: only with
InstanceNorm; we also give one with ``norm_cfg=None``, where pix2pix would
leave the layer without any offset).
Input sizes must be multiples of ``size_divisor = 2**depth``. Weights are
initialised by ``init_weights`` (pix2pix's N(0, 0.02)), which the Runner calls.
"""
from typing import Dict, List, Mapping, Optional, Sequence

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
from irtoolbox.models.layers.subpix_upsamp import SubPixUpsamp
from irtoolbox.models.plugins.plugin_stack import PluginPoint, PluginStack
from irtoolbox.registry import MODELS


@MODELS.register_module()
class UNetGenerator(Pix2PixInitModule):
    """pix2pix U-Net of ``depth`` levels (UNet-8 = pix2pix, UNet-5 = the paper's).

    Args:
        in_channels: image channels of the input. Default: 3.
        out_channels: image channels of the output. Default: 3.
        depth: number of down/up-sampling levels N (1..8). Default: 8.
        base_channels: ngf, the channels of level 1. Default: 64.
        norm_cfg: mmcv norm config of the inner levels; ``dict(type='IN')`` is
            pix2pix's 'instance', ``None`` no norm. Default: ``dict(type='BN')``
            (pix2pix's 'batch').
        down_act_cfg: activation before each inner encoder convolution.
            Default: ``dict(type='LeakyReLU', negative_slope=0.2)``.
        up_act_cfg: activation before each decoder up-sampling.
            Default: ``dict(type='ReLU')``.
        use_dropout: Dropout(0.5) in the 8*ngf middle decoder blocks (levels
            5..N-1; none exist for N <= 5). Default: False.
        upsample: 'deconv' (pix2pix) or 'subpixel' (SubPixUpsamp, Eq. 15) for
            the outermost decoder up-sampling. Default: 'deconv'.
        plugins: ``[dict(cfg=module cfg, position=point)]``, a point of
            ``plugin_points`` (``'input'``, ``'before_enc2'`` .. ``'before_encN'``,
            ``'latent'``, ``'after_decN'`` .. ``'after_dec2'``).
            Default: None (no plugins).
        init_cfg: mmengine init config replacing pix2pix's N(0, 0.02) init.
            Default: None.
    """

    # a_k, the input of encoder level k (after its plugins) is also the skip the
    # decoder of level k-1 reads; the keys keep the pre-issue-17 ModuleList layout
    # (checkpoints load); latent and after_decK came later and are keyed by name
    plugin_points = (
        PluginPoint('input', 'the image, before encoder level 1', 'in_channels', True,
                    old_name='enc1', key='0'),
        PluginPoint('before_enc{K}', 'before encoder level K (its input, the skip of '
                    'decoder level K-1)', 'base_channels * min(2^(K-2), 8)', True,
                    levels=(2, 'depth'), old_name='enc{K}', key='{K0}'),
        PluginPoint('latent', 'the bottleneck: the output of the innermost encoder level '
                    '(level depth), before the innermost decoder level',
                    'base_channels * min(2^(depth-1), 8)', True),
        PluginPoint('after_dec{K}', "the output of decoder level K (the size of encoder level "
                    "K's input), before it is concatenated with that input, the skip",
                    'base_channels * min(2^(K-2), 8)', True, levels=(2, 'depth'),
                    descending=True),
    )

    def __init__(self, in_channels: int = 3, out_channels: int = 3, depth: int = 8,
                 base_channels: int = 64, norm_cfg: Optional[Mapping] = PIX2PIX_NORM_CFG,
                 down_act_cfg: Optional[Mapping] = PIX2PIX_DOWN_ACT_CFG,
                 up_act_cfg: Optional[Mapping] = PIX2PIX_UP_ACT_CFG,
                 use_dropout: bool = False, upsample: str = 'deconv',
                 plugins: Optional[Sequence[dict]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_depth(depth, 'UNetGenerator')
        if upsample not in ('deconv', 'subpixel'):
            raise ValueError(f"UNetGenerator: upsample must be 'deconv' or 'subpixel', "
                             f'got {upsample!r}')
        self.depth = depth
        self.size_divisor = 2 ** depth
        self.use_dropout, self.upsample = use_dropout, upsample
        # plain dicts: a read-only default mapping cannot be deep-copied (EMA, copy.deepcopy)
        self.norm_cfg, self.down_act_cfg, self.up_act_cfg = (
            None if cfg is None else dict(cfg) for cfg in (norm_cfg, down_act_cfg, up_act_cfg))
        # the narrowest norm is decoder level 2's, at base_channels
        check_layer_cfgs('UNetGenerator', norm_cfg, base_channels,
                         dict(down_act_cfg=down_act_cfg, up_act_cfg=up_act_cfg))
        self.bias = conv_bias(norm_cfg, base_channels)
        self.plugins = PluginStack(plugins, self.plugin_points, 'UNetGenerator', depth=depth)
        self.encoders = nn.ModuleList()
        enc_inputs: List[int] = []  # channels of a_k, the (plugged) input of level k
        channels = in_channels
        for k in range(1, depth + 1):
            channels = self.plugins.build(encoder_point(k), channels)
            enc_inputs.append(channels)
            self.encoders.append(self._encoder_level(k, channels, base_channels))
            channels = level_channels(k, base_channels)
        # channels reaching decoder level k from below, after the plugins there;
        # the decoders are built afterwards, in pix2pix's order
        from_below: Dict[int, int] = {depth: self.plugins.build('latent', channels)}
        for k in range(depth, 1, -1):
            from_below[k - 1] = self.plugins.build(f'after_dec{k}',
                                                   level_channels(k - 1, base_channels))
        self.decoders = nn.ModuleList(
            self._decoder_level(k, enc_inputs, from_below[k], base_channels, out_channels)
            for k in range(1, depth + 1))
        self.out_channels = out_channels

    def _encoder_level(self, k: int, in_ch: int, base: int) -> nn.Module:
        conv = nn.Conv2d(in_ch, level_channels(k, base), 4, stride=2, padding=1, bias=self.bias)
        if k == 1:
            return nn.Sequential(conv)
        # nn.Identity holds the place of a None layer: the keys stay the same
        act = (nn.Identity() if self.down_act_cfg is None
               else build_activation_layer(self.down_act_cfg))
        if k == self.depth:  # the innermost level has no norm (1x1 maps in UNet-8)
            return nn.Sequential(act, conv)
        norm = (nn.Identity() if self.norm_cfg is None
                else build_norm_layer(self.norm_cfg, level_channels(k, base))[1])
        return nn.Sequential(act, conv, norm)

    def _decoder_level(self, k: int, enc_inputs: List[int], from_below: int, base: int,
                       out_channels: int) -> nn.Module:
        # enc_inputs[k] = a_{k+1}, the skip; the innermost level reads the bottleneck alone
        in_ch = from_below if k == self.depth else enc_inputs[k] + from_below
        act = nn.Identity() if self.up_act_cfg is None else build_activation_layer(self.up_act_cfg)
        if k == 1:
            if self.upsample == 'subpixel':
                up = SubPixUpsamp(in_ch, out_channels, scale=2)
            else:
                up = nn.ConvTranspose2d(in_ch, out_channels, 4, stride=2, padding=1)
            return nn.Sequential(act, up, nn.Tanh())
        c_out = level_channels(k - 1, base)
        up = nn.ConvTranspose2d(in_ch, c_out, 4, stride=2, padding=1, bias=self.bias)
        norm = nn.Identity() if self.norm_cfg is None else build_norm_layer(self.norm_cfg, c_out)[1]
        layers = [act, up, norm]
        if self.use_dropout and 5 <= k < self.depth:
            layers.append(nn.Dropout(0.5))
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Restore a batch.

        Args:
            x: ``N x in_channels x H x W`` degraded images, normalised (``[-1, 1]``
                with the GAN restorer's preprocessor), H and W multiples of
                ``size_divisor`` = ``2**depth``.

        Returns:
            ``N x out_channels x H x W`` restored images in ``[-1, 1]`` (Tanh).
        """
        check_divisible(x, self.size_divisor, 'UNetGenerator')
        skips = []
        for k, encoder in enumerate(self.encoders, 1):
            x = self.plugins(encoder_point(k), x)
            skips.append(x)  # a_k
            x = encoder(x)
        x = self.plugins('latent', x)
        for k in range(self.depth, 0, -1):
            if k < self.depth:
                x = torch.cat([skips[k], x], dim=1)
            x = self.decoders[k - 1](x)
            if k > 1:  # d_k; decoder level 1's output is the image
                x = self.plugins(f'after_dec{k}', x)
        return x
