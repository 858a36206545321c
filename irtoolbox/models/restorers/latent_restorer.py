"""Restoration by optimising the layer-wise latents of a frozen generator.

Han et al. (2024), Sec. 3.1 and 4.1, after PULSE (Menon et al., CVPR 2020):
a degraded image y is restored as G(w_1..w_k), the k layer-wise latents
optimised from the mean latent E_z[f(z)] for a fixed number of Adam steps
(100) with::

    loss = data(D(G(w)), y) + lambda * MMD^2({w_i}, {f(z_j)}) + cross * GEOCROSS(w)

- data term: any loss, called like every loss of the toolbox with the entries it
  declares (``loss_inputs_of``) of ``{'pred': D(G(w)), 'lq': y, 'gt': y}``: D is
  the known down-sampling, average pooling by ``degradation_scale`` (1 =
  identity, JPEG), and the target of a data term is the degraded image y. A
  plain pixel loss (``('pred', 'gt')``) is PULSE's L2 baseline, ``loss(D(G(w)),
  y)``; ``DegradationLikelihoodLoss`` (``('pred', 'lq')``) is the paper's
  -log p(y | D(G(w))) (Sec. 3.2): the degradation model is conditioned on the
  restoration at y's size, so for super-resolution it scores y against the
  pooled restoration (at scale 1, JPEG, the paper's -log p(y | G(w))). JPEG is
  not differentiable, so the L2 baseline compares with the compressed image
  directly.
- MMD (``MMDLoss``, Eq. 6-7) against ``num_prior_samples`` (1000) prior
  latents drawn once per restoration through the generator's mapping network
  (seeded: the same for every image and run).
- GEOCROSS (PULSE): mean over latent pairs of the squared angle between them,
  ``angle = 2 atan2(||a - b||, ||a + b||)`` (exact for equal norms).
- ``spherical``: after each step each latent row is rescaled to its initial
  norm (PULSE's spherical optimisation carried to W).

The generator is any registered module with ``mapping``, ``synthesis``,
``num_ws``, ``z_dim`` and ``w_dim`` (see ``StyleGAN2Generator``); a
third-party StyleGAN2 plugs in through a registered wrapper exposing those
names. Its weights are loaded with the safe loader and frozen.

Runs in ``predict`` (``tools/test.py``) under ``torch.enable_grad()``; images
are in the data preprocessor's range, which must be the generator's [-1, 1]
(``mean=0.5, std=0.5``, the default).
"""
from typing import Dict, List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from irtoolbox.models.batch_context import BatchContext
from irtoolbox.registry import MODELS
from irtoolbox.utils.checkpoint import load_checkpoint_file, sub_state_dict

from .restorer import (
    Restorer,
    build_data_preprocessor,
    crop_to_input,
    loss_context,
    loss_inputs_of,
)

OptConfig = Optional[dict]
#: what a data loss may read: D(G(w)) as ``pred``, the degraded image y as ``lq`` and as
#: ``gt`` (a data term's target is y; a plain pixel loss reads ``('pred', 'gt')``)
LATENT_LOSS_INPUTS = ('pred', 'gt', 'lq')


def geocross(ws: torch.Tensor) -> torch.Tensor:
    """Mean squared angle between all pairs of rows of ws: k x d."""
    a, b = ws.unsqueeze(0), ws.unsqueeze(1)
    diff = (a - b).norm(dim=-1).clamp_min(1e-8)
    total = (a + b).norm(dim=-1).clamp_min(1e-8)
    return (2.0 * torch.atan2(diff, total)).pow(2).mean()


