"""g of any backbone for DL-Net (Guo et al., "Deep Likelihood Network", Sec.
III-C: f = h o g, z the last hidden representation before its activation).

``BackboneTrunk(backbone=cfg, stop_at='decoders.0')`` runs ``backbone`` up to
the submodule named ``stop_at`` and returns that submodule's input: z. The
submodule is replaced at build time (it is h, which the likelihood head holds
instead), so none of its parameters sit unused in the model (DDP would
complain) and the wrapped backbone's code is untouched. Example: pix2pix's
U-Net, whose outermost decoder ``decoders.0`` is ReLU -> ConvT -> Tanh and
whose input is the concatenation of the last skip and decoder features.
"""
from fractions import Fraction
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from irtoolbox.models.part_protocol import part_attribute
from irtoolbox.registry import MODELS


class _ReachedStop(Exception):
    """Carries z out of the wrapped backbone's forward."""

    def __init__(self, features: torch.Tensor) -> None:
        super().__init__('BackboneTrunk stop')
        self.features = features


class _Stop(nn.Module):
    """Stands where h was: hands its input back to the trunk."""

    def forward(self, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        raise _ReachedStop(x)


@MODELS.register_module()
class BackboneTrunk(BaseModule):
    """A backbone cut before the submodule ``stop_at``; returns that submodule's input.

    Args:
        backbone: config of the backbone to cut. Required.
        stop_at: qualified name of the submodule h starts with (e.g.
            ``'decoders.0'`` of ``UNetGenerator``). Required.
        init_cfg: mmengine initialisation config. Default: None.
    """

    def __init__(self, backbone: dict, stop_at: str, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        names = dict(self.backbone.named_modules())
        if stop_at not in names or not stop_at:
            raise KeyError(f'BackboneTrunk: {type(self.backbone).__name__} has no submodule '
                           f'{stop_at!r}; some names: {list(names)[1:12]}')
        self.backbone.set_submodule(stop_at, _Stop())
        self.stop_at = stop_at
        self.size_divisor = part_attribute(self.backbone, 'size_divisor')
        self.scale = self.measured_scale()

    def measured_scale(self) -> Fraction:
        """The trunk's own output/input ratio (part_protocol.py ``scale``): z's side
        over the input's, from one forward of a zero image of side ``size_divisor``
        in eval mode (a cut backbone is often at a fraction of the input size: the
        U-Net before its outermost decoder at 1/2). The wrapped backbone's declared
        scale when it has no convolution to read its input channels from."""
        convs = [m for m in self.backbone.modules() if isinstance(m, nn.Conv2d)]
        if not convs:
            return Fraction(part_attribute(self.backbone, 'scale'))
        side, was_training = int(self.size_divisor), self.training
        self.eval()  # no BatchNorm statistics updated, no dropout draw
        try:
            with torch.no_grad():
                z = self(torch.zeros(1, convs[0].in_channels, side, side))
        finally:
            self.train(was_training)
        return Fraction(z.shape[-1], side)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` normalised degraded images.

        Returns: z, the input of ``stop_at`` (e.g. ``N x 2c x H/2 x W/2`` for the U-Net).
        """
        try:
            self.backbone(x)
        except _ReachedStop as stop:
            return stop.features
        raise RuntimeError(f'BackboneTrunk: the forward of {type(self.backbone).__name__} '
                           f'never called {self.stop_at!r}')
