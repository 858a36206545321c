"""IDR as released: the network of the published code, state-dict compatible.

Zhang et al., "Ingredient-oriented Multi-Degradation Learning for Image
Restoration", CVPR 2023; the released code (JingHao99/IDR-Ingredients-oriented-
Degradation-Reformulation, MIT, ``models/archs/IDR_restormer_arch.py``), which
produced the paper's numbers. It differs from the supplement's reading that
``configs/idr`` builds from ``Restormer`` + SDAM + ``MetaPriorLearning``; the
facts below come from ``../shared/reference/idr_released/FACTS.md`` (sections
2.1-2.8), which was written by reading and running that code.

- **Backbone**: our :class:`Restormer` (dims C, 2C, 4C, 8C) unchanged; its
  tensors map onto the released Restormer part key for key (the converter
  ``tools/model_converters/idr_released.py`` renames them).
- **Prior blocks** (:class:`KeyPriorBlock`, released ``Key_TransformerBlock``)
  after encoder levels 1, 2, 3; the modified feature feeds both the next
  down-sampling and the decoder skip:

  1. an MPRNet-style SAM: ``sam_img = conv2(x) + img``,
     ``f = conv1(x) * sigmoid(conv3(sam_img)) + x`` (``img`` = the input
     image bilinearly resized to the level, antialias off as in the pinned
     torchvision 0.12), supervised by the resized ground truth;
  2. a cross-attention (:class:`KeyAttention`) of pixel queries of
     ``norm1(f)`` against 24 LayerNormed tokens (width 8C), scale
     ``c ** -0.5`` with c the full level width;
  3. PrincipleNet (:class:`PrincipleNet`) on the ORIGINAL x and the attention
     output m: ``z = interleave(mlp_img(x), mlp_degra(m))`` and physics routes
     on ``a = mlp_img(x)``: addition ``a + d(z)`` (noise, rain),
     ``gamma(z) * a + beta(z)`` (haze, low light), a per-pixel 5 x 5
     predicted-kernel convolution of ``a`` (blur); its output replaces x;
  4. ``x + DWMlp(norm2(x))``.
- **Hub**: one tensor ``hub`` (5 x 24 x 8C) shared by the three levels.
  Stage 1: the tokens of the batch's FIRST sample's type, for every sample
  and for the route of every sample (released behaviour; its batches are
  single-task). Stage 2: ``U, S, V = svd(hub.detach())`` every forward;
  ``convU`` / ``convV`` (:class:`IngredientMixer`) mix the 120 singular
  vectors into 24; each level weights the singular values by its own
  classifier, ``tokens = U' diag(p S) V'``, and mixes its routes by it:
  ``(p2 + p4) point + (p0 + p1) addition + p3 convolve``. The released
  addition route adds into ``a`` in place before the other routes run, so
  they act on ``a + d`` (``inplace_addition=True``, the default; ``False``
  gives each route the clean ``a``).
- The classifier (``principle.pred``) reads the pre-SAM encoder feature.
- Built but never used in the forward (kept so that released checkpoints load
  strictly): each attention's ``temperature``, ``qkv`` and ``qkv_dwconv``.

Task ids (the hub row and the classifier class): denoise 0, derain 1, dehaze
2, deblur 3, low light 4, the released ``de_dict`` and the toolbox's task
indices alike. The stage and the labels come as ``forward`` arguments or, when
those are ``None``, from the restorer's batch context (any Restorer).
Parameters: 12,262,448 at dim 30 (the training yml), 7,887,130 at dim 24 (the
released ``inference.py``).
"""
import math
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from irtoolbox.models.batch_context import optional_batch_context
from irtoolbox.registry import MODELS

from .restormer import Restormer

# Physics route of each task id (released PrincipleNet, FACTS 2.5).
RELEASED_ROUTES = ('addition', 'addition', 'point', 'convolve', 'point')
ROUTE_NAMES = ('addition', 'point', 'convolve')


def resize_to_level(img: torch.Tensor, size: Tuple[int, int], antialias: bool) -> torch.Tensor:
    """torchvision ``Resize(size)`` on a tensor: bilinear, half-pixel centres."""
    if tuple(img.shape[-2:]) == tuple(size):
        return img
    return F.interpolate(img, size=size, mode='bilinear', align_corners=False,
                         antialias=antialias)


