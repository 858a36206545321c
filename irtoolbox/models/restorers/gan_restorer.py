"""Conditional-GAN restorer (pix2pix training) of the InfoAccum family.

InfoAccum paper ("An Information-theoretic Perspective of Generative Image
Restoration"), Section VI and Appendix G.E, Eq. (16)-(18). The generator G is
the ``Restorer``'s backbone [-> neck -> head]; the discriminator D scores
``cat(x, y)`` pairs of degraded input and restored/clean image. One training
iteration (pix2pix order):

1. G restores the batch: ``G(x)``.
2. D step, D's optimizer only, fake detached (Eq. 17):
   ``L_D = 1/2 [GAN(D(x, y), real) + GAN(D(x, G(x)), fake)]``.
3. G step, G's optimizer only, D frozen (``requires_grad=False``) so no
   gradient reaches D's parameters (Eq. 16, 18):
   ``L_G = GAN(D(x, G(x)), real) + lambda * |y - G(x)|_1``, lambda = 100.

Losses are computed on the normalised tensors ([-1, 1] with the default
preprocessor mean = std = 0.5, matching G's Tanh). The optimizer wrappers
come as an ``OptimWrapperDict`` with keys 'generator' and 'discriminator'
(``MultiOptimWrapperConstructor``). For DDP use
``model_wrapper_cfg=dict(type='MMSeparateDistributedDataParallel')``: it wraps
backbone and discriminator separately, so calling the submodules here
synchronises their gradients (mmagic's pattern).

Section V suggests pre-training G on reconstruction:
``generator_pretrained='restorer_ckpt.pth'`` loads the ``backbone.`` weights of
a ``Restorer`` checkpoint into G (again after ``init_weights``, which the
Runner calls before training).
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict

from irtoolbox.models.restorers.restorer import OptConfig, Restorer
from irtoolbox.registry import MODELS
from irtoolbox.utils.checkpoint import load_checkpoint_file

_DEFAULT_PREPROCESSOR = dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5)


@MODELS.register_module()
class GANRestorer(Restorer):
    """Restorer trained adversarially with a conditional discriminator.

    Args:
        backbone: the generator network config (e.g. ``UNetGenerator``).
        discriminator: config of D (e.g. ``PatchDiscriminator(in_channels=6)``).
        gan_loss: ``GANLoss`` config ('lsgan' is the paper's, 'vanilla' pix2pix's).
        pixel_loss: pixel loss added to G's loss; its ``loss_weight`` is lambda.
        generator_pretrained: path of a ``Restorer`` checkpoint whose
            ``backbone.*`` weights initialise the generator.
        data_preprocessor: defaults to mean = std = 0.5 (images in [-1, 1]).
        neck, head, train_cfg, test_cfg, init_cfg: as ``Restorer``.
    """

    def __init__(self,
                 backbone: dict,
                 discriminator: dict,
                 gan_loss: dict = dict(type='GANLoss', gan_type='lsgan'),
                 pixel_loss: dict = dict(type='L1Loss', loss_weight=100.0),
                 generator_pretrained: Optional[str] = None,
                 neck: OptConfig = None,
                 head: OptConfig = None,
                 data_preprocessor: OptConfig = None,
                 train_cfg: OptConfig = None,
                 test_cfg: OptConfig = None,
                 init_cfg: OptConfig = None) -> None:
        if data_preprocessor is None:  # G ends in Tanh: work in [-1, 1]
            data_preprocessor = dict(_DEFAULT_PREPROCESSOR)
        super().__init__(backbone=backbone, losses=None, neck=neck, head=head,
                         data_preprocessor=data_preprocessor, train_cfg=train_cfg,
                         test_cfg=test_cfg, init_cfg=init_cfg)
        self.discriminator = MODELS.build(discriminator)
        self.gan_loss = MODELS.build(gan_loss)
        self.pixel_loss = MODELS.build(pixel_loss)
        self.generator_pretrained = generator_pretrained
        if generator_pretrained:
            self.load_generator(generator_pretrained)

    @property
    def generator(self) -> nn.Module:
        """The generator's parts (what the 'generator' optimizer updates)."""
        return nn.ModuleList([m for m in (self.backbone, self.neck, self.head) if m is not None])

    # ------------------------------------------------------------- weights
    def init_weights(self) -> None:
        super().init_weights()
        if self.generator_pretrained:  # the re-initialisation above overwrote it
            self.load_generator(self.generator_pretrained)

    def load_generator(self, path: str) -> None:
        """Load the ``backbone.`` entries of a Restorer checkpoint into the generator."""
        checkpoint = load_checkpoint_file(path, map_location='cpu')
        state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else None
        if not isinstance(state, dict):
            raise ValueError(f'generator_pretrained {path}: expected a checkpoint dict with a '
                             f"'state_dict', got {type(checkpoint).__name__}")
        prefix = 'backbone.'
        weights = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if not weights:
            raise KeyError(f"generator_pretrained {path}: no 'backbone.*' weights in its "
                           f'state_dict (first keys: {sorted(state)[:5]})')
        backbone = self.backbone.module if is_model_wrapper(self.backbone) else self.backbone
        try:
            backbone.load_state_dict(weights, strict=True)
        except RuntimeError as error:
            raise RuntimeError(f'generator_pretrained {path} does not fit the generator '
                               f'{type(backbone).__name__}: {error}') from None

    # ------------------------------------------------------------- training
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> Dict[str, torch.Tensor]:
        """One D update then one G update, each with its own optimizer wrapper."""
        g_wrapper, d_wrapper = _split_wrappers(optim_wrapper)
        data = self.data_preprocessor(data, True)
        with g_wrapper.optim_context(self.backbone):
            cond, real, fake = self.restore_batch(data['inputs'], data['data_samples'])

        _set_requires_grad(self.discriminator, True)
        with d_wrapper.optim_context(self.discriminator):
            d_losses = self.discriminator_losses(cond, real, fake.detach())
        loss_d, d_log = self.parse_losses(d_losses)
        d_wrapper.update_params(loss_d)

        _set_requires_grad(self.discriminator, False)  # G's step must not touch D
        with g_wrapper.optim_context(self.backbone):
            g_losses = self.generator_losses(cond, real, fake)
        loss_g, g_log = self.parse_losses(g_losses)
        g_wrapper.update_params(loss_g)
        _set_requires_grad(self.discriminator, True)

        d_log['loss_d'], g_log['loss_g'] = d_log.pop('loss'), g_log.pop('loss')
        return {name: value.detach() for name, value in {**d_log, **g_log}.items()}

    def restore_batch(self, inputs: torch.Tensor, data_samples: List
                      ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(x, y, G(x))``: condition, ground truth and restoration, unpadded and normalised."""
        fake = self.crop_to_input(self.forward_tensor(inputs), data_samples)
        cond = self.crop_to_input(inputs, data_samples)
        return cond, self.data_preprocessor.gt_batch(data_samples), fake

    def discriminator_losses(self, cond: torch.Tensor, real: torch.Tensor,
                             fake: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Eq. (17): the 1/2 splits the sum of the real and fake terms."""
        pred_real = self.discriminator(torch.cat([cond, real], dim=1))
        pred_fake = self.discriminator(torch.cat([cond, fake], dim=1))
        return dict(loss_d_real=0.5 * self.gan_loss(pred_real, True),
                    loss_d_fake=0.5 * self.gan_loss(pred_fake, False))

    def generator_losses(self, cond: torch.Tensor, real: torch.Tensor,
                         fake: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Eq. (16): fool D, plus lambda * L1 (lambda = pixel_loss.loss_weight)."""
        pred_fake = self.discriminator(torch.cat([cond, fake], dim=1))
        return dict(loss_g_gan=self.gan_loss(pred_fake, True),
                    loss_g_pixel=self.pixel_loss(fake, real))

    def loss(self, inputs: torch.Tensor, data_samples: List) -> Dict[str, torch.Tensor]:
        """All four loss terms without any update (``mode='loss'``)."""
        cond, real, fake = self.restore_batch(inputs, data_samples)
        return {**self.discriminator_losses(cond, real, fake.detach()),
                **self.generator_losses(cond, real, fake)}


def _split_wrappers(optim_wrapper: OptimWrapperDict) -> Tuple[OptimWrapper, OptimWrapper]:
    """The 'generator' and 'discriminator' wrappers; one clear error for anything else."""
    keys = set(getattr(optim_wrapper, 'keys', lambda: [])())
    if not {'generator', 'discriminator'} <= keys:
        raise KeyError('GANRestorer.train_step needs an OptimWrapperDict with keys '
                       f"'generator' and 'discriminator', got {sorted(keys) or optim_wrapper!r}; "
                       "use optim_wrapper=dict(constructor='MultiOptimWrapperConstructor', "
                       'generator=dict(...), discriminator=dict(...))')
    return optim_wrapper['generator'], optim_wrapper['discriminator']


def _set_requires_grad(module: nn.Module, flag: bool) -> None:
    for param in module.parameters():
        param.requires_grad_(flag)

