"""Pixel-wise reconstruction losses: L1, MSE and Charbonnier."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from irtoolbox.registry import MODELS


class _PixelLoss(nn.Module):
    """Shared shape: ``loss_weight * reduce(elementwise(pred, target))``."""

    def __init__(self, loss_weight: float = 1.0, reduction: str = 'mean') -> None:
        super().__init__()
        if reduction not in ('mean', 'sum'):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean' or 'sum', "
                             f'got {reduction!r}')
        self.loss_weight = loss_weight
        self.reduction = reduction

    def elementwise(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if pred.shape != target.shape:
            raise ValueError(f'{type(self).__name__}: prediction {tuple(pred.shape)} and '
                             f'target {tuple(target.shape)} differ in shape')
        loss = self.elementwise(pred, target)
        loss = loss.mean() if self.reduction == 'mean' else loss.sum()
        return self.loss_weight * loss


@MODELS.register_module()
class L1Loss(_PixelLoss):
    """Mean absolute error."""

    def elementwise(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.l1_loss(pred, target, reduction='none')


@MODELS.register_module()
class MSELoss(_PixelLoss):
    """Mean squared error."""

    def elementwise(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(pred, target, reduction='none')


@MODELS.register_module()
class CharbonnierLoss(_PixelLoss):
    """sqrt((pred - target)^2 + eps^2), a differentiable L1 (Lai et al., LapSRN)."""

    def __init__(self, loss_weight: float = 1.0, reduction: str = 'mean',
                 eps: float = 1e-3) -> None:
        super().__init__(loss_weight, reduction)
        self.eps = eps

    def elementwise(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return torch.sqrt((pred - target) ** 2 + self.eps ** 2)
