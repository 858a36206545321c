"""pix2pix building conventions (Isola et al., 2017) shared by the U-Net
generator, the En/Decoder and the PatchGAN discriminator of the InfoAccum family.

- Widths: level k (1-based) has ``base * min(2^(k-1), 8)`` channels; the U-Net
  and the En/Decoder have 1..8 levels and need inputs divisible by ``2**depth``.
- Norms: 'batch' = affine BatchNorm2d, 'instance' = InstanceNorm2d without
  affine parameters or running statistics, 'none' = identity.
- Init: convolution and linear weights from N(0, gain) with gain 0.02 and
  biases 0; BatchNorm weights from N(1, gain) and biases 0.
"""
import torch
import torch.nn as nn

NORMS = ('batch', 'instance', 'none')


def level_channels(level: int, base_channels: int) -> int:
    """Output channels of encoder level ``level`` (1-based): base * min(2^(k-1), 8)."""
    return base_channels * min(2 ** (level - 1), 8)


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


def make_norm(norm: str, channels: int) -> nn.Module:
    """A pix2pix norm layer for ``channels`` channels."""
    if norm == 'batch':
        return nn.BatchNorm2d(channels)
    if norm == 'instance':
        return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)
    if norm == 'none':
        return nn.Identity()
    raise ValueError(f'norm must be one of {NORMS}, got {norm!r}')


_WEIGHTED = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)
_BATCH_NORMS = (nn.BatchNorm2d,)


def pix2pix_normal_init(module: nn.Module, gain: float = 0.02) -> nn.Module:
    """Initialise every conv/linear/BatchNorm of ``module`` in place; returns it."""
    for m in module.modules():
        if isinstance(m, _WEIGHTED):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, _BATCH_NORMS) and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)
    return module
