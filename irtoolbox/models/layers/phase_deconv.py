"""A transposed convolution and its adjoint as stride-1 convolutions over output phases.

DL-Net's likelihood head runs its output layer h (a transposed convolution to
a handful of image channels) and h's transpose K - 1 times per image, so their
speed sets the head's overhead. On CPU, oneDNN's and PyTorch's native
transposed convolutions to 3 channels run far below the throughput of the
big convolutions (``docs/benchmarks.md``). This module computes the same
arithmetic with the stride-1 convolutions oneDNN runs fast:

Output index ``r = s q + a`` of a transposed convolution (kernel k, stride s,
padding p) only receives the taps ``t = t0(a) + m s`` with ``t0(a) = (a + p) mod s``,
from input ``i = q + floor((a + p) / s) - m``. So each of the ``s^2`` output
phases ``(a, b)`` is a stride-1 correlation of the input with a small kernel
(at most ``ceil(k / s)`` taps a side) and the transposed convolution is one
stride-1 convolution with ``C_out s^2`` output channels followed by
interleaving the phases (a pixel shuffle in which each phase starts at its own
offset, so no phase carries zero taps where another does not need them:
DL-Net's 4x4 stride-2 h becomes an exact 2x2 convolution). Its adjoint (the
gradient w.r.t. the input, a stride-s convolution) is the transposed
arithmetic: phases placed back at their offsets, then one stride-1
convolution with the flipped, transposed kernel.

Both are plain differentiable tensor ops, so a graph through them (DL-Net's
unrolled refinement in training) has second-order gradients w.r.t. the input
and the weight without the double backward of a transposed convolution.
Results equal :func:`torch.nn.functional.conv_transpose2d` up to float
rounding (tested for many kernel, stride and padding combinations).
"""
from functools import lru_cache
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F


