"""Gain-control normalisation of FDR-Net's FD-layers and its inverse in the FA-layers.

"Learning Disentangled Feature Representation for Hybrid-distorted Image
Restoration" (Li et al., ECCV 2020), Section 3.2, Eq. (4), and Section 3.3,
Eq. (7). The revised gain-control normalisation is the generalised divisive
normalisation (GDN) of Balle et al.; its inverse is one step of the
fixed-point iteration that inverts it (IGDN):

    norm_i = b_i + sum_j w[i, j] * S_j^2        (a 1x1 convolution of S^2)
    FD (Eq. 4):  D_i   = S_i   / sqrt(norm_i(S))
    FA (Eq. 7):  F_c,i = F_p,i * sqrt(norm_i(F_p))

The FA form is **not** the exact inverse of the FD form: it evaluates the
norm on its own input ``F_p`` instead of on the unknown ``S``. It is exact
only when ``w = 0`` (then both are a fixed per-channel scale ``sqrt(b)``);
with ``w != 0`` FA(FD(S)) differs from S (tests check both facts).

Non-negativity. ``w`` and ``b`` must stay >= 0 (a negative norm has no
square root). Each is stored as ``p`` and used as ``max(p, bound)^2 -
pedestal`` with ``pedestal = 2^-36`` and ``bound = sqrt(minimum +
pedestal)`` (``minimum`` 1e-6 for ``b``, 0 for ``w``). The maximum has a
custom gradient (:class:`LowerBound`): it passes the gradient where ``p`` is
above the bound *or* where the gradient would push ``p`` up (negative, for
descent), so a parameter stuck at its bound can still move back up, which a
plain ``torch.clamp`` (zero gradient below the bound) would forbid.
The pedestal keeps the gradient of ``p^2`` away from zero near ``p = 0``.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS

PEDESTAL = 2.0 ** -36
BETA_MIN = 1e-6


class LowerBound(torch.autograd.Function):
    """``max(x, bound)`` whose gradient also flows where it would raise ``x``.

    Backward passes ``grad`` where ``x >= bound`` or ``grad < 0`` (a descent
    step ``x -= lr * grad`` then increases ``x``), and zero elsewhere.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, bound: float) -> torch.Tensor:  # type: ignore[override]
        ctx.save_for_backward(x)
        ctx.bound = bound
        return x.clamp_min(bound)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        (x,) = ctx.saved_tensors
        passes = (x >= ctx.bound) | (grad < 0)
        return grad * passes.to(grad.dtype), None


class NonNegativeParameter(nn.Module):
    """A tensor kept >= ``minimum`` by the reparametrisation of the module docstring.

    Args:
        shape: shape of the value. Required.
        minimum: lower bound of the value. Default: 0.
        pedestal: offset that keeps the square's gradient alive. Default: 2^-36.
    """

    def __init__(self, shape: tuple, minimum: float = 0.0, pedestal: float = PEDESTAL) -> None:
        super().__init__()
        if minimum < 0:
            raise ValueError(f'NonNegativeParameter: minimum must be >= 0, got {minimum}')
        self.minimum = float(minimum)
        self.pedestal = float(pedestal)
        self.bound = math.sqrt(self.minimum + self.pedestal)
        self.stored = nn.Parameter(torch.full(shape, self.bound))

    def set_value(self, value: torch.Tensor) -> None:
        """Store ``p`` so that :meth:`value` returns ``max(value, minimum)``."""
        value = torch.as_tensor(value, dtype=self.stored.dtype).clamp_min(self.minimum)
        with torch.no_grad():
            self.stored.copy_(torch.sqrt(value + self.pedestal))

    def value(self) -> torch.Tensor:
        """The used value ``max(p, bound)^2 - pedestal`` (>= ``minimum``)."""
        return LowerBound.apply(self.stored, self.bound) ** 2 - self.pedestal


@MODELS.register_module()
class GDN(BaseModule):
    """Divisive normalisation of Eq. (4) (``inverse=False``) or its FA form, Eq. (7).

    Args:
        channels: number of channels C. Required.
        inverse: False: ``x / sqrt(norm(x))`` (FD-layer); True: ``x *
            sqrt(norm(x))`` (FA-layer, one fixed-point step). Default: False.
        beta_min: lower bound of ``b``. Default: 1e-6.
        init_beta: initial ``b``. Default: 1.
        init_gamma: initial ``w`` = ``init_gamma * I``. Default: 0.1.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, channels: int, inverse: bool = False, beta_min: float = BETA_MIN,
                 init_beta: float = 1.0, init_gamma: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if channels < 1:
            raise ValueError(f'GDN: channels must be >= 1, got {channels}')
        self.channels = channels
        self.inverse = bool(inverse)
        self.init_beta = float(init_beta)
        self.init_gamma = float(init_gamma)
        self.beta = NonNegativeParameter((channels,), minimum=beta_min)
        self.gamma = NonNegativeParameter((channels, channels), minimum=0.0)
        self.out_channels = channels  # protocol attribute
        # Allocated at the initial values (cheap, like nn.Conv2d's own reset): a
        # parent that never calls init_weights() (e.g. a backbone whose init only
        # walks its convolutions) must not leave b at its bound 1e-6, which would
        # scale the output by 1000.
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``b = init_beta``, ``w = init_gamma * I`` (the GDN initialisation)."""
        self.beta.set_value(torch.full((self.channels,), self.init_beta))
        self.gamma.set_value(self.init_gamma * torch.eye(self.channels))

    def init_weights(self) -> None:
        """Reset to the GDN initialisation, then apply ``init_cfg`` (e.g. pretrained)."""
        self.reset_parameters()
        super().init_weights()

    def norm(self, x: torch.Tensor) -> torch.Tensor:
        """``norm_i = b_i + sum_j w[i, j] x_j^2`` of ``N x C x H x W`` features (> 0)."""
        gamma = self.gamma.value().view(self.channels, self.channels, 1, 1)
        return F.conv2d(x * x, gamma, self.beta.value())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` features, any range.

        Returns: the same shape, ``x * rsqrt(norm(x))`` (FD) or ``x *
        sqrt(norm(x))`` (FA, ``inverse=True``).
        """
        return apply_gdn(x, self.norm(x), self.inverse)


def apply_gdn(x: torch.Tensor, norm: torch.Tensor, inverse: bool) -> torch.Tensor:
    """``x * sqrt(norm)`` if ``inverse`` else ``x * rsqrt(norm)`` (norm >= b > 0)."""
    return x * (torch.sqrt(norm) if inverse else torch.rsqrt(norm))
