"""Naive and fast exact sampling of the conditional PixelCNN++ (Han et al., Sec. 4.3
and Fig. 5: "the pixel by pixel sampling takes hours"; the cached generation of
Fast PixelCNN++, Ramachandran et al. 2017, made into a wavefront).

Both samplers take the same uniform draws (:func:`make_draws`): per pixel,
``K`` for the Gumbel-max choice of a component and ``C`` for the logistic
inverse CDFs; the three sub-pixels of a pixel come from one network pass
through the channel-conditional means.

- :func:`sample_naive` runs the whole network on the whole image once per pixel
  (``H * W`` passes): the reference.
- :func:`sample_fast` computes every layer's output at every position exactly
  once. The network has no down/up-sampling, so the output at (i, j) needs
  only a few rows above and a few columns either side: each layer keeps a
  ring buffer of its last rows and, at step ``t``, computes the positions
  ``(i, j)`` with ``j + d i = t - lag(layer)`` for all rows at once (a
  wavefront: row ``i + 1`` runs ``d`` columns behind row ``i``).

Schedule. The u stream at row i depends on rows < i only but reaches one
column to the right per 2 x 3 convolution; there are ``2B + 1`` of them
(``B`` blocks), so u layer ``m`` (0 = the input convolution, then the two
convolutions of each block) runs ``2B - m`` steps *ahead* of the ul stream
(``lag = m - 2B``), which reads it at the same position. The ul stream and the
output run at lag 0; a sampled pixel (i, j) is read by the u input
convolution of row i + 1 at column j - 1, which runs at step
``j - 1 + d (i + 1) - 2B``; that must come after step ``j + d i``, hence
``d = 2B + 2`` (14 for the paper's 6 blocks). A 256 x 256 image takes
``W + d (H - 1) + 2B`` steps (3838) of about ``ceil(W / d)`` positions each,
instead of 65,536 full passes. Every layer value is the same sum of the same
products as in the network's convolutions, taken in another order, so the
parameters agree to float32 rounding and the sampled 8-bit images are equal
(a different image would need a continuous draw within ~1e-6 of a bin edge).
"""
import functools
import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from ..losses.discretized_logistic_mixture_loss import sample_from_mixture
from .pixelcnn import ConditionalPixelCNN
from .pixelcnn_layers import WNConv2d

Taps = Sequence[Tuple[int, int]]


def make_draws(batch: int, channels: int, num_mix: int, height: int, width: int,
               generator: Optional[torch.Generator] = None) -> Dict[str, torch.Tensor]:
    """Uniform draws for one sample: ``gumbel`` N x K x H x W, ``logistic`` N x C x H x W."""
    return dict(gumbel=torch.rand(batch, num_mix, height, width, generator=generator),
                logistic=torch.rand(batch, channels, height, width, generator=generator))


def _check(model: ConditionalPixelCNN, cond: torch.Tensor, draws: Dict[str, torch.Tensor]) -> None:
    n, _, h, w = cond.shape
    want = dict(gumbel=(n, model.num_mix, h, w), logistic=(n, model.in_channels, h, w))
    for key, shape in want.items():
        if key not in draws or tuple(draws[key].shape) != shape:
            got = tuple(draws[key].shape) if key in draws else None
            raise ValueError(f'draws[{key!r}] must have shape {shape}, got {got}')


