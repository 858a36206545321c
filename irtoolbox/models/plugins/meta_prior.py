"""Meta-prior learning (MPL) of IDR, with the ingredient reformulation as an option.

Zhang et al., "Ingredient-oriented Multi-Degradation Learning for Image
Restoration" (CVPR 2023) and its supplement (Sec. 1, 3, 4; Tables 1-3):

- a **prior hub** ``T_t`` of N tokens of width C_d per degradation type t
  (N = 24, Table 3; an extra hub for clean images is just one more type,
  Table 1);
- a **degradation-type classifier** on the SDAM-intensified features (global
  average pool, 2-layer MLP), trained by
  :class:`~irtoolbox.models.losses.degradation_type_loss.DegradationTypeLoss`
  through the tap ``**.degradation_classifier``;
- the per-sample tokens ``P = sum_t w_t T_t``: ``w`` one-hot of the known type
  in the first training stage, ``softmax(logits)`` in the second stage and at
  test time (the stage comes from the forward's batch context, which every
  restorer builds: ``Restorer(stage_switch_iter=...)``);
- the **prior-oriented representation** ``h_p = softmax(Q K^T / sqrt(d)) V``,
  queries from the image features x (channel LayerNorm, 1x1 conv), keys and
  values from the tokens (LayerNorm, linear), multi-head;
- the **pseudo-clean feature** ``x' = x + proj(h_p)`` (1x1 conv).

**Ingredient reformulation** (``ingredient=True``, our reading of the paper's
second stage; the released network is ``backbones/idr_released.py``): the
stacked hubs ``M`` (TN x C_d) are decomposed by SVD, ``M = U S V^T`` (r =
min(TN, C_d) directions); a learnable 1x1 mixer maps the TN rows of U to N
token rows (initialised to the mean over types), and each sample re-weights the
singular values by its predicted ingredient weights ``a = 2 sigmoid(..)``
(1 at initialisation): ``P = (W_u U) diag(S * a) V^T``. By default the SVD is
taken of the detached hubs (``svd_grad=False``: its backward is ill-conditioned
where singular values come close), so stage 2 then trains the mixer and the
ingredient head, not the hubs.

**Mixture source** (``mixture_source``). By default (``'own'``) every MPL
mixes its hubs by its own classifier. In stage 1 the MPLs after the first
then classify features that already hold the known type's hub (added by the
MPLs before them), so their classifiers learn the label instead of the
degradation and are near chance in stage 2, where no hub holds the label.
``'first'`` removes that path: such an MPL has no classifier (and no SDAM,
whose output only feeds the classifier) and in stage 2 mixes its hubs by the
softmax prediction of the first MPL in forward order, whose input holds no
hub. That MPL (``'own'``) publishes its prediction in the forward's batch
context (``context.publish('type_prediction', ...)``) and the later ones read
it there, so the prediction belongs to the forward, not to a module. Every MPL
also appends its per-sample hub weights to the context's ``'hub_weights'``
list (``N x T``; ``None`` in ingredient stage 2), for inspection and tests. The L1 loss then
reaches the first MPL's classifier through every MPL's mixture, and
``loss_cls`` holds the first MPL's cross-entropy only. The later modules'
classifiers are absent rather than kept outside ``loss_cls``: a classifier
that fed no loss would get no gradient, which breaks DDP without
``find_unused_parameters``, and it would be dead weight.

All parameters take part in every training step of the default (mixture)
mode: the one-hot mixture multiplies every hub (absent types get zero
gradients), the classifier always feeds its loss, the SDAM its own. Under DDP
this needs no ``find_unused_parameters``. The ingredient mode's mixer and
head are idle in stage 1: its configs set ``find_unused_parameters=True``.
With ``mixture_source='first'`` the same holds (the absent parts have no
parameters); the ingredient mode mixes by its own ingredient head, not by a
classifier, so it does not combine with ``'first'``.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.models.batch_context import BatchContext, current_batch_context
from irtoolbox.models.layers.channel_layer_norm import ChannelLayerNorm
from irtoolbox.registry import MODELS

#: Where an MPL's stage-2 hub mixture comes from (module docstring).
MIXTURE_SOURCES = ('own', 'first')

#: Restormer plugin positions of the three MPLs (supplement Table 2). '2E+1D'
#: (the supplement's choice): after encoder levels 1 and 2 and after decoder
#: level 3 (the mirror of encoder level 3; the supplement does not say which
#: levels); '3E': after encoder levels 1-3 (the released code); '3D': after
#: decoder levels 3, 2 and 1 (the mirrors of encoder levels 3, 2, 1).
MPL_PLACEMENTS = {
    '2E+1D': ('after_enc1', 'after_enc2', 'after_dec3'),
    '3E': ('after_enc1', 'after_enc2', 'after_enc3'),
    '3D': ('after_dec3', 'after_dec2', 'after_dec1'),
}


@MODELS.register_module()
class MetaPriorLearning(BaseModule):
    """Prior hubs, type classifier and cross-attention: ``x' = x + proj(h_p)``.

    Args:
        in_channels: channels C of the features at its position. Required
            (the plugin stack fills it in).
        num_types: degradation types T, one hub each (a clean-image hub is
            one more). Default: 5.
        num_tokens: hub capacity N. Default: 24 (supplement Table 3).
        token_channels: token width C_d; ``None`` uses ``in_channels``.
            Default: ``None``.
        num_heads: heads of the cross-attention; must divide C. Default: 1.
        use_sdam: perceive the degradation through an SDAM (supplement);
            False classifies the features x themselves. Default: True.
        sdam_cfg: options of the SDAM (``detach``, ``kernel_size`` ...).
            Default: ``None`` (``dict(type='SDAM')``).
        ingredient: the SVD ingredient reformulation in stage 2 instead of
            the predicted mixture. Default: False.
        svd_grad: back-propagate through the SVD (ingredient mode). Default: False.
        mixture_source: ``'own'``: mix the hubs by this module's classifier;
            ``'first'``: have no classifier or SDAM and mix by the prediction
            of the first MPL in forward order (module docstring), which must
            be ``'own'``. Default: ``'own'``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    context_reads = ('inputs', 'task_idx', 'stage')

    def __init__(self, in_channels: int, num_types: int = 5, num_tokens: int = 24,
                 token_channels: Optional[int] = None, num_heads: int = 1,
                 use_sdam: bool = True, sdam_cfg: Optional[dict] = None,
                 ingredient: bool = False, svd_grad: bool = False,
                 mixture_source: str = 'own', init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels % num_heads:
            raise ValueError(f'MetaPriorLearning: {num_heads} heads do not divide '
                             f'{in_channels} channels')
        if mixture_source not in MIXTURE_SOURCES:
            raise ValueError(f'MetaPriorLearning: mixture_source must be one of '
                             f'{MIXTURE_SOURCES}, got {mixture_source!r}')
        if mixture_source == 'first' and ingredient:
            raise ValueError("MetaPriorLearning: mixture_source='first' replaces the "
                             'classifier mixture of stage 2; the ingredient mode mixes by its '
                             'own ingredient head instead, so the two do not combine')
        self.mixture_source = mixture_source
        own = mixture_source == 'own'
        token_channels = token_channels or in_channels
        self.num_types, self.num_tokens, self.num_heads = num_types, num_tokens, num_heads
        self.hubs = nn.Parameter(torch.zeros(num_types, num_tokens, token_channels))
        self.sdam = None
        if use_sdam and own:
            sdam_cfg = dict(sdam_cfg or {})
            sdam_cfg.setdefault('type', 'SDAM')
            sdam_cfg['in_channels'] = in_channels
            self.sdam = MODELS.build(sdam_cfg)
        self.degradation_classifier = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_channels, in_channels),
            nn.GELU(), nn.Linear(in_channels, num_types)) if own else None
        self.norm_x = ChannelLayerNorm(in_channels)
        self.to_q = nn.Conv2d(in_channels, in_channels, 1)
        self.norm_tokens = nn.LayerNorm(token_channels)
        self.to_kv = nn.Linear(token_channels, 2 * in_channels)
        self.proj = nn.Conv2d(in_channels, in_channels, 1)
        self.ingredient, self.svd_grad = ingredient, svd_grad
        if ingredient:
            rank = min(num_types * num_tokens, token_channels)
            self.token_mixer = nn.Parameter(torch.zeros(num_tokens, num_types * num_tokens))
            self.ingredient_head = nn.Sequential(
                nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_channels, rank))
        self.out_channels = in_channels
        self._default_init()

    def init_weights(self) -> None:
        """Hub tokens ~ N(0, 0.02^2) (transformer embeddings); mixer = mean over types;
        ingredient weights start at 1. The same defaults are set at construction, as
        PyTorch layers do, so a backbone that does not call this gets them too."""
        super().init_weights()
        self._default_init()

    def _default_init(self) -> None:
        nn.init.normal_(self.hubs, std=0.02)
        if self.ingredient:
            with torch.no_grad():
                eye = torch.eye(self.num_tokens).repeat(1, self.num_types) / self.num_types
                self.token_mixer.copy_(eye)
                nn.init.zeros_(self.ingredient_head[-1].weight)
                nn.init.zeros_(self.ingredient_head[-1].bias)

    def hub_tokens(self, weights: torch.Tensor) -> torch.Tensor:
        """``N x T`` weights -> ``N x num_tokens x C_d`` tokens, ``sum_t w_t T_t``."""
        return torch.einsum('nt,tkc->nkc', weights, self.hubs)

    def ingredient_tokens(self, perceived: torch.Tensor) -> torch.Tensor:
        """``P = (W_u U) diag(S * a) V^T`` per sample (module docstring)."""
        stacked = self.hubs.reshape(-1, self.hubs.shape[-1])
        if not self.svd_grad:
            stacked = stacked.detach()
        u, s, vh = torch.linalg.svd(stacked, full_matrices=False)
        weights = 2 * torch.sigmoid(self.ingredient_head(perceived))  # N x r
        mixed = self.token_mixer @ u  # num_tokens x r
        return torch.einsum('kr,nr,rc->nkc', mixed, s * weights, vh)

    def attend(self, x: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """Cross-attention of x (queries, ``N x C x H x W``) to tokens: ``h_p``, same shape."""
        n, c, h, w = x.shape
        heads, d = self.num_heads, c // self.num_heads
        q = self.to_q(self.norm_x(x)).reshape(n, heads, d, h * w).transpose(-2, -1)
        k, v = self.to_kv(self.norm_tokens(tokens)).chunk(2, dim=-1)  # N x K x C
        k, v = (t.reshape(n, -1, heads, d).transpose(1, 2) for t in (k, v))
        attn = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), dim=-1)  # N x h x HW x K
        return (attn @ v).transpose(-2, -1).reshape(n, c, h, w)

    def forward(self, x: torch.Tensor, context: Optional[BatchContext] = None) -> torch.Tensor:
        """x: ``N x C x H x W`` features. Returns: the pseudo-clean ``x'``, same shape.

        ``context``: a ``BatchContext`` (default: the active one of the restorer's
        forward); reads ``stage``, ``task_idx`` and the published ``type_prediction``.
        Stage 1: each sample uses its known type's hub; stage 2: the
        classifier's softmax mixture (this module's, or with
        ``mixture_source='first'`` the first MPL's from the context), or the
        ingredient reformulation.
        """
        context = context if context is not None else current_batch_context(
            'MetaPriorLearning')
        perceived = self.sdam(x, context) if self.sdam is not None else x
        if self.degradation_classifier is not None:
            logits = self.degradation_classifier(perceived)
            if context.read('type_prediction') is None:  # the first classifying MPL
                context.publish('type_prediction', torch.softmax(logits, dim=1))
        elif context.read('type_prediction') is None:
            # checked in stage 1 too, so a misplaced module fails at once, not at the switch
            raise RuntimeError("MetaPriorLearning(mixture_source='first'): no earlier MPL "
                               'put its prediction into the batch context; the first MPL in '
                               "forward order must have its own classifier (mixture_source='own')")
        if context.stage == 1:
            if context.task_idx is None:
                raise KeyError('MetaPriorLearning: stage 1 needs each sample\'s task_idx '
                               '(MultiTaskDataset sets it in the metainfo)')
            if int(context.task_idx.max()) >= self.num_types:
                raise ValueError(f'MetaPriorLearning: task index {int(context.task_idx.max())} '
                                 f'but only {self.num_types} hubs (num_types)')
            weights = F.one_hot(context.task_idx, self.num_types).to(x.dtype)
        elif self.ingredient:
            weights = None
        elif self.degradation_classifier is None:
            weights = context.read('type_prediction')
            if weights.shape[1] != self.num_types:
                raise ValueError(f"MetaPriorLearning(mixture_source='first'): the first MPL "
                                 f'predicts {weights.shape[1]} types, this one has '
                                 f'{self.num_types} hubs (num_types)')
        else:
            weights = torch.softmax(logits, dim=1)
        context.collect('hub_weights', None if weights is None else weights.detach())
        tokens = (self.hub_tokens(weights) if weights is not None
                  else self.ingredient_tokens(perceived))
        return x + self.proj(self.attend(x, tokens))