class _AxisPlan:
    """The phase layout of one spatial axis of a transposed convolution.

    Args:
        kernel: kernel length k.
        stride: stride s.
        padding: padding p.
        in_len: input length n.
        out_len: output length L, ``(n - 1) s - 2 p + k + output_padding``.
    """

    def __init__(self, kernel: int, stride: int, padding: int, in_len: int,
                 out_len: int) -> None:
        self.stride = stride
        self.out_len = out_len
        taps, lows = [], []
        for a in range(stride):
            t0 = (a + padding) % stride
            count = len(range(t0, kernel, stride))
            # Window position j (0-based, left-aligned) reads input q + low + j
            # with tap t0 + (count - 1 - j) s.
            taps.append([t0 + (count - 1 - j) * stride for j in range(count)])
            lows.append((a + padding) // stride - count + 1)
        self.width = max(len(t) for t in taps)  # the stride-1 kernel length
        self.taps = taps
        self.per_phase = -(-out_len // stride)  # q = 0 .. per_phase - 1 (cropped to L)
        # Zero padding on both sides (the convolution's own, no extra copy of
        # the input): enough for the lowest window start and the last output.
        below = max(0, -min(lows))
        above = max(low + below for low in lows) + self.per_phase + self.width - 1 - in_len
        self.pad = max(below, above)
        # conv output u = q + low + pad for phase a
        self.starts = [low + self.pad for low in lows]
        self.conv_len = in_len + 2 * self.pad - self.width + 1
        self.in_len = in_len


@lru_cache(maxsize=64)
def _plans(kernel: Tuple[int, int], stride: Tuple[int, int], padding: Tuple[int, int],
           in_hw: Tuple[int, int], out_hw: Tuple[int, int]) -> Tuple[_AxisPlan, _AxisPlan]:
    return tuple(_AxisPlan(kernel[d], stride[d], padding[d], in_hw[d], out_hw[d])
                 for d in range(2))


@lru_cache(maxsize=64)
def _gather_index(kernel: Tuple[int, int], plans: Tuple[_AxisPlan, _AxisPlan],
                  out_channels: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Index into the flattened ``(C_in, C_out, kh, kw)`` weight's ``(C_out, kh, kw)``
    part for every entry of the ``(C_out s_h s_w, kh', kw')`` phase kernel, and
    the mask of entries that are real taps (the rest are zero)."""
    ph, pw = plans
    index = torch.zeros(out_channels, ph.stride, pw.stride, ph.width, pw.width,
                        dtype=torch.long)
    valid = torch.zeros(index.shape, dtype=torch.bool)
    for a, taps_h in enumerate(ph.taps):
        for b, taps_w in enumerate(pw.taps):
            for jh, th in enumerate(taps_h):
                for jw, tw in enumerate(taps_w):
                    for o in range(out_channels):
                        index[o, a, b, jh, jw] = (o * kernel[0] + th) * kernel[1] + tw
                        valid[o, a, b, jh, jw] = True
    shape = (out_channels * ph.stride * pw.stride, ph.width, pw.width)
    return index.reshape(shape), valid.reshape(shape)


def _phase_kernel(weight: torch.Tensor, plans: Tuple[_AxisPlan, _AxisPlan]) -> torch.Tensor:
    """The ``(C_out s_h s_w) x C_in x kh' x kw'`` stride-1 kernel (differentiable in weight)."""
    c_in, c_out, kh, kw = weight.shape
    index, valid = _gather_index((kh, kw), plans, c_out)
    index, valid = index.to(weight.device), valid.to(weight.device)
    flat = weight.reshape(c_in, c_out * kh * kw)
    kernel = flat[:, index] * valid.to(weight.dtype)  # C_in x (C_out s s) x kh' x kw'
    return kernel.transpose(0, 1)


def _plans_for(weight: torch.Tensor, in_hw: Tuple[int, int], stride: Tuple[int, int],
               padding: Tuple[int, int], output_padding: Tuple[int, int]
               ) -> Tuple[_AxisPlan, _AxisPlan]:
    kernel = tuple(weight.shape[-2:])
    out_hw = tuple((in_hw[d] - 1) * stride[d] - 2 * padding[d] + kernel[d] + output_padding[d]
                   for d in range(2))
    return _plans(kernel, tuple(stride), tuple(padding), tuple(in_hw), out_hw)


def _channels_last(x: torch.Tensor) -> torch.Tensor:
    # oneDNN's direct convolutions are fastest on NHWC; a no-op when x already is.
    return x.contiguous(memory_format=torch.channels_last)


class PhaseDeconv:
    """A transposed convolution with given weights, input size, stride and
    padding, split into its output phases, for repeated use (DL-Net's K - 1
    refinement steps build it once).

    Three coordinate systems: the input x (``N x C_in x H x W``), the output
    image (``N x C_out x H' x W'``) and the phase grid, the output of the
    stride-1 convolution (``N x (C_out s_h s_w) x U x U'``), in which phase
    ``(a, b)`` of channel o is channel ``(o s_h + a) s_w + b`` and output row
    ``s q + a`` sits at row ``start_a + q``; grid entries no output pixel maps
    to are never read by :meth:`interleave` and are zero after :meth:`split`.
    A per-pixel operation (DL-Net's masked residual) can be done in the phase
    grid, which saves the interleave and the split of every step.

    Args:
        weight: ``C_in x C_out x kh x kw`` (differentiable: the kernels are
            gathered from it).
        in_hw: ``(H, W)`` of x.
        stride, padding, output_padding: those of the transposed convolution.
    """

    def __init__(self, weight: torch.Tensor, in_hw: Tuple[int, int],
                 stride: Tuple[int, int] = (1, 1), padding: Tuple[int, int] = (0, 0),
                 output_padding: Tuple[int, int] = (0, 0)) -> None:
        self.plans = _plans_for(weight, tuple(in_hw), stride, padding, output_padding)
        self.out_channels = weight.shape[1]
        self.kernel = _phase_kernel(weight, self.plans)
        self._adjoint_kernel = None

    def phases(self, x: torch.Tensor) -> torch.Tensor:
        """The phase grid of ``conv_transpose2d(x)`` (no bias): one stride-1 conv."""
        ph, pw = self.plans
        return F.conv2d(x, self.kernel, padding=(ph.pad, pw.pad))

    def interleave(self, grid: torch.Tensor) -> torch.Tensor:
        """The ``N x C_out x H' x W'`` image of a phase grid."""
        ph, pw = self.plans
        n = grid.shape[0]
        grid = grid.reshape(n, self.out_channels, ph.stride, pw.stride, ph.conv_len, pw.conv_len)
        rows: List[torch.Tensor] = []
        for a, start_h in enumerate(ph.starts):
            cols = [grid[:, :, a, b, start_h:start_h + ph.per_phase,
                         start_w:start_w + pw.per_phase]
                    for b, start_w in enumerate(pw.starts)]
            rows.append(torch.stack(cols, dim=-1))  # N x C x Q x Q' x s_w
        out = torch.stack(rows, dim=3)  # N x C x Q x s_h x Q' x s_w
        out = out.reshape(n, self.out_channels, ph.per_phase * ph.stride,
                          pw.per_phase * pw.stride)
        return out[..., :ph.out_len, :pw.out_len]

    def split(self, image: torch.Tensor) -> torch.Tensor:
        """The phase grid of an ``N x C_out x H' x W'`` image (the transpose of
        :meth:`interleave`: zeros where no output pixel maps)."""
        ph, pw = self.plans
        n = image.shape[0]
        image = F.pad(image, (0, pw.per_phase * pw.stride - pw.out_len,
                              0, ph.per_phase * ph.stride - ph.out_len))
        image = image.reshape(n, -1, ph.per_phase, ph.stride, pw.per_phase, pw.stride)
        phases = [F.pad(image[:, :, :, a, :, b],
                        (start_w, pw.conv_len - start_w - pw.per_phase,
                         start_h, ph.conv_len - start_h - ph.per_phase))
                  for a, start_h in enumerate(ph.starts) for b, start_w in enumerate(pw.starts)]
        return torch.stack(phases, dim=2).reshape(n, -1, ph.conv_len, pw.conv_len)

    def adjoint_of_phases(self, grid: torch.Tensor) -> torch.Tensor:
        """The adjoint of :meth:`phases`: ``N x C_in x H x W`` from a phase grid
        (an NHWC result: the conv runs on NHWC)."""
        ph, pw = self.plans
        # The correlation with the flipped kernel reads grid rows i + shift ..
        # i + shift + width - 1 for input row i.
        shift_h, shift_w = ph.width - 1 - ph.pad, pw.width - 1 - pw.pad
        len_h, len_w = ph.in_len + ph.width - 1, pw.in_len + pw.width - 1
        pads = (shift_w, len_w - shift_w - pw.conv_len, shift_h, len_h - shift_h - ph.conv_len)
        if any(pads):
            grid = F.pad(grid, pads)
        if self._adjoint_kernel is None:
            self._adjoint_kernel = self.kernel.flip(2, 3).transpose(0, 1)
        return F.conv2d(_channels_last(grid), self._adjoint_kernel)


def phase_conv_transpose2d(x: torch.Tensor, weight: torch.Tensor,
                           bias: Optional[torch.Tensor] = None,
                           stride: Tuple[int, int] = (1, 1), padding: Tuple[int, int] = (0, 0),
                           output_padding: Tuple[int, int] = (0, 0)) -> torch.Tensor:
    """``F.conv_transpose2d(x, weight, bias, stride, padding, output_padding)``
    (groups 1, dilation 1) as one stride-1 convolution and a phase interleave.

    x: ``N x C_in x H x W``; weight: ``C_in x C_out x kh x kw``.
    Returns: ``N x C_out x H' x W'``, ``H' = (H - 1) s - 2 p + kh + output_padding``.
    """
    deconv = PhaseDeconv(weight, tuple(x.shape[-2:]), stride, padding, output_padding)
    out = deconv.interleave(deconv.phases(x))
    return out if bias is None else out + bias.view(1, -1, 1, 1)


def phase_conv_transpose2d_adjoint(grad: torch.Tensor, weight: torch.Tensor,
                                   in_hw: Tuple[int, int], stride: Tuple[int, int] = (1, 1),
                                   padding: Tuple[int, int] = (0, 0),
                                   output_padding: Tuple[int, int] = (0, 0)) -> torch.Tensor:
    """The adjoint of :func:`phase_conv_transpose2d` in its input: the gradient
    w.r.t. ``x`` of ``<conv_transpose2d(x, weight, ...), grad>``, which is
    ``F.conv2d(grad, weight, stride=stride, padding=padding)``.

    grad: ``N x C_out x H' x W'``; in_hw: ``(H, W)`` of x.
    Returns: ``N x C_in x H x W``.
    """
    deconv = PhaseDeconv(weight, tuple(in_hw), stride, padding, output_padding)
    return deconv.adjoint_of_phases(deconv.split(grad))


def channels_last_copy(x: torch.Tensor) -> torch.Tensor:
    """A channels_last (NHWC) copy of the ``N x C x H x W`` tensor x.

    Made one sample at a time, as 2-D transposes: on CPU PyTorch's batched
    NCHW -> NHWC copy is about 3x slower (3.3 vs 1.0 ms for DL-Net's z of
    16 x 64 x 32 x 32, one thread).
    """
    n, c, h, w = x.shape
    out = x.new_empty((n, h, w, c))
    for i in range(n):
        out[i].view(h * w, c).copy_(x[i].reshape(c, h * w).t())
    return out.permute(0, 3, 1, 2)
