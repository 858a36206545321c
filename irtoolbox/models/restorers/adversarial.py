"""The one adversarial training step of the toolbox's GANs (Goodfellow et al., 2014).

``AdversarialStep`` is a mixin of a model that has a *generator* and a
discriminator ``D``; ``GANRestorer`` (pix2pix, conditional) and
``UnconditionalGAN`` (noise to image) both use it unchanged. One iteration:

1. the model's ``restore_batch`` builds the loss context (``pred`` = G's
   output, ``gt`` = the real images; ``loss_context`` in ``restorer.py``);
2. D step, D's optimizer only, fake detached:
   ``L_D = w_D * [GAN(D(c, y), real) + GAN(D(c, G), fake)]`` (+ R1),
   logged ``loss_d_real``, ``loss_d_fake`` (``loss_d_r1``);
3. G step, G's optimizer only, D frozen (``requires_grad=False``) so no
   gradient reaches D's parameters: ``L_G = GAN(D(c, G), real)`` + the named
   losses, logged ``loss_g_gan`` and ``loss_<name>``.

``c`` is the condition (:meth:`AdversarialStep.condition`): a conditional GAN
scores ``cat(c, image)`` pairs (pix2pix: ``c`` = the degraded input), an
unconditional one scores the image alone (``c`` = None). ``w_D`` is 1/2 for
pix2pix's D objective (InfoAccum Eq. 17) and 1 for Goodfellow's Eq. 1.

**Generator.** One meaning throughout the toolbox: the network whose output D
judges and that the ``'generator'`` optimizer updates, the model's
``generator`` property. In a ``GANRestorer`` it is backbone -> [neck] ->
[head]; an ``UnconditionalGAN``'s generator is its backbone alone (it has no
neck or head); ``LatentRestorer``'s ``generator`` is such a trained
noise-to-image network. The *backbone* is always the first part only.

**R1** (Mescheder et al., 2018, Eq. 9): ``r1_weight`` = gamma > 0 adds
``gamma / 2 * E ||grad_y D(c, y)||^2`` on the real batch to D's loss (``D``
summed over its score map before the gradient). ``r1_interval`` = k > 1 is
StyleGAN2's lazy regularisation (Karras et al., CVPR 2020, Sec. 3.1 and App.
B): the penalty only at the D steps of Runner iterations ``i % k == 0`` (the
Runner's iteration, so a resumed run regularises at the same steps), weighted
``k * gamma / 2`` so that its gradient keeps the same overall magnitude. Here
it is added to that step's D loss; the released StyleGAN2 code takes a
separate optimizer step for it and scales Adam's learning rate and betas by
``c = k / (k + 1)`` (set those in the optimizer config if wanted).

The optimizer wrappers come as an ``OptimWrapperDict`` with keys 'generator'
and 'discriminator' (``MultiOptimWrapperConstructor``). For DDP use
``model_wrapper_cfg=dict(type='MMSeparateDistributedDataParallel')``: it wraps
each part separately, so calling the parts here synchronises their gradients
(mmagic's pattern).
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper, OptimWrapperDict

from irtoolbox.models.batch_context import BatchContext, current_iteration
from irtoolbox.models.restorers.restorer import named_losses
from irtoolbox.registry import MODELS

#: loss names whose log keys the adversarial terms and totals already use
RESERVED_LOSS_NAMES = ('d', 'g', 'd_real', 'd_fake', 'd_r1', 'g_gan')


class AdversarialStep:
    """One D update then one G update (module docstring); a mixin of a ``BaseModel``.

    The model calls :meth:`build_adversarial` in its ``__init__`` and provides
    ``restore_batch(inputs, data_samples) -> BatchContext`` (``pred``, ``gt``
    set), ``losses`` (an ``nn.ModuleDict`` of the generator's named losses),
    ``backbone`` and ``generator_parts()``.
    """

    def build_adversarial(self, discriminator: dict, gan_loss: dict, d_term_weight: float,
                          r1_weight: float = 0.0, r1_interval: int = 1) -> None:
        """Build D and the adversarial loss; check the options (one clear error each)."""
        owner = type(self).__name__
        reserved = sorted(set(self.losses) & set(RESERVED_LOSS_NAMES))
        if reserved:
            raise ValueError(f'{owner}: loss names {reserved} would log under the keys of the '
                             f'adversarial terms ({list(RESERVED_LOSS_NAMES)}); rename them')
        if r1_weight < 0:
            raise ValueError(f'{owner}: r1_weight must be >= 0, got {r1_weight}')
        if int(r1_interval) != r1_interval or r1_interval < 1:
            raise ValueError(f'{owner}: r1_interval must be an int >= 1, got {r1_interval!r}')
        self.discriminator = MODELS.build(discriminator)
        self.gan_loss = MODELS.build(gan_loss)
        self.d_term_weight = float(d_term_weight)
        self.r1_weight = float(r1_weight)
        self.r1_interval = int(r1_interval)

    @property
    def generator(self) -> nn.Module:
        """The generator (module docstring): what the 'generator' optimizer updates."""
        return nn.ModuleList(self.generator_parts())

    # ------------------------------------------------------------- training
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One D update then one G update, each with its own optimizer wrapper."""
        g_wrapper, d_wrapper = split_wrappers(optim_wrapper, type(self).__name__)
        data = self.data_preprocessor(data, True)
        with g_wrapper.optim_context(self.backbone):
            context = self.restore_batch(data['inputs'], data['data_samples'])

        set_requires_grad(self.discriminator, True)
        with d_wrapper.optim_context(self.discriminator):
            d_losses = self.discriminator_losses(self.condition(context), context.gt,
                                                 context.pred.detach())
        loss_d, d_log = self.parse_losses(d_losses)
        d_wrapper.update_params(loss_d)

        set_requires_grad(self.discriminator, False)  # G's step must not touch D
        with g_wrapper.optim_context(self.backbone):
            g_losses = self.generator_losses(context)
        loss_g, g_log = self.parse_losses(g_losses)
        g_wrapper.update_params(loss_g)
        set_requires_grad(self.discriminator, True)

        d_log['loss_d'], g_log['loss_g'] = d_log.pop('loss'), g_log.pop('loss')
        return {name: value.detach() for name, value in {**d_log, **g_log}.items()}

    def loss(self, inputs: torch.Tensor, data_samples: List) -> Dict[str, torch.Tensor]:
        """Every loss term without any update (``mode='loss'``); D's terms see
        the generator's output detached, as in ``train_step``."""
        context = self.restore_batch(inputs, data_samples)
        return {**self.discriminator_losses(self.condition(context), context.gt,
                                            context.pred.detach()),
                **self.generator_losses(context)}

    # ---------------------------------------------------------------- terms
    def condition(self, context: BatchContext) -> Optional[torch.Tensor]:
        """What D is conditioned on (None: D sees images alone). Default: None."""
        return None

    def score(self, cond: Optional[torch.Tensor], image: torch.Tensor) -> torch.Tensor:
        """D's score map of ``image``, paired with ``cond`` (``cat(cond, image)``) if any."""
        return self.discriminator(image if cond is None else torch.cat([cond, image], dim=1))

    def discriminator_losses(self, cond: Optional[torch.Tensor], real: torch.Tensor,
                             fake: torch.Tensor) -> Dict[str, torch.Tensor]:
        """``w_D`` times the real and fake terms, plus R1 at its steps (module docstring)."""
        r1 = self.r1_weight > 0 and current_iteration() % self.r1_interval == 0
        if r1:
            real = real.detach().requires_grad_(True)
        pred_real = self.score(cond, real)
        losses = dict(loss_d_real=self.d_term_weight * self.gan_loss(pred_real, True),
                      loss_d_fake=self.d_term_weight * self.gan_loss(self.score(cond, fake),
                                                                     False))
        if r1:
            grad, = torch.autograd.grad(pred_real.sum(), real, create_graph=True)
            weight = 0.5 * self.r1_weight * self.r1_interval  # lazy: k times, every k steps
            losses['loss_d_r1'] = weight * grad.pow(2).sum(dim=(1, 2, 3)).mean()
        return losses

    def generator_losses(self, context: BatchContext) -> Dict[str, torch.Tensor]:
        """Fool D, plus every named loss called with its entries of the context."""
        return dict(loss_g_gan=self.gan_loss(self.score(self.condition(context), context.pred),
                                             True),
                    **named_losses(self.losses, context))


def split_wrappers(optim_wrapper: OptimWrapperDict,
                   owner: str) -> Tuple[OptimWrapper, OptimWrapper]:
    """The 'generator' and 'discriminator' wrappers; one clear error for anything else."""
    keys = set(getattr(optim_wrapper, 'keys', lambda: [])())
    if not {'generator', 'discriminator'} <= keys:
        raise KeyError(f'{owner}.train_step needs an OptimWrapperDict with keys '
                       f"'generator' and 'discriminator', got {sorted(keys) or optim_wrapper!r}; "
                       "use optim_wrapper=dict(constructor='MultiOptimWrapperConstructor', "
                       'generator=dict(...), discriminator=dict(...))')
    return optim_wrapper['generator'], optim_wrapper['discriminator']


def set_requires_grad(module: nn.Module, flag: bool) -> None:
    """Freeze (False) or unfreeze (True) every parameter of ``module``."""
    for param in module.parameters():
        param.requires_grad_(flag)
