"""pix2pix building conventions (Isola et al., 2017) shared by the U-Net
generator, the En/Decoder and the PatchGAN discriminator of the InfoAccum family.

- Norms: 'batch' = affine BatchNorm2d, 'instance' = InstanceNorm2d without
  affine parameters or running statistics, 'none' = identity.
- Init: convolution and linear weights from N(0, gain) with gain 0.02 and
  biases 0; BatchNorm weights from N(1, gain) and biases 0.
"""
import torch.nn as nn

NORMS = ('batch', 'instance', 'none')


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
