"""Layers of PixelCNN++ (Salimans et al., ICLR 2017, Sec. 2.2-2.4) made conditional.

- :class:`WNConv2d`: a weight-normalised convolution (``w = g v / ||v||``, one
  ``g`` per output channel) with one of PixelCNN++'s causal paddings:
  ``'down'`` (the u stream: a ``kh x kw`` filter sees the ``kh - 1`` rows
  above and the current row, ``(kw - 1) / 2`` columns either side),
  ``'down_right'`` (the ul stream: the ``kh - 1`` rows above and the
  ``kw - 1`` columns to the left), ``'same'`` (the clean-image condition, which
  may look at any clean pixel) or ``'none'`` (1 x 1, PixelCNN++'s ``nin``).
- :func:`down_shift` / :func:`right_shift`: shift a map one row down / one
  column right, filling with zeros, so that a position never sees its own
  pixel.
- :func:`concat_elu`: ``elu([x, -x])`` along the channels.
- :class:`ConditionalGatedResBlock`: PixelCNN++'s ``gated_resnet``
  ``c1 = conv(concat_elu(x)) [+ nin(concat_elu(a))]``,
  ``c2 = conv(dropout(concat_elu(c1))) + cond(clean)``,
  ``out = x + a * sigmoid(b)`` with ``(a, b) = split(c2)``. The conditioning
  term is a convolution of the clean image added before the gate: the
  degradation model of Han et al. feeds the clean image to every block
  (their Fig. 1) instead of PixelCNN++'s one global vector.

Data-dependent initialisation (openai/pixel-cnn, ``nn.py`` with ``init=True``;
Salimans and Kingma, "Weight normalization", 2016, Sec. 3): inside
:func:`data_init_pass`, each weight-normalised convolution with a
``data_init_scale`` draws ``v ~ N(0, 0.05)``, convolves its input with
``v / ||v||``, and sets ``g = scale / sqrt(var + 1e-8)`` and ``bias = -mean * g``
from the per-channel mean and (population) variance of that output over the
batch and positions: its output on that batch then has mean 0 and std
``scale`` per channel. ``scale`` is 1, and 0.1 for the second convolution of
each gated block (openai's ``init_scale=0.1``). A layer without a
``data_init_scale`` (the clean-image condition, openai's conditioning weights
``hw``) gets ``v ~ N(0, 0.05)``, ``g = ||v||``, bias 0.
"""
import contextlib
import contextvars
import math
from typing import Iterator, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

PADDINGS = ('down', 'down_right', 'same', 'none')
# True only inside data_init_pass(): which forward is the initialising one is a
# property of the call, not state left on the modules.
_DATA_INIT_PASS = contextvars.ContextVar('pixelcnn_data_init_pass', default=False)
DATA_INIT_V_STD = 0.05  # openai: V ~ N(0, 0.05) before the data-dependent g and b
DATA_INIT_EPS = 1e-8


@contextlib.contextmanager
def data_init_pass() -> Iterator[None]:
    """Forwards inside this context initialise each :class:`WNConv2d` from its
    input (see the module docstring); gradients are off."""
    token = _DATA_INIT_PASS.set(True)
    try:
        with torch.no_grad():
            yield
    finally:
        _DATA_INIT_PASS.reset(token)


def concat_elu(x: torch.Tensor) -> torch.Tensor:
    """``elu(cat([x, -x], dim=1))``: N x C x H x W -> N x 2C x H x W (zero maps to zero)."""
    return F.elu(torch.cat([x, -x], dim=1))


def down_shift(x: torch.Tensor) -> torch.Tensor:
    """Move the map one row down; the first row becomes zeros."""
    return F.pad(x[:, :, :-1, :], (0, 0, 1, 0))


def right_shift(x: torch.Tensor) -> torch.Tensor:
    """Move the map one column right; the first column becomes zeros."""
    return F.pad(x[:, :, :, :-1], (1, 0, 0, 0))


