"""The degradation-type classification loss of IDR's meta-prior learning.

Zhang et al., "Ingredient-oriented Multi-Degradation Learning for Image
Restoration" (CVPR 2023): each meta-prior learning module classifies the
degradation type of a sample from its (SDAM-intensified) features; the
released code trains the classifier with label-smoothed cross-entropy
(smoothing 0.1) weighted 0.01. The logits reach the loss through the
restorer's feature tap (``feature_taps=dict(degradation='**.degradation_classifier')``),
one ``N x T`` tensor per module; the labels are the samples' ``task_idx``
metainfo (set by ``MultiTaskDataset``). The loss is the mean over modules.
"""
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.models.batch_context import read_tap, task_labels
from irtoolbox.registry import MODELS


def sample_task_labels(data_samples: List, device: torch.device) -> torch.Tensor:
    """The samples' ``task_idx`` (:func:`~irtoolbox.models.batch_context.task_labels`),
    or one KeyError naming the samples without it."""
    return task_labels(data_samples, device, owner='DegradationTypeLoss')


@MODELS.register_module()
class DegradationTypeLoss(BaseModule):
    """Label-smoothed cross-entropy of the tapped degradation-type logits.

    Args:
        tap: the restorer's feature-tap name holding the logits. Default:
            ``'degradation'``.
        label_smoothing: of the cross-entropy. Default: 0.1 (released code).
        loss_weight: weight of the loss. Default: 0.01 (released code).
        init_cfg: mmengine initialisation config (the loss has no weights). Default: ``None``.
    """

    loss_inputs = ('taps', 'data_samples')

    def __init__(self, tap: str = 'degradation', label_smoothing: float = 0.1,
                 loss_weight: float = 0.01, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.tap, self.label_smoothing, self.loss_weight = tap, label_smoothing, loss_weight

    def forward(self, taps: Dict[str, List[torch.Tensor]], data_samples: List) -> torch.Tensor:
        """taps[tap]: ``N x T`` logits per module; data_samples: N samples with ``task_idx``.

        Returns: the scalar loss.
        """
        logits = read_tap(taps, self.tap, 'DegradationTypeLoss',
                          "a MetaPriorLearning plugin's degradation_classifier")
        labels = sample_task_labels(data_samples, logits[0].device)
        losses = [F.cross_entropy(z, labels, label_smoothing=self.label_smoothing)
                  for z in logits]
        return self.loss_weight * torch.stack(losses).mean()
