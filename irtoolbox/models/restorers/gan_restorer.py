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

The generator's non-adversarial terms are named losses as in ``Restorer``
(``losses=dict(pixel=dict(type='L1Loss', loss_weight=100.0))`` by default,
logged ``loss_pixel``); each is called with the entries of the loss context it
declares (``pred`` = G(x), ``gt`` = y, ``lq`` = x, ``data_samples``,
``taps``), so a perceptual or feature loss is added from a config. The
adversarial loss is ``gan_loss`` (``dict(type='GANLoss', gan_type='lsgan')``
by default); its terms are logged ``loss_d_real``, ``loss_d_fake`` and
``loss_g_gan``, and ``train_step`` adds the totals ``loss_d`` and ``loss_g``.

Section V suggests pre-training G on reconstruction:
``generator_pretrained='restorer_ckpt.pth'`` loads the ``backbone.`` weights of
a ``Restorer`` checkpoint into G. The file is read once, in ``init_weights``,
after every part has been initialised: the Runner calls ``init_weights`` once
before training (and a resumed run then loads its own checkpoint over it).
Building the model does not read the file, so a model built for testing or
inference, whose weights come from its own checkpoint, does not need it.
"""
import copy
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import OptimWrapper, OptimWrapperDict

from irtoolbox.models.batch_context import BatchContext
from irtoolbox.models.restorers.restorer import OptConfig, Restorer
from irtoolbox.registry import MODELS
from irtoolbox.utils.checkpoint import load_checkpoint_file, sub_state_dict

_DEFAULT_PREPROCESSOR = dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5)
_DEFAULT_LOSSES = dict(pixel=dict(type='L1Loss', loss_weight=100.0))  # pix2pix, lambda = 100
_DEFAULT_GAN_LOSS = dict(type='GANLoss', gan_type='lsgan')  # the InfoAccum paper's
# Loss names whose log keys the adversarial terms and totals already use.
_RESERVED_LOSS_NAMES = ('d', 'g', 'd_real', 'd_fake', 'g_gan')


@MODELS.register_module()
class GANRestorer(Restorer):
    """Restorer trained adversarially with a conditional discriminator.

    Args:
        backbone: the generator network config (e.g. ``UNetGenerator``). Required.
        discriminator: config of D (e.g. ``PatchDiscriminator(in_channels=6)``).
            Required.
        losses: ``{name: loss config}``, the generator's non-adversarial terms,
            each logged ``loss_<name>`` and called with its ``loss_inputs``.
            Default: None, meaning pix2pix's
            ``dict(pixel=dict(type='L1Loss', loss_weight=100.0))`` (lambda = 100);
            ``{}`` gives the adversarial term alone.
        gan_loss: config of the adversarial loss ('lsgan' is the paper's,
            'vanilla' pix2pix's). Default: None, meaning
            ``dict(type='GANLoss', gan_type='lsgan')``.
        generator_pretrained: path of a ``Restorer`` checkpoint whose
            ``backbone.*`` weights initialise the generator in ``init_weights``.
            Default: None.
        neck: as ``Restorer``. Default: None.
        head: as ``Restorer``. Default: None.
        data_preprocessor: Default: None, meaning mean = std = 0.5 (images in
            [-1, 1], matching G's Tanh).
        train_cfg: as ``Restorer``. Default: None.
        test_cfg: as ``Restorer`` (``keep_input``, ``bn_train_mode``).
            Default: None.
        feature_taps: as ``Restorer``; the taps are captured while G restores
            the batch. Default: None.
        init_cfg: mmengine init config of the whole model. Default: None.
    """

    def __init__(self,
                 backbone: dict,
                 discriminator: dict,
                 losses: Optional[Dict[str, dict]] = None,
                 gan_loss: OptConfig = None,
                 generator_pretrained: Optional[str] = None,
                 neck: OptConfig = None,
                 head: OptConfig = None,
                 data_preprocessor: OptConfig = None,
                 train_cfg: OptConfig = None,
                 test_cfg: OptConfig = None,
                 feature_taps: Optional[Dict[str, str]] = None,
                 init_cfg: OptConfig = None) -> None:
        if data_preprocessor is None:  # G ends in Tanh: work in [-1, 1]
            data_preprocessor = dict(_DEFAULT_PREPROCESSOR)
        losses = copy.deepcopy(_DEFAULT_LOSSES) if losses is None else losses
        reserved = sorted(set(losses) & set(_RESERVED_LOSS_NAMES))
        if reserved:
            raise ValueError(f'GANRestorer: loss names {reserved} would log under the keys of '
                             f'the adversarial terms ({list(_RESERVED_LOSS_NAMES)}); rename them')
        super().__init__(backbone=backbone, losses=losses, neck=neck, head=head,
                         data_preprocessor=data_preprocessor, train_cfg=train_cfg,
                         test_cfg=test_cfg, feature_taps=feature_taps, init_cfg=init_cfg)
        self.discriminator = MODELS.build(discriminator)
        self.gan_loss = MODELS.build(_DEFAULT_GAN_LOSS if gan_loss is None else gan_loss)
        self.generator_pretrained = generator_pretrained

    @property
    def generator(self) -> nn.Module:
        """The generator's parts (what the 'generator' optimizer updates)."""
        return nn.ModuleList([m for m in (self.backbone, self.neck, self.head) if m is not None])

    # ------------------------------------------------------------- weights
    def init_weights(self) -> None:
        """Initialise every part, then load ``generator_pretrained`` into G.

        mmengine's ``BaseModule.init_weights`` runs each part's own
        ``init_weights``/``init_cfg`` once (a second call only warns), and the
        generator checkpoint is read on that first call only, after G's
        random initialisation, which would otherwise overwrite it.
        """
        first_call = not self.is_init
        super().init_weights()
        if first_call and self.generator_pretrained:
            self.load_generator(self.generator_pretrained)

    def load_generator(self, path: str) -> None:
        """Load the ``backbone.`` entries of a Restorer checkpoint into the generator."""
        weights = sub_state_dict(load_checkpoint_file(path, map_location='cpu'),
                                 ('backbone.',), f'generator_pretrained {path}')
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
            context = self.restore_batch(data['inputs'], data['data_samples'])

        _set_requires_grad(self.discriminator, True)
        with d_wrapper.optim_context(self.discriminator):
            d_losses = self.discriminator_losses(self.condition(context), context.gt,
                                                 context.pred.detach())
        loss_d, d_log = self.parse_losses(d_losses)
        d_wrapper.update_params(loss_d)

        _set_requires_grad(self.discriminator, False)  # G's step must not touch D
        with g_wrapper.optim_context(self.backbone):
            g_losses = self.generator_losses(context)
        loss_g, g_log = self.parse_losses(g_losses)
        g_wrapper.update_params(loss_g)
        _set_requires_grad(self.discriminator, True)

        d_log['loss_d'], g_log['loss_g'] = d_log.pop('loss'), g_log.pop('loss')
        return {name: value.detach() for name, value in {**d_log, **g_log}.items()}

    @staticmethod
    def condition(context: BatchContext) -> Optional[torch.Tensor]:
        """What D is conditioned on: the degraded input ``lq`` (pix2pix's ``cat(x, y)``)."""
        return context.lq

    def discriminator_losses(self, cond: torch.Tensor, real: torch.Tensor,
                             fake: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Eq. (17): the 1/2 splits the sum of the real and fake terms."""
        pred_real = self.discriminator(torch.cat([cond, real], dim=1))
        pred_fake = self.discriminator(torch.cat([cond, fake], dim=1))
        return dict(loss_d_real=0.5 * self.gan_loss(pred_real, True),
                    loss_d_fake=0.5 * self.gan_loss(pred_fake, False))

    def generator_losses(self, context: dict) -> Dict[str, torch.Tensor]:
        """Eq. (16): fool D, plus every named loss (pix2pix: lambda * L1)."""
        pred_fake = self.discriminator(torch.cat([self.condition(context), context.pred], dim=1))
        return dict(loss_g_gan=self.gan_loss(pred_fake, True),
                    **self.named_losses(self.losses, context))

    def loss(self, inputs: torch.Tensor, data_samples: List) -> Dict[str, torch.Tensor]:
        """Every loss term without any update (``mode='loss'``); D's terms see
        the restoration detached, as in ``train_step``."""
        context = self.restore_batch(inputs, data_samples)
        return {**self.discriminator_losses(self.condition(context), context.gt,
                                            context.pred.detach()),
                **self.generator_losses(context)}


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
    """Freeze (False) or unfreeze (True) every parameter of ``module``."""
    for param in module.parameters():
        param.requires_grad_(flag)

