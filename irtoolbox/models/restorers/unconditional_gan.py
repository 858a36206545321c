"""Unconditional GAN training of a noise-to-image generator (Goodfellow et al.,
2014, Eq. 1; the non-saturating generator loss of their Sec. 3).

It trains the small StyleGAN2 generator (Karras et al., CVPR 2020) whose
checkpoint the latent-optimisation restorer (Han et al. 2024, Sec. 3.1) then
searches, with the toolbox's one adversarial step
(:class:`~.adversarial.AdversarialStep`: one D update with D's optimizer, fake
detached, then one G update with G's optimizer and D frozen), the one
``GANRestorer`` uses; only what a batch means differs:

- the batch's ``inputs`` are *real* images (normalised to [-1, 1]); the
  generator (``backbone``) gets ``z ~ N(0, I)``, ``N x z_dim``, one per image;
- D scores images alone, ``D(y)``, not ``cat(x, y)`` pairs:
  ``L_D = GAN(D(y), real) + GAN(D(G(z)), fake)`` (Eq. 1, the sum of the two
  terms, logged ``loss_d_real``, ``loss_d_fake``);
  ``L_G = GAN(D(G(z)), real)`` (logged ``loss_g_gan``), which with
  ``gan_type='vanilla'`` (BCE with logits) is the non-saturating
  ``-log D(G(z))``; ``'lsgan'`` gives least squares (Mao et al., 2017).

``r1_weight`` > 0 adds StyleGAN's R1 penalty on the real images to D's loss,
logged ``loss_d_r1``; ``r1_interval`` = k > 1 is StyleGAN2's lazy
regularisation (every k-th D step, weighted k times): both in
``adversarial.py``.

The generator may have further named losses (``losses``), called with
``pred`` = G(z), ``gt`` = the real batch. The checkpoint's generator weights
are the ``backbone.*`` entries, which ``LatentRestorer``'s
``generator_checkpoint`` reads. ``mode='tensor'``/``'predict'`` return
samples G(z), one per input image (the input only sets the batch size).
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from irtoolbox.models.batch_context import BatchContext
from irtoolbox.models.restorers.adversarial import AdversarialStep
from irtoolbox.models.restorers.restorer import (
    OptConfig,
    Restorer,
    build_data_preprocessor,
    check_loss_inputs,
    loss_context,
)
from irtoolbox.registry import MODELS

_DEFAULT_GAN_LOSS = dict(type='GANLoss', gan_type='vanilla')  # non-saturating
_DEFAULT_PREPROCESSOR = dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5)


@MODELS.register_module()
class UnconditionalGAN(AdversarialStep, BaseModel):
    """A noise-to-image generator trained against an unconditional discriminator.

    Args:
        generator: config of G, a module with attribute ``z_dim`` whose
            ``forward(z)`` maps ``N x z_dim`` noise to ``N x C x H x W`` images
            in about [-1, 1] (e.g. ``StyleGAN2Generator``); stored as the
            model's ``backbone`` (checkpoint keys ``backbone.*``). Required.
        discriminator: config of D on images alone (e.g.
            ``PatchDiscriminator(in_channels=3)``). Required.
        losses: ``{name: loss config}``, extra generator terms (logged
            ``loss_<name>``). Default: None, meaning none.
        gan_loss: the adversarial loss. Default: None, meaning
            ``dict(type='GANLoss', gan_type='vanilla')`` (non-saturating).
        r1_weight: gamma of the R1 penalty on real images (0: none).
            Default: 0.0.
        r1_interval: k, the penalty every k-th D step with weight
            ``k * r1_weight`` (lazy regularisation; StyleGAN2 uses 16); 1 is
            every step. Default: 1.
        data_preprocessor: Default: None, meaning mean = std = 0.5 (real images
            in [-1, 1], the generator's range).
        train_cfg: kept for the config's record. Default: None.
        test_cfg: kept for the config's record. Default: None.
        init_cfg: mmengine init config of the whole model. Default: None.
    """

    def __init__(self,
                 generator: dict,
                 discriminator: dict,
                 losses: Optional[Dict[str, dict]] = None,
                 gan_loss: OptConfig = None,
                 r1_weight: float = 0.0,
                 r1_interval: int = 1,
                 data_preprocessor: OptConfig = None,
                 train_cfg: OptConfig = None,
                 test_cfg: OptConfig = None,
                 init_cfg: OptConfig = None) -> None:
        super().__init__(data_preprocessor=build_data_preprocessor(data_preprocessor,
                                                                   _DEFAULT_PREPROCESSOR),
                         init_cfg=init_cfg)
        self.backbone = MODELS.build(generator)
        if not isinstance(getattr(self.backbone, 'z_dim', None), int):  # G's interface
            raise TypeError(f'UnconditionalGAN: the generator {generator.get("type")} needs an '
                            'int attribute z_dim (the size of its noise input)')
        self.losses = nn.ModuleDict(
            {name: MODELS.build(cfg) for name, cfg in (losses or {}).items()})
        for name, loss in self.losses.items():
            check_loss_inputs(name, loss)
        self.train_cfg = train_cfg or {}
        self.test_cfg = test_cfg or {}
        self.build_adversarial(discriminator, _DEFAULT_GAN_LOSS if gan_loss is None else gan_loss,
                               d_term_weight=1.0,  # Eq. 1: the plain sum
                               r1_weight=r1_weight, r1_interval=r1_interval)

    def generator_parts(self) -> List[nn.Module]:
        """G is the backbone alone."""
        return [self.backbone]

    def sample(self, num: int, device: torch.device) -> torch.Tensor:
        """``num`` images G(z), z ~ N(0, I): ``num x C x H x W``, about [-1, 1]."""
        return self.backbone(torch.randn(num, self.backbone.z_dim, device=device))

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], List, torch.Tensor]:
        """By ``mode``: 'loss' every term (no update), 'predict' the samples with
        ``pred_img`` = G(z) in [0, 1], 'tensor' the normalised G(z); one z per image
        of ``inputs`` (``N x C x H x W``, real images; only N is read outside 'loss')."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            pred = self.data_preprocessor.denormalize(self.forward_tensor(inputs)).clamp(0, 1)
            return Restorer.to_data_samples(pred, data_samples)
        if mode == 'tensor':
            return self.forward_tensor(inputs)
        raise ValueError(f"UnconditionalGAN.forward: mode must be 'loss', 'predict' or "
                         f"'tensor', got {mode!r}")

    def forward_tensor(self, inputs: torch.Tensor,
                       data_samples: Optional[List] = None) -> torch.Tensor:
        """Samples, one per image of ``inputs`` (``N x C x H x W``; only N is read).

        Returns:
            ``N x C x H' x W'`` generated images, normalised (about [-1, 1]).
        """
        return self.sample(inputs.shape[0], inputs.device)

    def restore_batch(self, inputs: torch.Tensor, data_samples: List) -> BatchContext:
        """The loss context (:func:`~irtoolbox.models.restorers.restorer.loss_context`):
        ``pred`` = G(z), ``gt`` = the real batch ``inputs`` (normalised)."""
        return loss_context(self, inputs, None, self.forward_tensor, inputs)
