"""Adversarial losses of the InfoAccum family: vanilla GAN and LSGAN.

InfoAccum paper ("An Information-theoretic Perspective of Generative Image
Restoration"), Section VI.3 and Appendix G.E, Eq. (16)-(17). The paper swaps
pix2pix's JS-divergence GAN loss (binary cross-entropy on logits) for the
least-squares loss of LSGAN (Mao et al., 2017), a more sensitive measure when
generated and real distributions are close:

    G:  E[(D(x, G(x)) - 1)^2]                                        (16)
    D:  1/2 E[(D(x, y) - 1)^2] + 1/2 E[D(x, G(x))^2]                 (17)

``GANLoss(pred, target_is_real)`` is the mean over D's patch scores of
``(pred - label)^2`` ('lsgan') or ``BCEWithLogits(pred, label)`` ('vanilla'),
with ``label`` = real_label or fake_label, times ``loss_weight``. The 1/2 of
Eq. (17) is applied by the restorer when it sums the real and fake terms.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS

GAN_TYPES = ('vanilla', 'lsgan')


@MODELS.register_module()
class GANLoss(BaseModule):
    """Loss of raw discriminator scores against a constant real/fake label.

    Args:
        gan_type: 'vanilla' (BCE with logits) or 'lsgan' (mean squared error).
            Default: 'lsgan' (the InfoAccum paper's).
        real_label: the target for real samples. Default: 1.0.
        fake_label: the target for fake samples. Default: 0.0.
        loss_weight: factor on the loss. Default: 1.0.
        init_cfg: unused (no weights). Default: None.
    """

    def __init__(self, gan_type: str = 'lsgan', real_label: float = 1.0,
                 fake_label: float = 0.0, loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if gan_type not in GAN_TYPES:
            raise ValueError(f'GANLoss: gan_type must be one of {GAN_TYPES}, got {gan_type!r}')
        self.gan_type = gan_type
        self.real_label, self.fake_label = float(real_label), float(fake_label)
        self.loss_weight = loss_weight

    def forward(self, pred: torch.Tensor, target_is_real: bool) -> torch.Tensor:
        """The loss of discriminator scores against one label.

        Args:
            pred: ``N x 1 x H' x W'`` raw (unbounded) patch scores of D.
            target_is_real: compare with ``real_label`` (True) or
                ``fake_label`` (False).

        Returns:
            A scalar tensor, ``>= 0``.
        """
        label = self.real_label if target_is_real else self.fake_label
        target = torch.full_like(pred, label)
        if self.gan_type == 'lsgan':
            loss = F.mse_loss(pred, target)
        else:
            loss = F.binary_cross_entropy_with_logits(pred, target)
        return self.loss_weight * loss
