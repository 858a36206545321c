"""pix2pix building conventions (Isola et al., 2017) shared by the U-Net
generator, the En/Decoder and the PatchGAN discriminator of the InfoAccum family.

- Widths: level k (1-based) has ``base * min(2^(k-1), 8)`` channels; the U-Net
  and the En/Decoder have 1..8 levels and need inputs divisible by ``2**depth``.
- Norms and activations are mmcv configs: pix2pix's 'batch' norm is
  ``dict(type='BN')`` (affine BatchNorm2d), its 'instance' norm
  ``dict(type='IN')`` (InstanceNorm2d without affine parameters or running
  statistics), its 'none' is ``None`` (no layer: an ``nn.Identity`` holds its
  place in the ``Sequential``, so state-dict keys do not depend on the config).
  Each part builds them with mmcv's ``build_norm_layer`` /
  ``build_activation_layer``; :func:`check_layer_cfgs` stops a config mmcv
  cannot build first. A convolution has a bias unless a batch norm follows it
  (pix2pix's ``use_bias``; we also give one with no norm).
- Init: convolution and linear weights from N(0, gain) with gain 0.02 and
  biases 0; BatchNorm weights from N(1, gain) and biases 0, over the whole
  network, plugins included (pix2pix initialises the network it is given as a
  whole). :class:`Pix2PixInitModule` does this in ``init_weights``.
"""
from types import MappingProxyType
from typing import Mapping, Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

# Read-only defaults (a dict default argument would be shared between calls).
PIX2PIX_NORM_CFG = MappingProxyType(dict(type='BN'))
PIX2PIX_DOWN_ACT_CFG = MappingProxyType(dict(type='LeakyReLU', negative_slope=0.2))
PIX2PIX_UP_ACT_CFG = MappingProxyType(dict(type='ReLU'))


def level_channels(level: int, base_channels: int) -> int:
    """Output channels of encoder level ``level`` (1-based): base * min(2^(k-1), 8)."""
    return base_channels * min(2 ** (level - 1), 8)


def encoder_point(level: int) -> str:
    """The plugin point where the features enter encoder level ``level`` (1-based):
    ``'input'`` for level 1 (the image itself), ``'before_encK'`` above."""
    return 'input' if level == 1 else f'before_enc{level}'


def check_depth(depth: int, owner: str) -> None:
    """A down/up-sampling depth must be an int in 1..8 (pix2pix's UNet-8 at most)."""
    if not isinstance(depth, int) or not 1 <= depth <= 8:
        raise ValueError(f'{owner}: depth must be an int in 1..8, got {depth!r}')


def check_divisible(x: torch.Tensor, divisor: int, owner: str) -> None:
    """``x`` must be N x C x H x W with H and W multiples of ``divisor`` (2**depth)."""
    if x.dim() != 4 or x.shape[-1] % divisor or x.shape[-2] % divisor:
        raise ValueError(f'{owner}: input must be N x C x H x W with H and W multiples of '
                         f'{divisor} (2**depth), got {tuple(x.shape)}; pad it (the data '
                         'preprocessor does this for a Restorer)')


def check_layer_cfgs(owner: str, norm_cfg: Optional[Mapping], norm_channels: int,
                     act_cfgs: Mapping[str, Optional[Mapping]]) -> None:
    """Stop before any layer is built if mmcv cannot build one of the configs.

    The layers themselves are built where they are used, with mmcv's
    ``build_norm_layer`` / ``build_activation_layer`` (``None``: no layer).
    This only tries each config once, so that a wrong one is one
    ``ValueError`` naming the owner, the argument and the config (mmcv's own
    message for an unknown norm type names none of them).

    Args:
        owner: the part's name, for the message.
        norm_cfg: its ``norm_cfg``.
        norm_channels: the channels of its first norm layer (GroupNorm's
            ``num_groups`` must divide them).
        act_cfgs: ``{argument name: activation config}``.
    """
    trials = [('norm_cfg', norm_cfg, lambda cfg: build_norm_layer(cfg, norm_channels))]
    trials += [(name, cfg, build_activation_layer) for name, cfg in act_cfgs.items()]
    for name, cfg, build in trials:
        if cfg is None:
            continue
        try:
            build(dict(cfg))
        except (KeyError, TypeError, ValueError, AssertionError) as error:
            raise ValueError(f'{owner}: cannot build {name}={dict(cfg)!r} with mmcv: '
                             f'{type(error).__name__}: {error}') from None


def conv_bias(norm_cfg: Optional[Mapping], norm_channels: int) -> bool:
    """pix2pix: a convolution has a bias unless a batch norm follows (its offset
    would be cancelled by the mean subtraction and replaced by BN's own bias).
    ``norm_cfg`` must have passed :func:`check_layer_cfgs`."""
    return norm_cfg is None or not isinstance(
        build_norm_layer(dict(norm_cfg), norm_channels)[1], _BatchNorm)


_WEIGHTED = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)


def pix2pix_normal_init(module: nn.Module, gain: float = 0.02) -> nn.Module:
    """Initialise every conv/linear/BatchNorm of ``module`` in place; returns it."""
    for m in module.modules():
        if isinstance(m, _WEIGHTED):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, _BatchNorm) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)
    return module


class Pix2PixInitModule(BaseModule):
    """A ``BaseModule`` whose ``init_weights`` is pix2pix's N(0, 0.02) init of
    the whole module (submodules included), unless an ``init_cfg`` is given,
    which then replaces it (mmengine's usual initialisation)."""

    def init_weights(self) -> None:
        if self.init_cfg:
            super().init_weights()
            return
        pix2pix_normal_init(self)
        self._is_init = True  # as BaseModule records it: a parent does not init us again
