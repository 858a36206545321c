"""Pixel-wise reconstruction losses: L1, MSE and Charbonnier."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS


class _PixelLoss(BaseModule):
    """Shared shape: ``loss_weight * reduce(elementwise(pred, target))``.

    Args:
        loss_weight: factor on the loss. Default: 1.0.
        reduction: 'mean' or 'sum' over all elements. Default: 'mean'.
        init_cfg: unused (a loss has no weights); kept for the part
            convention. Default: None.
    """

    def __init__(self, loss_weight: float = 1.0, reduction: str = 'mean',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if reduction not in ('mean', 'sum'):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean' or 'sum', "
                             f'got {reduction!r}')
        self.loss_weight = loss_weight
        self.reduction = reduction

    def elementwise(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The weighted, reduced loss.

        Args:
            pred: ``N x C x H x W`` prediction, any range (the restorer passes
                normalised images).
            target: ground truth of the same shape and range.

        Returns:
            A scalar tensor, ``>= 0``.
        """
        if pred.shape != target.shape:
            raise ValueError(f'{type(self).__name__}: prediction {tuple(pred.shape)} and '
                             f'target {tuple(target.shape)} differ in shape')
        loss = self.elementwise(pred, target)
        loss = loss.mean() if self.reduction == 'mean' else loss.sum()
        return self.loss_weight * loss


@MODELS.register_module()
class L1Loss(_PixelLoss):
    """Mean absolute error.

    Args:
        loss_weight: factor on the loss. Default: 1.0.
        reduction: 'mean' or 'sum' over all elements. Default: 'mean'.
        init_cfg: unused (no weights). Default: None.
    """

    def elementwise(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.l1_loss(pred, target, reduction='none')


@MODELS.register_module()
class MSELoss(_PixelLoss):
    """Mean squared error.

    Args:
        loss_weight: factor on the loss. Default: 1.0.
        reduction: 'mean' or 'sum' over all elements. Default: 'mean'.
        init_cfg: unused (no weights). Default: None.
    """

    def elementwise(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(pred, target, reduction='none')


@MODELS.register_module()
class CharbonnierLoss(_PixelLoss):
    """sqrt((pred - target)^2 + eps^2), a differentiable L1 (Lai et al., LapSRN).

    Args:
        loss_weight: factor on the loss. Default: 1.0.
        reduction: 'mean' or 'sum' over all elements. Default: 'mean'.
        eps: smoothing constant. Default: 1e-3.
        init_cfg: unused (no weights). Default: None.
    """

    def __init__(self, loss_weight: float = 1.0, reduction: str = 'mean',
                 eps: float = 1e-3, init_cfg: Optional[dict] = None) -> None:
        super().__init__(loss_weight, reduction, init_cfg=init_cfg)
        self.eps = eps

    def elementwise(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return torch.sqrt((pred - target) ** 2 + self.eps ** 2)
