"""Conditional-GAN restorer (pix2pix training) of the InfoAccum family.

InfoAccum paper ("An Information-theoretic Perspective of Generative Image
Restoration"), Section VI and Appendix G.E, Eq. (16)-(18). The generator G is
the ``Restorer``'s backbone -> [neck] -> [head] (the ``generator`` property;
one meaning, ``adversarial.py``); the discriminator D scores ``cat(x, y)``
pairs of degraded input and restored/clean image. One training iteration
(pix2pix order), the shared step of :class:`~.adversarial.AdversarialStep`
with condition ``x`` and D's terms weighted 1/2:

1. G restores the batch: ``G(x)``.
2. D step, D's optimizer only, fake detached (Eq. 17):
   ``L_D = 1/2 [GAN(D(x, y), real) + GAN(D(x, G(x)), fake)]``.
3. G step, G's optimizer only, D frozen (``requires_grad=False``) so no
   gradient reaches D's parameters (Eq. 16, 18):
   ``L_G = GAN(D(x, G(x)), real) + lambda * |y - G(x)|_1``, lambda = 100.

Losses are computed on the normalised tensors ([-1, 1] with the default
preprocessor mean = std = 0.5, matching G's Tanh). The optimizer wrappers
and DDP are as in ``adversarial.py``.

The generator's non-adversarial terms are named losses as in ``Restorer``
(``losses=dict(pixel=dict(type='L1Loss', loss_weight=100.0))`` by default,
logged ``loss_pixel``); each is called with the entries of the loss context it
declares (``pred`` = G(x), ``gt`` = y, ``lq`` = x, ``data_samples``,
``taps``), so a perceptual or feature loss is added from a config. The
adversarial loss is ``gan_loss`` (``dict(type='GANLoss', gan_type='lsgan')``
by default); its terms are logged ``loss_d_real``, ``loss_d_fake`` and
``loss_g_gan``, and ``train_step`` adds the totals ``loss_d`` and ``loss_g``.

Section V suggests pre-training G on reconstruction:
``generator_pretrained='restorer_ckpt.pth'`` loads the weights of every part
of G (``backbone.``, and ``neck.`` / ``head.`` when G has them) from a
``Restorer`` checkpoint. The file is read once, in ``init_weights``,
after every part has been initialised: the Runner calls ``init_weights`` once
before training (and a resumed run then loads its own checkpoint over it).
Building the model does not read the file, so a model built for testing or
inference, whose weights come from its own checkpoint, does not need it.
"""
import copy
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.model import is_model_wrapper

from irtoolbox.models.batch_context import BatchContext
from irtoolbox.models.restorers.adversarial import AdversarialStep
from irtoolbox.models.restorers.restorer import OptConfig, Restorer
from irtoolbox.registry import MODELS
from irtoolbox.utils.checkpoint import load_checkpoint_file, sub_state_dict

_DEFAULT_PREPROCESSOR = dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5)
_DEFAULT_LOSSES = dict(pixel=dict(type='L1Loss', loss_weight=100.0))  # pix2pix, lambda = 100
_DEFAULT_GAN_LOSS = dict(type='GANLoss', gan_type='lsgan')  # the InfoAccum paper's


@MODELS.register_module()
class GANRestorer(AdversarialStep, Restorer):
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
            ``backbone.*`` (and ``neck.*``, ``head.*`` when G has those parts)
            weights initialise the generator in ``init_weights``. Default: None.
        neck: as ``Restorer``. Default: None.
        head: as ``Restorer``. Default: None.
        data_preprocessor: Default: None, meaning mean = std = 0.5 (images in
            [-1, 1], matching G's Tanh).
        train_cfg: as ``Restorer``. Default: None.
        test_cfg: as ``Restorer`` (``keep_input``, ``bn_train_mode``).
            Default: None.
        feature_taps: as ``Restorer``; the taps are captured while G restores
            the batch. Default: None.
        r1_weight: gamma of an R1 penalty on D's real pairs (0: none;
            ``adversarial.py``). Default: 0.0.
        r1_interval: the penalty every ``r1_interval``-th D step, weighted
            that many times (lazy regularisation). Default: 1.
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
                 r1_weight: float = 0.0,
                 r1_interval: int = 1,
                 init_cfg: OptConfig = None) -> None:
        if data_preprocessor is None:  # G ends in Tanh: work in [-1, 1]
            data_preprocessor = dict(_DEFAULT_PREPROCESSOR)
        losses = copy.deepcopy(_DEFAULT_LOSSES) if losses is None else losses
        super().__init__(backbone=backbone, losses=losses, neck=neck, head=head,
                         data_preprocessor=data_preprocessor, train_cfg=train_cfg,
                         test_cfg=test_cfg, feature_taps=feature_taps, init_cfg=init_cfg)
        self.build_adversarial(discriminator, _DEFAULT_GAN_LOSS if gan_loss is None else gan_loss,
                               d_term_weight=0.5,  # Eq. (17): 1/2 splits the sum
                               r1_weight=r1_weight, r1_interval=r1_interval)
        self.generator_pretrained = generator_pretrained

    def generator_parts(self) -> List[nn.Module]:
        """G: backbone -> [neck] -> [head], the parts present."""
        return [m for m in (self.backbone, self.neck, self.head) if m is not None]

    def condition(self, context: BatchContext) -> torch.Tensor:
        """D is conditioned on the degraded input ``lq`` (pix2pix's ``cat(x, y)``)."""
        return context.lq

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
        """Load each part of G (``backbone.``, ``neck.``, ``head.``) from a Restorer
        checkpoint; one error naming the file for a missing or unfitting part."""
        checkpoint = load_checkpoint_file(path, map_location='cpu')
        for name in ('backbone', 'neck', 'head'):
            part = getattr(self, name)
            if part is None:
                continue
            part = part.module if is_model_wrapper(part) else part
            weights = sub_state_dict(checkpoint, (f'{name}.',), f'generator_pretrained {path}')
            try:
                part.load_state_dict(weights, strict=True)
            except RuntimeError as error:
                raise RuntimeError(f'generator_pretrained {path} does not fit the generator\'s '
                                   f'{name} {type(part).__name__}: {error}') from None
