"""Unconditional GAN training of a noise-to-image generator (Goodfellow et al.,
2014, Eq. 1; the non-saturating generator loss of their Sec. 3).

It trains the small StyleGAN-like generator (Karras et al., CVPR 2020) whose
checkpoint the latent-optimisation restorer (Han et al. 2024, Sec. 3.1) then
searches, with the toolbox's GAN machinery: ``GANRestorer.train_step`` (one
D update with D's optimizer, fake detached, then one G update with G's
optimizer and D frozen) is reused unchanged; only what a batch means differs:

- the batch's ``inputs`` are *real* images (normalised to [-1, 1]); the
  generator (``backbone``) gets ``z ~ N(0, I)``, ``N x z_dim``, one per image;
- D scores images alone, ``D(y)``, not ``cat(x, y)`` pairs:
  ``L_D = GAN(D(y), real) + GAN(D(G(z)), fake)`` (Eq. 1, the sum of the two
  terms, logged ``loss_d_real``, ``loss_d_fake``);
  ``L_G = GAN(D(G(z)), real)`` (logged ``loss_g_gan``), which with
  ``gan_type='vanilla'`` (BCE with logits) is the non-saturating
  ``-log D(G(z))``; ``'lsgan'`` gives least squares (Mao et al., 2017).

``r1_weight`` > 0 adds StyleGAN's R1 penalty to D's loss (Mescheder et al.,
2018, Eq. 9; Karras et al., 2019/2020): ``gamma / 2 * E ||grad_y D(y)||^2``
on the real batch, logged ``loss_d_r1``. ``D(y)`` is summed over its score
map before the gradient. ``r1_interval`` = k > 1 is StyleGAN2's lazy
regularisation (Karras et al., CVPR 2020, Sec. 3.1 "Lazy regularization" and
App. B): the penalty is computed only at the D steps of Runner iterations
``i`` with ``i % k == 0`` (the Runner's iteration, so a resumed run
regularises at the same steps) and weighted ``k * gamma / 2`` there, so its
gradient has the same overall magnitude as at every step. Here it is added
to that step's D loss; the released StyleGAN2 code instead takes a separate
optimizer step for it and scales Adam's learning rate and betas by
``c = k / (k + 1)`` (set those in the optimizer config if wanted).

The generator may have further named losses (``losses``), called with
``pred`` = G(z), ``gt`` = the real batch. The checkpoint's generator weights
are the ``backbone.*`` entries, which ``LatentRestorer``'s
``generator_checkpoint`` reads. ``mode='tensor'``/``'predict'`` return
samples G(z), one per input image (the input only sets the batch size).
"""
from typing import Dict, List, Optional

import torch

from irtoolbox.models.batch_context import BatchContext, current_iteration
from irtoolbox.models.restorers.gan_restorer import GANRestorer
from irtoolbox.models.restorers.restorer import OptConfig, loss_context
from irtoolbox.registry import MODELS

_DEFAULT_GAN_LOSS = dict(type='GANLoss', gan_type='vanilla')  # non-saturating


@MODELS.register_module()
class UnconditionalGAN(GANRestorer):
    """A noise-to-image generator trained against an unconditional discriminator.

    Args:
        generator: config of G, a module with attribute ``z_dim`` whose
            ``forward(z)`` maps ``N x z_dim`` noise to ``N x C x H x W`` images
            in about [-1, 1] (e.g. ``StyleGANLikeGenerator``). Required.
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
        super().__init__(backbone=generator, discriminator=discriminator,
                         losses={} if losses is None else losses,
                         gan_loss=_DEFAULT_GAN_LOSS if gan_loss is None else gan_loss,
                         data_preprocessor=data_preprocessor, train_cfg=train_cfg,
                         test_cfg=test_cfg, init_cfg=init_cfg)
        if r1_weight < 0:
            raise ValueError(f'UnconditionalGAN: r1_weight must be >= 0, got {r1_weight}')
        if int(r1_interval) != r1_interval or r1_interval < 1:
            raise ValueError(f'UnconditionalGAN: r1_interval must be an int >= 1, '
                             f'got {r1_interval!r}')
        self.r1_weight = float(r1_weight)
        self.r1_interval = int(r1_interval)
        if not isinstance(getattr(self.backbone, 'z_dim', None), int):
            raise TypeError(f'UnconditionalGAN: the generator {generator.get("type")} needs an '
                            'int attribute z_dim (the size of its noise input)')

    def sample(self, num: int, device: torch.device) -> torch.Tensor:
        """``num`` images G(z), z ~ N(0, I): ``num x C x H x W``, about [-1, 1]."""
        return self.backbone(torch.randn(num, self.backbone.z_dim, device=device))

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

    @staticmethod
    def condition(context: BatchContext) -> None:
        """No condition: D sees images alone."""
        return None

    def discriminator_losses(self, cond: Optional[torch.Tensor], real: torch.Tensor,
                             fake: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Eq. 1 for D (``cond`` is ignored: D sees images alone), plus R1 at its steps."""
        r1 = self.r1_weight > 0 and current_iteration() % self.r1_interval == 0
        if r1:
            real = real.detach().requires_grad_(True)
        pred_real = self.discriminator(real)
        losses = dict(loss_d_real=self.gan_loss(pred_real, True),
                      loss_d_fake=self.gan_loss(self.discriminator(fake), False))
        if r1:
            grad, = torch.autograd.grad(pred_real.sum(), real, create_graph=True)
            weight = 0.5 * self.r1_weight * self.r1_interval  # lazy: k times, every k steps
            losses['loss_d_r1'] = weight * grad.pow(2).sum(dim=(1, 2, 3)).mean()
        return losses

    def generator_losses(self, context: dict) -> Dict[str, torch.Tensor]:
        """Fool D (non-saturating with 'vanilla'), plus every named loss."""
        return dict(loss_g_gan=self.gan_loss(self.discriminator(context.pred), True),
                    **self.named_losses(self.losses, context))
