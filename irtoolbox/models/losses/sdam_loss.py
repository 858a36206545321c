"""The auxiliary loss of IDR's SDAM (supplement Sec. 2).

The SDAM's image output at scale 1/f is compared with the degraded input
resized to that scale (the supplement: "the supervision of the SDAM lies in
the degraded images") or, as in the released code and MPRNet, with the
resized clean target (``supervision='clean'``). The images reach the loss
through the restorer's feature tap (``feature_taps=dict(sdam='**.sdam_image')``);
the target is padded at the bottom/right by reflection to the image's grid
(as the data preprocessor padded the input) and box-averaged to its size, the
same resize the SDAM applies to its own degraded input.
"""
import math
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.models.batch_context import read_tap, resize_image
from irtoolbox.registry import MODELS

SUPERVISIONS = ('degraded', 'clean')


def target_at_scale(target: torch.Tensor, size: tuple, mode: str = 'area') -> torch.Tensor:
    """``target`` (unpadded, ``N x C x H x W``) on the grid of an ``h x w`` image.

    The image is ``1/f`` of the padded input with ``f`` a power of two and a
    padding smaller than the input, so ``f = 2^ceil(log2(H / h))``.
    """
    (height, width), (h, w) = target.shape[-2:], size
    factor = 2 ** max(0, math.ceil(math.log2(max(height / h, width / w)) - 1e-9))
    pad_h, pad_w = h * factor - height, w * factor - width
    if pad_h < 0 or pad_w < 0:
        raise ValueError(f'SDAMLoss: an image of {h} x {w} is not a power-of-two scale of the '
                         f'target {height} x {width}')
    if pad_h or pad_w:
        mode_pad = 'reflect' if pad_h < height and pad_w < width else 'replicate'
        target = F.pad(target, (0, pad_w, 0, pad_h), mode=mode_pad)
    return resize_image(target, (h, w), mode)


@MODELS.register_module()
class SDAMLoss(BaseModule):
    """Mean over the tapped SDAM images of ``loss_weight * L1(img, target at its scale)``.

    Args:
        tap: the restorer's feature-tap name holding the SDAM images.
            Default: ``'sdam'``.
        supervision: ``'degraded'`` (the supplement) or ``'clean'`` (the
            released code). Default: ``'degraded'``.
        loss_weight: weight of the loss. Default: 1.0.
        resize_mode: how the target is brought to each scale. Default: ``'area'``.
        init_cfg: mmengine initialisation config (the loss has no weights). Default: ``None``.
    """

    loss_inputs = ('taps', 'lq', 'gt')

    def __init__(self, tap: str = 'sdam', supervision: str = 'degraded',
                 loss_weight: float = 1.0, resize_mode: str = 'area',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if supervision not in SUPERVISIONS:
            raise ValueError(f'SDAMLoss: supervision must be one of {SUPERVISIONS}, '
                             f'got {supervision!r}')
        self.tap, self.supervision = tap, supervision
        self.loss_weight, self.resize_mode = loss_weight, resize_mode

    def forward(self, taps: Dict[str, List[torch.Tensor]], lq: torch.Tensor,
                gt: torch.Tensor) -> torch.Tensor:
        """taps[tap]: SDAM images ``N x C x h x w``; lq, gt: ``N x C x H x W`` normalised.

        Returns: the scalar loss.
        """
        images = read_tap(taps, self.tap, 'SDAMLoss', "an SDAM's sdam_image in the model")
        target = lq if self.supervision == 'degraded' else gt
        losses = [F.l1_loss(img, target_at_scale(target, img.shape[-2:], self.resize_mode))
                  for img in images]
        return self.loss_weight * torch.stack(losses).mean()
