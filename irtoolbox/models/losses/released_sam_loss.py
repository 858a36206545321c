"""The SAM loss of the released IDR network (FACTS.md 2.6 of ``idr_released``).

Zhang et al., "Ingredient-oriented Multi-Degradation Learning for Image
Restoration", CVPR 2023, released code (``IDR_restormer.forward`` with ``gt``):
each prior block's MPRNet-style SAM image (levels 1-3, full, 1/2 and 1/4 size)
is compared by a mean L1 with the clean target resized to its size by
torchvision's bilinear ``Resize`` (antialias off with the pinned torchvision
0.12), and the three level losses are SUMMED (the release sums them with
``np.sum``, a plain sum in intent). The images reach the loss through the
restorer's feature tap ``feature_taps=dict(sam='**.sam_image')``.
"""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.models.backbones.idr_released import resize_to_level
from irtoolbox.models.batch_context import read_tap
from irtoolbox.registry import MODELS


@MODELS.register_module()
class ReleasedSAMLoss(BaseModule):
    """``loss_weight * sum_l L1(sam_l, Resize_l(gt))`` over the tapped SAM images.

    Args:
        tap: the restorer's feature-tap name holding the SAM images. Default: ``'sam'``.
        loss_weight: weight of the summed loss. Default: 1.0 (released).
        antialias: antialiased resizing of the target (released: off). Default: False.
        init_cfg: mmengine initialisation config (the loss has no weights). Default: ``None``.
    """

    loss_inputs = ('taps', 'gt')

    def __init__(self, tap: str = 'sam', loss_weight: float = 1.0, antialias: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.tap, self.loss_weight, self.antialias = tap, loss_weight, antialias

    def forward(self, taps: Dict[str, List[torch.Tensor]], gt: torch.Tensor) -> torch.Tensor:
        """taps[tap]: SAM images ``N x 3 x h_l x w_l``; gt: ``N x 3 x H x W``.

        Returns: the scalar loss.
        """
        images = read_tap(taps, self.tap, 'ReleasedSAMLoss',
                          "an IDRReleased backbone's sam_image")
        losses = [F.l1_loss(img, resize_to_level(gt, img.shape[-2:], self.antialias))
                  for img in images]
        return self.loss_weight * torch.stack(losses).sum()
