"""The per-level classification loss of the released IDR network (``OHCeLoss``).

Zhang et al., "Ingredient-oriented Multi-Degradation Learning for Image
Restoration", CVPR 2023, released code (``models/loss.py``, ``IDR_model.py``;
FACTS.md 3.1 of ``idr_released``): each prior block's classifier gives softmax
probabilities ``p`` (tapped with ``feature_taps=dict(type_probs=
'**.degradation_classifier')``); the target is the one-hot label smoothed as
``smooth_one_hot``: ``1 - s`` on the true class and ``s / (T - 1)`` elsewhere
(0.9 / 0.025 for s = 0.1, T = 5); the loss of a level is
``-sum(log(p) * y) / N`` (log of the probabilities, no epsilon, as released),
the levels are SUMMED and weighted 0.01. The release applies it only in its
first stage (epochs <= 550): ``until_iter`` stops it at that iteration.
"""
from typing import Dict, List, Optional

import torch
from mmengine.model import BaseModule

from irtoolbox.models.batch_context import current_iteration, read_tap, task_labels
from irtoolbox.registry import MODELS


def smooth_one_hot(labels: torch.Tensor, num_classes: int, smoothing: float) -> torch.Tensor:
    """``N x T`` targets: ``1 - smoothing`` on the label, ``smoothing / (T - 1)`` elsewhere."""
    target = torch.full((len(labels), num_classes), smoothing / (num_classes - 1),
                        device=labels.device)
    return target.scatter_(1, labels[:, None], 1.0 - smoothing)


@MODELS.register_module()
class LevelTypeCELoss(BaseModule):
    """``loss_weight * sum_l -sum(log(p_l) * y) / N`` before ``until_iter`` (0 after).

    Args:
        tap: the restorer's feature-tap name holding the probabilities.
            Default: ``'type_probs'``.
        smoothing: label smoothing s. Default: 0.1 (released).
        loss_weight: weight of the summed loss. Default: 0.01 (released).
        until_iter: first training iteration without this loss (the stage
            switch); ``None``: always applied. Default: ``None``.
        init_cfg: mmengine initialisation config (the loss has no weights). Default: ``None``.
    """

    loss_inputs = ('taps', 'data_samples')

    def __init__(self, tap: str = 'type_probs', smoothing: float = 0.1,
                 loss_weight: float = 0.01, until_iter: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.tap, self.smoothing, self.loss_weight = tap, smoothing, loss_weight
        self.until_iter = until_iter

    def level_losses(self, probs: List[torch.Tensor], labels: torch.Tensor) -> List[torch.Tensor]:
        """One ``-sum(log(p) * y) / N`` per level; probs: ``N x T (x 1 x 1)`` each."""
        target = smooth_one_hot(labels, probs[0].shape[1], self.smoothing)
        return [-(torch.log(p.flatten(1)) * target).sum() / len(labels) for p in probs]

    def forward(self, taps: Dict[str, List[torch.Tensor]], data_samples: List) -> torch.Tensor:
        """taps[tap]: ``N x T x 1 x 1`` probabilities per level; data_samples: with ``task_idx``.

        Returns: the scalar loss (0 from ``until_iter`` on).
        """
        probs = read_tap(taps, self.tap, 'LevelTypeCELoss',
                         "an IDRReleased backbone's degradation_classifier")
        if self.until_iter is not None and current_iteration() >= self.until_iter:
            return probs[0].sum() * 0.0  # keeps the graph (DDP) while contributing nothing
        labels = task_labels(data_samples, probs[0].device, owner='LevelTypeCELoss')
        return self.loss_weight * torch.stack(self.level_losses(probs, labels)).sum()