def causal_padding(kernel_size: Tuple[int, int], padding: str) -> Tuple[int, int, int, int]:
    """``(left, right, top, bottom)`` zero padding that keeps the output size."""
    kh, kw = kernel_size
    if padding == 'down':
        if kw % 2 != 1:
            raise ValueError(f"WNConv2d: 'down' padding needs an odd kernel width, got {kw}")
        return ((kw - 1) // 2, (kw - 1) // 2, kh - 1, 0)
    if padding == 'down_right':
        return (kw - 1, 0, kh - 1, 0)
    if padding == 'same':
        if kh % 2 != 1 or kw % 2 != 1:
            raise ValueError(f"WNConv2d: 'same' padding needs odd kernel sides, got {kernel_size}")
        return ((kw - 1) // 2, (kw - 1) // 2, (kh - 1) // 2, (kh - 1) // 2)
    if padding == 'none':
        return (0, 0, 0, 0)
    raise ValueError(f'WNConv2d: padding must be one of {PADDINGS}, got {padding!r}')


class WNConv2d(BaseModule):
    """Weight-normalised convolution with a causal zero padding (see the module doc).

    Args:
        in_channels: input channels. Required.
        out_channels: output channels. Required.
        kernel_size: ``(kh, kw)``. Default: ``(1, 1)``.
        padding: 'down', 'down_right', 'same' or 'none'. Default: 'none'.
        data_init_scale: std of the output on the batch of a data-dependent
            initialisation (:func:`data_init_pass`); ``None``: not initialised
            from data (v ~ N(0, 0.05), g = ||v||, bias 0 in that pass). Default: 1.0.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: Tuple[int, int] = (1, 1), padding: str = 'none',
                 data_init_scale: Optional[float] = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.kernel_size = tuple(int(k) for k in kernel_size)
        self.pad = causal_padding(self.kernel_size, padding)
        self.padding_mode = padding
        self.data_init_scale = None if data_init_scale is None else float(data_init_scale)
        self.v = nn.Parameter(torch.empty(out_channels, in_channels, *self.kernel_size))
        self.g = nn.Parameter(torch.empty(out_channels))
        self.bias = nn.Parameter(torch.empty(out_channels))
        # PyTorch's own convention (nn.Conv2d): usable values at construction, so a
        # built-but-unloaded model never holds uninitialised memory; the
        # documented initialisation is init_weights().
        with torch.no_grad():
            self.v.normal_(0.0, 0.05)
            self.g.copy_(self.v.flatten(1).norm(dim=1))
            self.bias.zero_()

    def init_weights(self) -> None:
        """v ~ N(0, 1 / fan_in), g = ||v|| (so w = v at the start), bias 0."""
        super().init_weights()
        if self.init_cfg is not None:
            return
        fan_in = self.v[0].numel()
        with torch.no_grad():
            self.v.normal_(0.0, 1.0 / math.sqrt(fan_in))
            self.g.copy_(self.v.flatten(1).norm(dim=1))
            self.bias.zero_()

    def weight(self) -> torch.Tensor:
        """The effective kernel ``g v / ||v||`` (out x in x kh x kw)."""
        norm = self.v.flatten(1).norm(dim=1).clamp_min(1e-12)
        return self.v * (self.g / norm).view(-1, 1, 1, 1)

    def init_from_data(self, x: torch.Tensor) -> None:
        """The data-dependent initialisation from this layer's (padded) input batch."""
        with torch.no_grad():
            self.v.normal_(0.0, DATA_INIT_V_STD)
            norm = self.v.flatten(1).norm(dim=1)
            if self.data_init_scale is None:
                self.g.copy_(norm)
                self.bias.zero_()
                return
            out = F.conv2d(x, self.v / norm.view(-1, 1, 1, 1))
            mean = out.mean(dim=(0, 2, 3))
            var = out.var(dim=(0, 2, 3), unbiased=False)
            scale = self.data_init_scale / torch.sqrt(var + DATA_INIT_EPS)
            self.g.copy_(scale)
            self.bias.copy_(-mean * scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N x C_in x H x W. Returns: N x C_out x H x W (same size, causal zero padding)."""
        if any(self.pad):
            x = F.pad(x, self.pad)
        if _DATA_INIT_PASS.get():
            self.init_from_data(x)
        return F.conv2d(x, self.weight(), self.bias)


class ConditionalGatedResBlock(BaseModule):
    """PixelCNN++'s gated residual block with a spatial clean-image condition.

    Args:
        channels: F, the stream's channels. Required.
        kernel_size: of the two stream convolutions. Required.
        padding: 'down' (u stream) or 'down_right' (ul stream). Required.
        skip_channels: channels of the skip input ``a`` (the u stream, fed to
            the ul stream through a 1 x 1 ``nin``), 0 for none. Default: 0.
        cond_channels: channels of the clean image. Default: 3.
        cond_kernel_size: side of the condition's convolution ('same'
            padding: any clean pixel may be looked at). Default: 3.
        dropout: dropout probability before the second convolution. Default: 0.5.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, channels: int, kernel_size: Tuple[int, int], padding: str,
                 skip_channels: int = 0, cond_channels: int = 3, cond_kernel_size: int = 3,
                 dropout: float = 0.5, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.conv_in = WNConv2d(2 * channels, channels, kernel_size, padding)
        self.skip = WNConv2d(2 * skip_channels, channels) if skip_channels else None
        self.dropout = nn.Dropout(dropout)
        # openai: the second conv starts at a tenth of the first's output scale, and
        # the conditioning weights are not initialised from data.
        self.conv_out = WNConv2d(2 * channels, 2 * channels, kernel_size, padding,
                                 data_init_scale=0.1)
        self.cond = WNConv2d(cond_channels, 2 * channels, (cond_kernel_size,) * 2, 'same',
                             data_init_scale=None)

    def forward(self, x: torch.Tensor, cond: torch.Tensor,
                skip: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x: N x F x H x W stream; cond: N x C_c x H x W clean image in [-1, 1];
        skip: N x F_s x H x W or None. Returns: N x F x H x W."""
        c1 = self.conv_in(concat_elu(x))
        if self.skip is not None:
            c1 = c1 + self.skip(concat_elu(skip))
        c2 = self.conv_out(self.dropout(concat_elu(c1))) + self.cond(cond)
        a, b = c2.chunk(2, dim=1)
        return x + a * torch.sigmoid(b)