def _in_eval_mode(sampler: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """Both samplers draw from the model without dropout (the fast one reads the
    weights and has no dropout to apply, so the naive one must not either): eval
    mode inside, the caller's mode of every submodule restored after."""
    @functools.wraps(sampler)
    def wrapped(model: ConditionalPixelCNN, *args, **kwargs) -> torch.Tensor:
        modes = [(m, m.training) for m in model.modules()]
        model.eval()
        try:
            return sampler(model, *args, **kwargs)
        finally:
            for m, mode in modes:
                m.train(mode)
    return wrapped


@_in_eval_mode
@torch.no_grad()
def sample_naive(model: ConditionalPixelCNN, cond: torch.Tensor, draws: Dict[str, torch.Tensor],
                 num_bins: Optional[int] = 256,
                 progress: Optional[Callable[[int], None]] = None) -> torch.Tensor:
    """One full network pass per pixel. cond: N x C_c x H x W clean image in [-1, 1].

    Returns: N x C x H x W degraded sample in [-1, 1] (8-bit levels unless
    ``num_bins`` is None). Runs in eval mode (no dropout) whatever the model's
    mode, which is restored after.
    """
    _check(model, cond, draws)
    n, _, h, w = cond.shape
    x = cond.new_zeros(n, model.in_channels, h, w)
    for i in range(h):
        for j in range(w):
            params = model(x, cond)[:, :, i, j]
            x[:, :, i, j] = sample_from_mixture(params, model.in_channels,
                                                draws['gumbel'][:, :, i, j],
                                                draws['logistic'][:, :, i, j], num_bins)
        if progress is not None:
            progress(w)
    return x


class _Tables:
    """Positions of each wavefront step and their gather indices into the ring buffers."""

    def __init__(self, h: int, w: int, d: int, ring: int) -> None:
        self.h, self.w, self.d, self.ring = h, w, d, ring
        ii, jj = np.meshgrid(np.arange(h), np.arange(w), indexing='ij')
        ii, jj = ii.ravel(), jj.ravel()
        s = jj + d * ii
        order = np.argsort(s, kind='stable')
        self.rows, self.cols = ii[order], jj[order]
        counts = np.bincount(s[order], minlength=int(s.max()) + 1)
        self.ends = np.cumsum(counts)
        self.starts = self.ends - counts
        self.num_s = len(counts)
        self._cache: Dict[Tuple, torch.Tensor] = {}

    def span(self, s: int) -> Optional[Tuple[int, int]]:
        if s < 0 or s >= self.num_s or self.starts[s] == self.ends[s]:
            return None
        return int(self.starts[s]), int(self.ends[s])

    def ring_index(self, taps: Taps) -> torch.Tensor:
        """(positions x taps) flat indices into an (ring + 1) x (W + 2) buffer."""
        key = ('ring', tuple(taps))
        if key not in self._cache:
            cols = []
            for di, dj in taps:
                r = self.rows + di
                slot = np.where(r < 0, self.ring, r % self.ring)
                cols.append(slot * (self.w + 2) + self.cols + dj + 1)
            self._cache[key] = torch.from_numpy(np.stack(cols, 1).astype(np.int64))
        return self._cache[key]

    def image_index(self) -> torch.Tensor:
        key = ('image',)
        if key not in self._cache:
            self._cache[key] = torch.from_numpy((self.rows * self.w + self.cols).astype(np.int64))
        return self._cache[key]

    def mask(self, what: str) -> torch.Tensor:
        """1 where the position is not on the first row ('row') / column ('col')."""
        key = ('mask', what)
        if key not in self._cache:
            v = self.rows if what == 'row' else self.cols
            self._cache[key] = torch.from_numpy((v > 0).astype(np.float32)).unsqueeze(1)
        return self._cache[key]


def _dense(conv: WNConv2d, taps_order: Taps) -> Tuple[torch.Tensor, torch.Tensor]:
    """The kernel as a (taps * C_in) x C_out matrix in the order of ``taps_order``
    (tap (r, s) of the kernel listed as its (row, column) index) and the bias."""
    weight = conv.weight()
    rows = [weight[:, :, r, s] for r, s in taps_order]       # each C_out x C_in
    return torch.cat(rows, dim=1).t().contiguous(), conv.bias.detach().clone()


def _conv_taps(conv: WNConv2d) -> Tuple[List[Tuple[int, int]], List[Tuple[int, int]]]:
    """Kernel indices (r, s) and the (di, dj) offsets they read, from the padding."""
    kh, kw = conv.kernel_size
    left, _, top, _ = conv.pad
    kernel, offsets = [], []
    for r in range(kh):
        for s in range(kw):
            kernel.append((r, s))
            offsets.append((r - top, s - left))
    return kernel, offsets


class _Node:
    """One convolution evaluated at gathered positions of a ring buffer."""

    def __init__(self, conv: WNConv2d, tables: _Tables, elu_input: bool,
                 row_offset: int = 0, col_offset: int = 0) -> None:
        kernel, offsets = _conv_taps(conv)
        self.weight, self.bias = _dense(conv, kernel)
        self.index = tables.ring_index([(di + row_offset, dj + col_offset)
                                        for di, dj in offsets])
        self.taps = len(offsets)
        self.elu_input = elu_input

    def gather(self, flat: torch.Tensor, a: int, b: int) -> torch.Tensor:
        """(N P) x (T C') inputs of the positions a:b (C' = 2C after concat_elu)."""
        g = flat[:, self.index[a:b].reshape(-1)]                  # N x (P T) x C
        if self.elu_input:
            g = F.elu(torch.cat([g, -g], dim=2))
        return g.reshape(flat.shape[0] * (b - a), -1)

    def __call__(self, flat: torch.Tensor, a: int, b: int) -> torch.Tensor:
        return torch.addmm(self.bias, self.gather(flat, a, b), self.weight)


class _SumNode:
    """Two convolutions of two buffers summed (the ul block's conv_in + nin of u), as one
    matrix product over the concatenated inputs."""

    def __init__(self, first: _Node, second: _Node) -> None:
        self.first, self.second = first, second
        self.weight = torch.cat([first.weight, second.weight], dim=0)
        self.bias = first.bias + second.bias

    def __call__(self, flat1: torch.Tensor, flat2: torch.Tensor, a: int, b: int) -> torch.Tensor:
        g = torch.cat([self.first.gather(flat1, a, b), self.second.gather(flat2, a, b)], dim=1)
        return torch.addmm(self.bias, g, self.weight)


@_in_eval_mode
@torch.no_grad()
def sample_fast(model: ConditionalPixelCNN, cond: torch.Tensor, draws: Dict[str, torch.Tensor],
                num_bins: Optional[int] = 256,
                progress: Optional[Callable[[int], None]] = None) -> torch.Tensor:
    """Wavefront generation with per-layer ring buffers (module docstring).

    Same arguments and result as :func:`sample_naive`, for the same draws (eval
    mode too, the caller's mode restored after).
    """
    _check(model, cond, draws)
    n, _, h, w = cond.shape
    nb, ch, c_in = model.num_blocks, model.channels, model.in_channels
    d = 2 * nb + 2
    ring = min(h, 3 + math.ceil((w + 2 * nb) / d))
    tables = _Tables(h, w, d, ring)
    dtype = cond.dtype

    def buffer(channels: int) -> torch.Tensor:
        return cond.new_zeros(n, (ring + 1) * (w + 2), channels, dtype=dtype)

    # the clean-image terms are convolutions of a known image: computed once, as in the network
    image = tables.image_index()
    # per-pixel inputs and outputs are kept in wavefront order: a step reads a slice
    def in_step_order(x: torch.Tensor) -> torch.Tensor:            # N x C x H x W
        return x.permute(0, 2, 3, 1).reshape(n, h * w, -1)[:, image].contiguous()
    cond_maps = [[in_step_order(blk.cond(cond)) for blk in blocks]
                 for blocks in (model.u_blocks, model.ul_blocks)]
    x_buf = buffer(c_in + 1)
    u_bufs = [buffer(ch) for _ in range(nb + 1)]
    uc_bufs = [buffer(ch) for _ in range(nb)]
    ul_bufs = [buffer(ch) for _ in range(nb + 1)]
    ulc_bufs = [buffer(ch) for _ in range(nb)]
    out = cond.new_zeros(n, h * w, c_in)

    # u_0(i, j) = conv(x)(i - 1, j): the down shift is a row offset of -1
    u0 = _Node(model.u_init, tables, False, row_offset=-1)
    ul_up = _Node(model.ul_init_up, tables, False, row_offset=-1)
    ul_left = _Node(model.ul_init_left, tables, False, col_offset=-1)
    u_in = [_Node(b.conv_in, tables, True) for b in model.u_blocks]
    u_out = [_Node(b.conv_out, tables, True) for b in model.u_blocks]
    ul_in = [_SumNode(_Node(b.conv_in, tables, True), _Node(b.skip, tables, True))
             for b in model.ul_blocks]
    ul_out = [_Node(b.conv_out, tables, True) for b in model.ul_blocks]
    head = _Node(model.out, tables, False)
    here = tables.ring_index([(0, 0)])
    row_mask, col_mask = tables.mask('row'), tables.mask('col')
    gumbel, logistic = in_step_order(draws['gumbel']), in_step_order(draws['logistic'])
    ones = cond.new_ones(1, 1, 1)

    def put(buf: torch.Tensor, a: int, b: int, value: torch.Tensor) -> None:
        buf[:, here[a:b, 0]] = value.view(n, b - a, -1)

    def gate(res_buf: torch.Tensor, c2: torch.Tensor, cond_map: torch.Tensor,
             a: int, b: int) -> torch.Tensor:
        c2 = c2.view(n, b - a, -1) + cond_map[:, a:b]
        gate_a, gate_b = c2.chunk(2, dim=2)
        return res_buf[:, here[a:b, 0]] + gate_a * torch.sigmoid(gate_b)

    last = (w - 1) + d * (h - 1)
    for t in range(-2 * nb, last + 1):
        # u stream, layer m at lag m - 2B (m = 0: input convolution)
        span = tables.span(t + 2 * nb)
        if span is not None:
            a, b = span
            put(u_bufs[0], a, b, u0(x_buf, a, b).view(n, b - a, -1) * row_mask[a:b])
        for k in range(nb):
            span = tables.span(t + 2 * nb - (2 * k + 1))
            if span is not None:
                a, b = span
                put(uc_bufs[k], a, b, u_in[k](u_bufs[k], a, b))
            span = tables.span(t + 2 * nb - (2 * k + 2))
            if span is not None:
                a, b = span
                put(u_bufs[k + 1], a, b, gate(u_bufs[k], u_out[k](uc_bufs[k], a, b),
                                              cond_maps[0][k], a, b))
        # ul stream and output at lag 0
        span = tables.span(t)
        if span is None:
            continue
        a, b = span
        up = ul_up(x_buf, a, b).view(n, b - a, -1) * row_mask[a:b]
        left = ul_left(x_buf, a, b).view(n, b - a, -1) * col_mask[a:b]
        put(ul_bufs[0], a, b, up + left)
        for k in range(nb):
            c1 = ul_in[k](ul_bufs[k], u_bufs[k + 1], a, b)
            put(ulc_bufs[k], a, b, c1)
            put(ul_bufs[k + 1], a, b, gate(ul_bufs[k], ul_out[k](ulc_bufs[k], a, b),
                                           cond_maps[1][k], a, b))
        params = F.elu(ul_bufs[nb][:, here[a:b, 0]]).reshape(-1, ch)
        params = torch.addmm(head.bias, params, head.weight)
        value = sample_from_mixture(params, c_in, gumbel[:, a:b].reshape(n * (b - a), -1),
                                    logistic[:, a:b].reshape(n * (b - a), -1), num_bins)
        value = value.view(n, b - a, c_in)
        out[:, a:b] = value
        x_buf[:, here[a:b, 0]] = torch.cat([value, ones.expand(n, b - a, 1)], dim=2)
        if progress is not None:
            progress(b - a)
    result = torch.empty_like(out)
    result[:, image] = out                                          # back to raster order
    return result.view(n, h, w, c_in).permute(0, 3, 1, 2).contiguous()
