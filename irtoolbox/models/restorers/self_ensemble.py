"""Geometric self-ensemble at test time (x8: flips and 90-degree rotations).

The "+" models of EDSR (Lim et al., CVPRW 2017, Sec. 4.4) and BasicSR's
``test_selfensemble``: the restoration is the mean, over the eight elements
``g`` of the dihedral group of the square, of ``g^-1(f(g(y)))``. ``g`` is
``k`` quarter turns (``k = 0..3``), optionally after a left-right flip; all of
them are exact permutations of pixels, so for a network that needs no size
divisor the result equals the hand-written average.

A network with a size divisor (Restormer: 8) is padded per view, not once: each
transformed image is padded at its own bottom and right edges (the data
preprocessor's ``pad``, reflect by default) and its restoration cropped before
the inverse transform, so that every view sees its content where the
single-pass model sees it and the pad never lands inside the image. Padding
once and rotating the padded batch would put the pad on the top or left edge
of the rotated views.

Used by ``Restorer.predict`` when ``test_cfg=dict(self_ensemble=True)``.
"""
from typing import Callable, List, Optional

import torch

from irtoolbox.models.part_protocol import reads_context

NUM_VIEWS = 8


def dihedral(x: torch.Tensor, index: int) -> torch.Tensor:
    """View ``index`` (0-7) of ``x`` (``... x H x W``): ``index % 4`` quarter turns
    counter-clockwise, after a left-right flip when ``index >= 4``."""
    if index >= 4:
        x = x.flip(-1)
    return torch.rot90(x, index % 4, dims=(-2, -1))


def dihedral_inverse(x: torch.Tensor, index: int) -> torch.Tensor:
    """The inverse of :func:`dihedral`: ``dihedral_inverse(dihedral(x, i), i) == x``."""
    x = torch.rot90(x, -(index % 4), dims=(-2, -1))
    return x.flip(-1) if index >= 4 else x


def self_ensemble(restore: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor,
                  pad: Callable[[torch.Tensor], torch.Tensor], scale: int = 1) -> torch.Tensor:
    """The mean of the eight back-transformed restorations of ``image``.

    Args:
        restore: the network on a padded batch, ``N x C x h x w -> N x C' x sh x sw``.
        image: ``N x C x H x W`` unpadded, normalised degraded batch.
        pad: pads a batch at bottom/right to the network's size divisor.
        scale: ``s``, the network's upscale factor.

    Returns:
        ``N x C' x sH x sW`` mean restoration (same order of views as BasicSR's
        eight, which does not change the mean).
    """
    total: Optional[torch.Tensor] = None
    for index in range(NUM_VIEWS):
        view = dihedral(image, index)
        height, width = view.shape[-2:]
        out = restore(pad(view))[..., :height * scale, :width * scale]
        out = dihedral_inverse(out, index)
        total = out if total is None else total + out
    return total / NUM_VIEWS


def check_self_ensemble_parts(parts: List[Optional[torch.nn.Module]]) -> None:
    """Refuse a network with a part that reads the batch's ``data_samples`` (its
    ``context_reads``): their recorded degradation (a blur kernel, a mask) does
    not flip or rotate with the image. Parts that read the transformed
    ``inputs`` or the task labels (IDR's SDAM, meta-prior) are fine."""
    for part in parts:
        for module in part.modules() if part is not None else ():
            if reads_context(module, 'data_samples'):
                raise ValueError(f'test_cfg.self_ensemble: {type(module).__name__} reads each '
                                 "sample's recorded degradation, which does not rotate with "
                                 'the image; self-ensemble is not available for this model')