@MODELS.register_module()
class LatentRestorer(BaseModel):
    """Per-image latent optimisation through a frozen generator (module docstring).

    Args:
        generator: config of the generator. Required.
        data_loss: config of the data term. Required.
        mmd_loss: config of the ``MMDLoss`` (its ``loss_weight`` is lambda), or
            ``None`` for none (PULSE). Default: ``None``.
        generator_checkpoint: weights of the generator (a training checkpoint
            with keys ``generator.*``, an ``UnconditionalGAN`` checkpoint with
            keys ``backbone.*``, or a bare state dict), read at the first
            restoration. Default: ``None``.
        num_steps: Adam steps per image. Default: 100.
        lr: Adam learning rate. Default: 0.1.
        spherical: renormalise each latent to its initial norm after a step.
            Default: ``True``.
        cross_weight: weight of GEOCROSS. Default: 0.05.
        num_prior_samples: prior latents for the MMD. Default: 1000.
        num_mean_samples: noise draws averaged for the mean latent. Default: 10000.
        degradation_scale: average-pooling factor of the known degradation D,
            applied to G(w) before every data term (pixel loss or degradation
            NLL). Default: 1.
        seed: seed of the prior and mean-latent draws. Default: 0.
        data_preprocessor: Default: ``RestorationDataPreprocessor(mean=0.5, std=0.5)``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, generator: dict, data_loss: dict, mmd_loss: OptConfig = None,
                 generator_checkpoint: Optional[str] = None, num_steps: int = 100,
                 lr: float = 0.1, spherical: bool = True, cross_weight: float = 0.05,
                 num_prior_samples: int = 1000, num_mean_samples: int = 10000,
                 degradation_scale: int = 1, seed: int = 0,
                 data_preprocessor: OptConfig = None, init_cfg: OptConfig = None) -> None:
        data_preprocessor = build_data_preprocessor(
            data_preprocessor, dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5))
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.generator = MODELS.build(generator)
        missing = [name for name in ('mapping', 'synthesis', 'num_ws', 'z_dim', 'w_dim')
                   if not hasattr(self.generator, name)]
        if missing:
            raise TypeError(f'LatentRestorer: generator {generator.get("type")} lacks {missing} '
                            '(needs mapping(z), synthesis(ws), num_ws, z_dim, w_dim)')
        self.generator_checkpoint = generator_checkpoint
        self._generator_loaded = generator_checkpoint is None
        self.generator.requires_grad_(False)
        self.data_loss = MODELS.build(data_loss)
        self.mmd_loss = MODELS.build(mmd_loss) if mmd_loss is not None else None
        self.num_steps, self.lr, self.spherical = num_steps, lr, spherical
        self.cross_weight = cross_weight
        self.num_prior_samples, self.num_mean_samples = num_prior_samples, num_mean_samples
        self.degradation_scale, self.seed = degradation_scale, seed
        self.history: List[List[float]] = []   # total loss per step, per restored image

    def load_generator(self) -> None:
        """Read ``generator_checkpoint`` (safe loader) once, at the first restoration."""
        if self._generator_loaded:
            return
        # 'backbone.': the generator of an UnconditionalGAN training checkpoint
        state = sub_state_dict(load_checkpoint_file(self.generator_checkpoint, map_location='cpu'),
                               ('generator.', 'backbone.', ''), self.generator_checkpoint)
        self.generator.load_state_dict(state)
        self._generator_loaded = True

    def init_weights(self) -> None:
        """Keeps loaded generator weights (a Runner calls this before testing too)."""
        if self.generator_checkpoint is None:
            super().init_weights()

    def train(self, mode: bool = True) -> 'LatentRestorer':
        """The generator and the losses' models stay in eval mode."""
        super().train(mode)
        self.generator.eval()
        return self

    @torch.no_grad()
    def prior_latents(self, count: int, device: torch.device) -> torch.Tensor:
        """count x w_dim latents f(z), z ~ N(0, I), from a generator seeded by ``seed``."""
        gen = torch.Generator().manual_seed(self.seed)
        z = torch.randn(count, self.generator.z_dim, generator=gen).to(device)
        return self.generator.mapping(z)

    def degrade(self, image: torch.Tensor) -> torch.Tensor:
        """The known degradation D: average pooling by ``degradation_scale`` (PULSE's
        down-sampling; 1 = identity). image: N x C x H x W. Returns: N x C x H/s x W/s."""
        if self.degradation_scale > 1:
            return F.avg_pool2d(image, self.degradation_scale)
        return image

    def data_term(self, context: BatchContext) -> torch.Tensor:
        """The data term on the loss context (``pred`` = G(w), ``lq`` = y): the loss is
        called with its ``loss_inputs`` of ``pred`` = D(G(w)) and ``lq`` = ``gt`` = y."""
        names = loss_inputs_of(self.data_loss)
        unknown = [n for n in names if n not in LATENT_LOSS_INPUTS]
        if unknown:
            raise KeyError(f'LatentRestorer: data loss needs {unknown}; it can read '
                           f'{list(LATENT_LOSS_INPUTS)}')
        # D before every data term: a degradation model of y is conditioned on the
        # restoration at y's size (for SR, the pooled G(w)), as the L2 baseline compares
        entries = dict(pred=self.degrade(context.pred), lq=context.lq, gt=context.lq)
        return self.data_loss(*[entries[name] for name in names])

    def objective(self, ws: torch.Tensor, lq: torch.Tensor,
                  prior: Optional[torch.Tensor]) -> Dict[str, torch.Tensor]:
        """The terms of the loss for latents ws: num_ws x w_dim and one image lq."""
        # the one loss context of every model: pred = G(w), lq = inputs = y
        context = loss_context(self, lq, None,
                               lambda _: self.generator.synthesis(ws.unsqueeze(0)), None)
        terms = {'loss_data': self.data_term(context)}
        if self.mmd_loss is not None:
            terms['loss_mmd'] = self.mmd_loss(ws, prior)
        if self.cross_weight:
            terms['loss_cross'] = self.cross_weight * geocross(ws)
        return terms

    def start(self, device: torch.device) -> tuple:
        """The mean latent repeated num_ws times and the prior samples (or None)."""
        prior = self.prior_latents(self.num_prior_samples, device) if self.mmd_loss else None
        # a StyleGAN2's tracked w_avg (NVlabs' truncation centre) is the mean latent
        # when it has one; else E_z[f(z)] by sampling
        tracked = getattr(self.generator, 'tracked_mean_latent', None)
        mean = tracked() if tracked is not None else None
        if mean is None:
            mean = self.prior_latents(self.num_mean_samples, device).mean(0)
        return mean.to(device).expand(self.generator.num_ws, -1).clone(), prior

    def restore(self, lq: torch.Tensor) -> torch.Tensor:
        """lq: 1 x C x h x w degraded image in [-1, 1]. Returns: 1 x 3 x H x W in [-1, 1]."""
        ws, prior = self.start(lq.device)
        ws.requires_grad_(True)
        norms = ws.detach().norm(dim=1, keepdim=True)
        optimizer = torch.optim.Adam([ws], lr=self.lr)
        history = []
        with torch.enable_grad():
            for _ in range(self.num_steps):
                optimizer.zero_grad()
                loss = sum(self.objective(ws, lq, prior).values())
                loss.backward()
                optimizer.step()
                if self.spherical:
                    with torch.no_grad():
                        ws.mul_(norms / ws.norm(dim=1, keepdim=True).clamp_min(1e-12))
                history.append(float(loss.detach()))
        self.history.append(history)
        with torch.no_grad():
            return self.generator.synthesis(ws.detach().unsqueeze(0))

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'predict') -> Union[Dict[str, torch.Tensor], List, torch.Tensor]:
        """inputs: N x C x h x w normalised degraded images. 'predict' / 'tensor': the
        restorations (samples with ``pred_img`` in [0, 1] / an N x 3 x H x W tensor
        in [-1, 1]); 'loss': the objective's terms at the starting point (the mean
        latent), averaged over the batch, for inspection (nothing is trainable)."""
        if mode not in ('predict', 'tensor', 'loss'):
            raise ValueError(f"LatentRestorer.forward: mode must be 'predict', 'tensor' or "
                             f"'loss', got {mode!r}")
        self.load_generator()
        lq = crop_to_input(inputs, data_samples)
        if mode == 'loss':
            ws, prior = self.start(lq.device)
            ws.requires_grad_(True)
            terms = [self.objective(ws, image[None], prior) for image in lq]
            return {k: sum(t[k] for t in terms) / len(terms) for k in terms[0]}
        restored = torch.cat([self.restore(image[None]) for image in lq])
        if mode == 'tensor':
            return restored
        pred = self.data_preprocessor.denormalize(restored).clamp(0, 1)
        return Restorer.to_data_samples(pred, data_samples)