def conv_block(in_channels: int, out_channels: int, kernel: int) -> nn.Sequential:
    """Released ``conv_block``: 'same'-padded conv with bias, then PReLU (slope 0.2)."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel, padding=kernel // 2),
                         nn.PReLU(1, 0.2))


class ResidualBlockNoBN(nn.Module):
    """``x + conv2(relu(conv1(x)))``, 3x3 convs with bias (BasicSR's block)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def reset_parameters(self) -> None:
        """Kaiming-normal (fan in) x 0.1, zero bias, as released."""
        for conv in (self.conv1, self.conv2):
            nn.init.kaiming_normal_(conv.weight)
            conv.weight.data.mul_(0.1)
            nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W``. Returns: the same shape."""
        return x + self.conv2(F.relu(self.conv1(x)))


def route_trunk(in_channels: int, channels: int) -> List[nn.Module]:
    """conv_block(in->c, 3x3) and two residual blocks: the start of every route."""
    return [conv_block(in_channels, channels, 3), ResidualBlockNoBN(channels),
            ResidualBlockNoBN(channels)]


def interleave(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Released ``Itv_concat``: channels ``a0, b0, a1, b1, ...``."""
    return torch.stack([a, b], dim=2).flatten(1, 2)


def per_pixel_conv(x: torch.Tensor, kernels: torch.Tensor, size: int = 5) -> torch.Tensor:
    """``out[c, y, x] = sum_ij pad(x)[c, y+i, x+j] K[c*k*k + i*k + j, y, x]``, replicate pad."""
    n, c, h, w = x.shape
    patches = F.unfold(F.pad(x, [size // 2] * 4, mode='replicate'), size)
    return (patches * kernels.reshape(n, c * size * size, h * w)).reshape(
        n, c, size * size, h * w).sum(2).reshape(n, c, h, w)


class PrincipleNet(nn.Module):
    """Released ``PrincipleNet``: classifier and the physics routes (FACTS 2.5).

    Args:
        channels: c, the level width. Required.
        num_types: degradation types (classifier classes). Default: 5.
        routes: route name of each type id. Default: ``RELEASED_ROUTES``.
        inplace_addition: the other routes read ``a + d`` in stage 2 (the
            released in-place addition). Default: True.
    """

    def __init__(self, channels: int, num_types: int = 5,
                 routes: Sequence[str] = RELEASED_ROUTES, inplace_addition: bool = True) -> None:
        super().__init__()
        if len(routes) != num_types or set(routes) - set(ROUTE_NAMES):
            raise ValueError(f'PrincipleNet: routes must name one of {ROUTE_NAMES} for each of '
                             f'the {num_types} types, got {list(routes)}')
        self.routes, self.inplace_addition = tuple(routes), inplace_addition
        self.mlp_img = nn.Conv2d(channels, channels, 1)
        self.mlp_degra = nn.Conv2d(channels, channels, 1)
        self.addition = nn.Module()
        self.addition.add = nn.Sequential(*route_trunk(channels * 2, channels))
        self.point = nn.Module()
        self.point.weight = nn.Sequential(*route_trunk(channels * 2, channels * 2))
        self.convolve = nn.Module()
        self.convolve.convolve = nn.Sequential(*route_trunk(channels * 2, channels),
                                               conv_block(channels, channels * 25, 1))
        # No activation between the two 1x1 convs, as released.
        self.pred = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(channels, channels, 1),
                                  nn.Conv2d(channels, num_types, 1), nn.Softmax(dim=1))
        self.degradation_classifier = nn.Identity()  # tap point of the N x T x 1 x 1 softmax

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """x: the level's encoder feature. Returns: ``N x T x 1 x 1`` probabilities."""
        return self.degradation_classifier(self.pred(x))

    def route(self, name: str, z: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """One physics route on ``a`` with parameters predicted from ``z``."""
        if name == 'addition':
            return a + self.addition.add(z)
        if name == 'point':
            gamma, beta = self.point.weight(z).chunk(2, dim=1)
            return gamma * a + beta
        return per_pixel_conv(a, self.convolve.convolve(z))

    def forward(self, x: torch.Tensor, m: torch.Tensor, type_id: Optional[int],
                probs: torch.Tensor) -> torch.Tensor:
        """x: encoder feature, m: attention output (``N x c x h x w``); type_id: the
        stage-1 type (``None``: stage 2, mix by ``probs``, ``N x T x 1 x 1``).

        Returns: the routed feature ``N x c x h x w``.
        """
        a = self.mlp_img(x)
        z = interleave(a, self.mlp_degra(m))
        if type_id is not None:
            return self.route(self.routes[type_id], z, a)
        added = self.route('addition', z, a)
        source = added if self.inplace_addition else a
        outputs = {'addition': added}
        for name in ('point', 'convolve'):
            outputs[name] = self.route(name, z, source)
        return sum(probs[:, t:t + 1] * outputs[name] for t, name in enumerate(self.routes))


class KeyAttention(nn.Module):
    """Pixel queries against the hub's tokens (released ``Key_Attention``, FACTS 2.4).

    Args:
        channels: c. Required.
        num_heads: heads splitting c. Required.
        token_dim: width of a token (8C). Required.
    """

    def __init__(self, channels: int, num_heads: int, token_dim: int) -> None:
        super().__init__()
        self.num_heads, self.scale = num_heads, channels ** -0.5  # full width, as released
        self.q = nn.Sequential(nn.Conv2d(channels, channels, 1, bias=False),
                               nn.Conv2d(channels, channels, 3, padding=1, groups=channels,
                                         bias=False))
        self.kv = nn.Linear(token_dim, channels * 2)
        self.project_out = nn.Conv2d(channels, channels, 1, bias=False)
        # Built but unused by the released forward; kept for strict loading.
        self.temperature = nn.Parameter(torch.ones(num_heads, 1, 1))
        self.qkv = nn.Conv2d(channels, channels * 3, 1, bias=False)
        self.qkv_dwconv = nn.Conv2d(channels * 3, channels * 3, 3, padding=1,
                                    groups=channels * 3, bias=False)

    def forward(self, x: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """x: ``N x c x h x w``; tokens: ``N x T x token_dim``. Returns: ``N x c x h x w``."""
        n, c, h, w = x.shape
        heads = self.num_heads
        q = self.q(x).reshape(n, heads, c // heads, h * w).transpose(-2, -1)
        k, v = (t.reshape(n, -1, heads, c // heads).transpose(1, 2)
                for t in self.kv(tokens).chunk(2, dim=-1))
        attn = (q @ k.transpose(-2, -1) * self.scale).softmax(dim=-1)
        out = (attn @ v).transpose(-2, -1).reshape(n, c, h, w)
        return self.project_out(out)


class DWMlp(nn.Module):
    """``fc2(gelu(dwconv(fc1(x))))``, the prior block's FFN (released ``DW_Mlp``)."""

    def __init__(self, channels: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, hidden, 1, bias=False)
        self.dwconv = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)
        self.fc2 = nn.Conv2d(hidden, channels, 1, bias=False)

    def reset_parameters(self) -> None:
        """N(0, sqrt(2 / fan_out)) weights, zero biases, as released."""
        for conv in (self.fc1, self.dwconv, self.fc2):
            fan_out = conv.kernel_size[0] * conv.kernel_size[1] * conv.out_channels
            nn.init.normal_(conv.weight, 0, math.sqrt(2.0 / (fan_out / conv.groups)))
            if conv.bias is not None:
                nn.init.zeros_(conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x c x h x w``. Returns: the same shape."""
        return self.fc2(F.gelu(self.dwconv(self.fc1(x))))


class ReleasedSAM(nn.Module):
    """MPRNet's supervised attention module with 1x1 bias-free convs."""

    def __init__(self, channels: int, image_channels: int = 3) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 1, bias=False)
        self.conv2 = nn.Conv2d(channels, image_channels, 1, bias=False)
        self.conv3 = nn.Conv2d(image_channels, channels, 1, bias=False)
        self.sam_image = nn.Identity()  # tap point of the level's image

    def forward(self, x: torch.Tensor, img: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """x: ``N x c x h x w``; img: input image at the level. Returns: (feature, image)."""
        sam_img = self.sam_image(self.conv2(x) + img)
        return self.conv1(x) * torch.sigmoid(self.conv3(sam_img)) + x, sam_img


class KeyPriorBlock(nn.Module):
    """One level's prior block (released ``Key_TransformerBlock``, FACTS 2.4)."""

    def __init__(self, channels: int, num_heads: int, token_dim: int, expansion: float,
                 num_types: int, routes: Sequence[str], inplace_addition: bool,
                 norm_cfg: dict) -> None:
        super().__init__()
        self.normkey = nn.LayerNorm(token_dim, elementwise_affine=False)
        self.norm1 = MODELS.build(dict(norm_cfg, num_features=channels))
        self.attn = KeyAttention(channels, num_heads, token_dim)
        self.norm2 = MODELS.build(dict(norm_cfg, num_features=channels))
        self.ffn = DWMlp(channels, int(channels * expansion))
        self.principle = PrincipleNet(channels, num_types, routes, inplace_addition)
        self.SAM = ReleasedSAM(channels)

    def forward(self, x: torch.Tensor, img: torch.Tensor, type_id: Optional[int],
                tokens: Optional[torch.Tensor],
                ingredients: Optional[Tuple[torch.Tensor, ...]]) -> torch.Tensor:
        """x: encoder feature; img: input at the level; stage 1: ``type_id`` and
        ``tokens`` (N x T x 8C); stage 2: ``ingredients = (U', S, V')``.

        Returns: the modified feature, same shape as x.
        """
        probs = self.principle.classify(x)
        if ingredients is not None:
            u_mix, sing, v_mix = ingredients
            weights = probs.flatten(1) @ sing  # N x 24: this level's singular values
            tokens = u_mix @ (weights[:, :, None] * v_mix)
        feat, _ = self.SAM(x, img)
        m = self.attn(self.norm1(feat), self.normkey(tokens))
        x = self.principle(x, m, type_id, probs)
        return x + self.ffn(self.norm2(x))


class IngredientMixer(nn.Module):
    """``convU`` / ``convV``: 1x1 convs mixing the 5 x 24 singular vectors into 24."""

    def __init__(self, num_types: int, num_tokens: int) -> None:
        super().__init__()
        self.convU = nn.Conv2d(num_types * num_tokens, num_tokens, 1)
        self.convV = nn.Conv2d(num_types * num_tokens, num_tokens, 1)

    def forward(self, hub: torch.Tensor, batch: int) -> Tuple[torch.Tensor, ...]:
        """hub: ``T x K x D``. Returns: stacked ``U`` (1 x TK x K x 1), ``S`` (T x K),
        ``V`` (1 x TK x D x 1), ``U'`` (N x K x K) and ``V'`` (N x K x D)."""
        types, k, d = hub.shape
        u, s, vh = torch.linalg.svd(hub.detach(), full_matrices=False)  # detached, as released
        u_stack = u.transpose(1, 2).reshape(1, types * k, k, 1)
        v_stack = vh.reshape(1, types * k, d, 1)
        u_mix = self.convU(u_stack).reshape(k, k).t().expand(batch, k, k)
        v_mix = self.convV(v_stack).reshape(k, d).expand(batch, k, d)
        return u_stack, s, v_stack, u_mix, v_mix


@MODELS.register_module()
class IDRReleased(Restormer):
    """The released IDR network (module docstring).

    Args:
        in_channels: image channels. Default: 3.
        out_channels: output channels. Default: 3.
        dim: C. Default: 30 (the released training yml; ``inference.py`` uses 24).
        num_blocks: Restormer blocks per level. Default: (2, 3, 3, 4).
        num_refinement_blocks: Default: 2.
        heads: attention heads per level. Default: (1, 2, 4, 8).
        expansion: GDFN / DWMlp expansion. Default: 2.66.
        num_tokens: tokens per hub row. Default: 24.
        num_types: degradation types (hub rows, classes). Default: 5.
        routes: physics route of each type. Default: ``RELEASED_ROUTES``.
        inplace_addition: stage-2 routes read ``a + d`` (released). Default: True.
        antialias: antialiased resizing of the input to levels 2, 3
            (released with torchvision 0.12: off). Default: False.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    plugin_points = ()  # the released network takes no plugins

    context_reads = ('task_idx', 'stage')

    def __init__(self, in_channels: int = 3, out_channels: int = 3, dim: int = 30,
                 num_blocks: Sequence[int] = (2, 3, 3, 4), num_refinement_blocks: int = 2,
                 heads: Sequence[int] = (1, 2, 4, 8), expansion: float = 2.66,
                 num_tokens: int = 24, num_types: int = 5,
                 routes: Sequence[str] = RELEASED_ROUTES, inplace_addition: bool = True,
                 antialias: bool = False, init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels=in_channels, out_channels=out_channels, dim=dim,
                         num_blocks=num_blocks, num_refinement_blocks=num_refinement_blocks,
                         heads=heads, expansion=expansion, bias=False, init_cfg=init_cfg)
        self.num_types, self.antialias = num_types, antialias
        self.hub = nn.Parameter(torch.zeros(num_types, num_tokens, dim * 8))
        self.mixer = IngredientMixer(num_types, num_tokens)
        self.prior_blocks = nn.ModuleList(
            KeyPriorBlock(dim * 2 ** k, heads[k], dim * 8, expansion, num_types, routes,
                          inplace_addition, dict(type='ChannelLayerNorm'))
            for k in range(3))

    def init_weights(self) -> None:
        """PyTorch defaults, then the released special cases (FACTS 2.7)."""
        super().init_weights()
        nn.init.normal_(self.hub)
        for module in self.prior_blocks.modules():
            if isinstance(module, (ResidualBlockNoBN, DWMlp)):
                module.reset_parameters()

    def resolve_stage(self, stage: Optional[int],
                      task_idx: Optional[torch.Tensor]) -> Optional[int]:
        """The stage-1 type id (the first sample's, as released) or ``None`` (stage 2)."""
        context = optional_batch_context()
        if stage is None:
            stage = context.stage if context is not None else 2
            task_idx = context.task_idx if context is not None else None
        if stage not in (1, 2):
            raise ValueError(f'IDRReleased: stage must be 1 or 2, got {stage!r}')
        if stage == 2:
            return None
        if task_idx is None or len(task_idx) == 0:
            raise ValueError('IDRReleased: stage 1 needs the task labels (task_idx)')
        type_id = int(task_idx[0])
        if not 0 <= type_id < self.num_types:
            raise ValueError(f'IDRReleased: task id {type_id} has no hub row '
                             f'(0..{self.num_types - 1})')
        return type_id

    def forward(self, x: torch.Tensor, stage: Optional[int] = None,
                task_idx: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x: ``N x 3 x H x W`` image, H, W multiples of 8; stage: 1 or 2 (``None``:
        the batch context's, else 2); task_idx: ``N`` task ids (stage 1 uses the first).

        Returns: ``N x 3 x H x W`` restoration (input added, no clamp).
        """
        if x.dim() != 4 or x.shape[-2] % self.size_divisor or x.shape[-1] % self.size_divisor:
            raise ValueError(f'IDRReleased: input must be N x C x H x W with H and W multiples '
                             f'of {self.size_divisor}, got {tuple(x.shape)}')
        type_id = self.resolve_stage(stage, task_idx)
        tokens, ingredients = None, None
        if type_id is None:
            _, sing, _, u_mix, v_mix = self.mixer(self.hub, x.shape[0])
            ingredients = (u_mix, sing, v_mix)
        else:
            tokens = self.hub[type_id].expand(x.shape[0], -1, -1)
        feat = self.patch_embed(x)
        skips = []
        for k in range(3):
            img = resize_to_level(x, feat.shape[-2:] if k == 0 else
                                  (x.shape[-2] >> k, x.shape[-1] >> k), self.antialias)
            feat = self.prior_blocks[k](self.encoders[k](feat), img, type_id, tokens,
                                        ingredients)
            skips.append(feat)
            feat = self.downs[k](feat)
        feat = self.latent(feat)
        for k in (2, 1, 0):
            feat = torch.cat([self.ups[k](feat), skips[k]], dim=1)
            feat = self.decoders[k](self.reduce_chan[k](feat))
        out = self.output(self.refinement(feat))
        return out + x if self.residual else out

