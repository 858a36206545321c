"""Spectral value difference orthogonality (SVDO) loss, FDR-Net Eq. (5).

"Learning Disentangled Feature Representation for Hybrid-distorted Image
Restoration" (Li et al., ECCV 2020), Sec. 3.2 and Eq. (8); the regulariser
comes from ABD-Net (Chen et al., ICCV 2019). For each image's feature map
``F`` (``C x HW``):

    SVDO(F) = (lambda_max(F F^T) - lambda_min(F F^T))^2             (Eq. 5)

pushing the C x C Gram matrix towards a multiple of the identity, i.e. the
channels towards orthogonality. The paper writes the square; ABD-Net's code
does not square and estimates the eigenvalues with one power-iteration step.
Here the eigenvalues are exact (``torch.linalg.eigvalsh`` in float64) and
``squared=False`` gives the unsquared form. The total loss of Eq. (8) is
``L1 + beta * SVDO`` with ``beta = 1e-5``: this loss's ``loss_weight``.

The loss reads the features the restorer taps (``loss_inputs = ('taps',)``,
tap name ``tap``, default ``'fd'``: every FD-layer output in FDR-Net's
configs). Choices where the paper is silent (configurable): the value is the
mean over the images of a batch and the **sum** over the tapped layers (as
ABD-Net adds one term per regularised layer); ``normalize=True`` (or ``'hw'``)
divides the Gram matrix by ``HW`` (off by default: Eq. 5 has no
normalisation); ``normalize='trace'`` divides it by its mean eigenvalue
``trace / C`` (per layer and image, not differentiated through: a
scale-free spread, so deep layers with large features do not dominate).
"""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModule

from irtoolbox.models.batch_context import read_tap
from irtoolbox.registry import MODELS


def svdo(features: torch.Tensor, squared: bool = True,
         normalize: Union[bool, str] = False) -> torch.Tensor:
    """Per-image ``(lambda_max - lambda_min)(F F^T)`` (squared by default).

    Args:
        features: ``N x C x H x W`` features (any range).
        squared: square the difference, as Eq. (5) writes it. Default: True.
        normalize: False (Eq. 5), True or ``'hw'`` (``F F^T / (H W)``) or
            ``'trace'`` (``F F^T`` over its detached mean eigenvalue). Default: False.

    Returns:
        ``N`` values in the dtype of ``features`` (computed in float64).
    """
    if features.dim() != 4:
        raise ValueError(f'svdo: expects N x C x H x W features, got {tuple(features.shape)}')
    flat = features.flatten(2).double()
    gram = flat @ flat.transpose(1, 2)
    if normalize == 'trace':
        mean_eig = gram.diagonal(dim1=1, dim2=2).mean(1).detach().clamp_min(1e-30)
        gram = gram / mean_eig.view(-1, 1, 1)
    elif normalize in (True, 'hw'):
        gram = gram / flat.shape[-1]
    elif normalize is not False:
        raise ValueError(f"svdo: normalize must be False, True, 'hw' or 'trace', got {normalize!r}")
    eigenvalues = torch.linalg.eigvalsh(gram)  # ascending
    spread = eigenvalues[:, -1] - eigenvalues[:, 0]
    return (spread ** 2 if squared else spread).to(features.dtype)


@MODELS.register_module()
class SVDOLoss(BaseModule):
    """``loss_weight * sum over tapped layers of mean over images of SVDO``.

    Args:
        tap: name of the restorer's ``feature_taps`` entry to read. Default: ``'fd'``.
        loss_weight: beta of Eq. (8). Default: 1e-5.
        squared: square the eigenvalue spread (Eq. 5). Default: True.
        normalize: False, True / ``'hw'`` or ``'trace'`` (:func:`svdo`). Default: False.
        init_cfg: mmengine initialisation config (the loss has no weights).
            Default: ``None``.
    """

    loss_inputs = ('taps',)

    def __init__(self, tap: str = 'fd', loss_weight: float = 1e-5, squared: bool = True,
                 normalize: Union[bool, str] = False, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.tap = tap
        self.loss_weight = loss_weight
        self.squared = bool(squared)
        if normalize not in (False, True, 'hw', 'trace'):
            raise ValueError(f"SVDOLoss: normalize must be False, True, 'hw' or 'trace', "
                             f'got {normalize!r}')
        self.normalize = normalize

    def forward(self, taps: Dict[str, List[torch.Tensor]]) -> torch.Tensor:
        """taps: ``{name: [N x C x H x W features, ...]}`` from the restorer.

        Returns: a scalar, ``loss_weight * sum_l mean_n SVDO(F_{l,n})``.
        """
        features = read_tap(taps, self.tap, 'SVDOLoss', 'the features to decorrelate')
        if not features:
            raise ValueError(f'SVDOLoss: the tap {self.tap!r} captured no features in this '
                             'forward pass')
        total = sum(svdo(f, self.squared, self.normalize).mean() for f in features)
        return self.loss_weight * total
