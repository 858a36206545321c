"""The fidelity term as a training loss: DL-Net's "Naive Likelihood" baseline
(Guo et al., "Deep Likelihood Network", Sec. III-B, Table I, Fig. 1),
``L_rec + lambda L`` with

    L = sum_i ||(W_i x^_i)↓t - y_i||^2 / (2 sigma_i^2) / N

on the prediction, W, t, sigma of each sample built from its recorded
degradation (:class:`irtoolbox.models.heads.ObservationModel`, each image's
term normalised by its number of observed pixels, as released). lambda is ``loss_weight``
(the paper tries 1e2 .. 1e5).
"""
from typing import Any, Optional, Sequence

import torch
from mmengine.model import BaseModule

from irtoolbox.degradations.observation_model import ObservationModel
from irtoolbox.registry import MODELS


@MODELS.register_module()
class LikelihoodLoss(BaseModule):
    """``loss_weight * L(pred, lq)`` with each sample's recorded W (Eq. 2).

    Args:
        loss_weight: lambda. Default: 1.0.
        init_cfg: mmengine initialisation config (the loss has no weights). Default: None.
    """

    loss_inputs = ('pred', 'lq', 'data_samples')

    def __init__(self, loss_weight: float = 1.0, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.loss_weight = float(loss_weight)

    def forward(self, pred: torch.Tensor, lq: torch.Tensor,
                data_samples: Sequence[Any]) -> torch.Tensor:
        """pred: ``N x C x sH x sW`` normalised restoration; lq: ``N x C x H x W``
        normalised degraded input; data_samples: with ``degradation_params``.

        Returns: the scalar weighted fidelity.
        """
        return self.loss_weight * ObservationModel(data_samples, lq).fidelity(pred)
