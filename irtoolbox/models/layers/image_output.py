"""The output sub-network h of DL-Net (Guo et al., "Deep Likelihood Network for
Image Restoration with Multiple Degradation Levels", Sec. III-C, Fig. 2).

The reference network is split as f = h o g: g (a backbone) ends at z, the
last hidden representation before its activation, and h is that activation
followed by one convolution or transposed convolution to the image. Where a
backbone has a global skip (the SISR backbones of Sec. IV-E work at low
resolution and add a bicubic upscaling of their input), the skip is part of h,
so that h(z) is the whole image the likelihood compares with y.

The same module is the last layer of a backbone used alone
(``with_output_layer=True``) and the h of :class:`LikelihoodHead`, so a
checkpoint of one loads into the other.
"""
import contextlib
from types import MappingProxyType
from typing import Iterator, Mapping, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule

from irtoolbox.degradations.downsample import resize_matrix
from irtoolbox.registry import MODELS

from .phase_deconv import PhaseDeconv, phase_conv_transpose2d

RELU_CFG = MappingProxyType(dict(type='ReLU'))  # read-only default: h opens with a ReLU


def bicubic_upscale(x: torch.Tensor, scale: int) -> torch.Tensor:
    """MATLAB ``imresize(x, scale)`` (bicubic, the matrices of the data pipeline).

    x: ``N x C x H x W``. Returns ``N x C x sH x sW``; identity for ``scale`` 1.
    """
    if scale == 1:
        return x
    h, w = x.shape[-2:]
    rh, rw = (torch.as_tensor(np.array(resize_matrix(n, n * scale, float(scale))),
                              dtype=x.dtype, device=x.device) for n in (h, w))
    return torch.einsum('oh,nchw,pw->ncop', rh, x, rw)


@contextlib.contextmanager
def _onednn_disabled() -> Iterator[None]:
    # torch.backends.mkldnn.flags() would also reset oneDNN's TF32 setting,
    # which warns on every CPU-only build; only the enabled switch is needed.
    previous = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = previous


#: output activations whose derivative is a function of their output
#: (:meth:`ImageOutputLayer.traceable_input_gradient`)
OUTPUT_ACTIVATION_SLOPES = {
    nn.Tanh: lambda out: 1 - out * out,
    nn.Sigmoid: lambda out: out * (1 - out),
}


@MODELS.register_module()
class ImageOutputLayer(BaseModule):
    """h(z) = conv(act(z)) [+ bicubic_up(y)] [then out_act].

    Args:
        in_channels: channels of z. Required.
        out_channels: image channels. Default: 3.
        act_cfg: the activation that opens h (the one z is taken before);
            ``None``: none, for a backbone whose last conv reads features
            without an activation (FDR-Net's tail; the older spelling
            ``dict(type='Identity')`` means the same). Default: ``dict(type='ReLU')``.
        conv_type: ``'deconv'`` (transposed conv) or ``'conv'``. Default: ``'deconv'``.
        kernel_size: kernel side. Default: 4.
        stride: stride (the upscaling factor of a transposed conv). Default: 2.
        padding: padding. Default: 1.
        output_padding: extra output rows/columns of a transposed conv. Default: 0.
        bias: give the conv a bias (the released DL-Net code has none). Default: False.
        global_skip: ``None``, ``'bicubic'`` (add the bicubic upscaling of the
            network input by ``stride``: VDSR/DRRN/IDN at low resolution) or
            ``'identity'`` (add the input itself: a same-size residual network
            such as FDR-Net). Default: None.
        out_act_cfg: activation after everything (e.g. the Tanh of pix2pix's
            U-Net). Default: None.
        init_cfg: mmengine initialisation config. Default: None (MSRA normal,
            the paper's initialisation of (up-)convolutional layers).
    """

    def __init__(self, in_channels: int, out_channels: int = 3,
                 act_cfg: Optional[Mapping] = RELU_CFG,
                 conv_type: str = 'deconv', kernel_size: int = 4, stride: int = 2,
                 padding: int = 1, output_padding: int = 0, bias: bool = False,
                 global_skip: Optional[str] = None, out_act_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if conv_type not in ('deconv', 'conv'):
            raise ValueError(f"ImageOutputLayer: conv_type must be 'deconv' or 'conv', "
                             f'got {conv_type!r}')
        if global_skip not in (None, 'bicubic', 'identity'):
            raise ValueError(f"ImageOutputLayer: global_skip must be None, 'bicubic' or "
                             f"'identity', got {global_skip!r}")
        # None: no activation (mmcv has no 'Identity' activation; that spelling is kept)
        self.act = nn.Identity() if act_cfg is None or act_cfg.get('type') == 'Identity' \
            else build_activation_layer(dict(act_cfg))
        if conv_type == 'deconv':
            self.conv = nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride,
                                           padding, output_padding=output_padding, bias=bias)
            self.scale = int(stride)
        else:
            self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding,
                                  bias=bias)
            self.scale = 1
        self.global_skip = global_skip
        self.out_act = build_activation_layer(out_act_cfg) if out_act_cfg else None
        self.out_channels = out_channels

    def init_weights(self) -> None:
        super().init_weights()
        if self.init_cfg is None:
            nn.init.kaiming_normal_(self.conv.weight, mode='fan_out', nonlinearity='relu')
            if self.conv.bias is not None:
                nn.init.zeros_(self.conv.bias)

    def forward(self, z: torch.Tensor, inputs: Optional[torch.Tensor] = None) -> torch.Tensor:
        """z: ``N x C_z x h x w`` features (before the activation); inputs: the
        ``N x C x H x W`` network input, needed only with ``global_skip``.

        Returns: ``N x out_channels x H' x W'`` image in the model's normalised range.
        """
        out = self.conv_forward(self.act(z))
        if self.global_skip is not None:
            if inputs is None:
                raise ValueError(f'ImageOutputLayer(global_skip={self.global_skip!r}) needs '
                                 'the network input')
            skip = inputs if self.global_skip == 'identity' else bicubic_upscale(inputs,
                                                                                 self.scale)
            out = out + skip[..., :out.shape[-2], :out.shape[-1]]
        if self.out_act is not None:
            out = self.out_act(out)
        return out

    def _native_kernel_flags(self, x: torch.Tensor):
        # oneDNN's (transposed) convs with a handful of output channels run at a
        # fraction of PyTorch's native kernels' speed on NCHW CPU tensors (3 vs
        # 7 ms for DL-Net's h at batch 16; benchmarks/bench_likelihood_head.py).
        if x.device.type == 'cpu' and self.conv.out_channels <= 4:
            return _onednn_disabled()
        return contextlib.nullcontext()

    def _phase_path(self, x: torch.Tensor) -> bool:
        # An NHWC (channels_last) z on CPU, as LikelihoodHead refines it: the
        # transposed conv runs as stride-1 phase convs, at oneDNN's full speed.
        return isinstance(self.conv, nn.ConvTranspose2d) and x.device.type == 'cpu' \
            and x.dim() == 4 and not x.is_contiguous() \
            and x.is_contiguous(memory_format=torch.channels_last)

    def conv_forward(self, features: torch.Tensor) -> torch.Tensor:
        """The (transposed) convolution of h on ``act(z)`` (``N x C_z x h x w``)."""
        conv = self.conv
        if self._phase_path(features):
            return phase_conv_transpose2d(features, conv.weight, conv.bias, conv.stride,
                                          conv.padding, conv.output_padding)
        with self._native_kernel_flags(features):
            return conv(features)

    def input_gradient(self, z: torch.Tensor, grad_out: torch.Tensor,
                       inputs: Optional[torch.Tensor] = None,
                       create_graph: bool = False) -> torch.Tensor:
        """h's transpose: ``dL/dz`` from ``grad_out = dL/dh(z)`` (a vector-Jacobian product).

        z: ``N x C_z x h x w``; grad_out: ``N x out_channels x H' x W'`` (the
        shape of ``forward(z)``); inputs: the network input (only the
        generic path of a ``global_skip`` layer reads it). Returns ``N x C_z x h x w``.

        A ReLU / LeakyReLU / identity activation before the (transposed) conv,
        with no output activation, has the closed form ``act'(z) * conv^T(grad_out)``:
        plain tensor ops, so a graph through the result has second-order
        gradients w.r.t. z and the weight (DL-Net's unrolled training). Any
        other h goes through autograd (``create_graph`` keeps the graph).
        """
        if not self._has_closed_form_transpose():
            with torch.enable_grad():
                leaf = z if z.requires_grad else z.detach().requires_grad_(True)
                grad, = torch.autograd.grad(self.forward(leaf, inputs), leaf, grad_out,
                                            create_graph=create_graph)
            return grad
        deconv = self.phase_deconv(z)
        if deconv is not None:
            grad = deconv.adjoint_of_phases(deconv.split(grad_out))
        else:
            with self._native_kernel_flags(z):
                grad = self._conv_adjoint(grad_out, tuple(z.shape[-2:]))
        return self.activation_gradient(z, grad)

    def _has_closed_form_transpose(self) -> bool:
        # act'(z) * conv^T needs a piecewise-linear act and nothing after the conv
        # but the skip, which does not depend on z.
        return self.out_act is None and self._activation_slope() is not None

    def traceable_transpose_problem(self) -> Optional[str]:
        """Why h's transpose has no closed form for every h a graph can hold
        (:meth:`traceable_input_gradient`), or None when it has one."""
        if self._activation_slope() is None:
            return (f"h's activation {type(self.act).__name__} is not ReLU / LeakyReLU / "
                    'identity')
        if self.out_act is not None and type(self.out_act) not in OUTPUT_ACTIVATION_SLOPES:
            return (f"h's output activation {type(self.out_act).__name__} is not one of "
                    f'{", ".join(t.__name__ for t in OUTPUT_ACTIVATION_SLOPES)}')
        return None

    def traceable_input_gradient(self, z: torch.Tensor, grad_out: torch.Tensor,
                                 out: torch.Tensor) -> torch.Tensor:
        """h's transpose in closed form, as tensor ops a traced graph holds:
        ``act'(z) * conv^T(out_act'(out) * grad_out)``, ``out = h(z)`` (the output
        activation's derivative from its output: tanh' = 1 - h^2, sigmoid' =
        h (1 - h)). Shapes as :meth:`input_gradient`; needs
        :meth:`traceable_transpose_problem` to be None."""
        if self.out_act is not None:
            grad_out = grad_out * OUTPUT_ACTIVATION_SLOPES[type(self.out_act)](out)
        return self.activation_gradient(z, self._conv_adjoint(grad_out, tuple(z.shape[-2:])))

    def phase_deconv(self, z: torch.Tensor) -> Optional[PhaseDeconv]:
        """h's transposed conv split into output phases for inputs shaped like z,
        when h runs that way (NHWC z on CPU, a ReLU / LeakyReLU / identity
        activation, no output activation); None otherwise."""
        if not (self._phase_path(z) and self._has_closed_form_transpose()):
            return None
        conv = self.conv
        return PhaseDeconv(conv.weight, tuple(z.shape[-2:]), conv.stride, conv.padding,
                           conv.output_padding)

    def activation_gradient(self, z: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        """``act'(z) * grad`` for h's piecewise-linear activation."""
        slope = self._activation_slope()
        if slope == 1.0:
            return grad
        if slope == 0.0:  # ReLU: one fused pass, grad where z > 0
            return torch.ops.aten.threshold_backward(grad, z, 0)
        return torch.where(z > 0, grad, grad * slope)

    def _conv_adjoint(self, grad_out: torch.Tensor, in_hw: Tuple[int, int]) -> torch.Tensor:
        """The conv's transpose applied to ``grad_out``, at the input size ``in_hw``."""
        conv = self.conv
        if isinstance(conv, nn.ConvTranspose2d):
            return F.conv2d(grad_out, conv.weight, stride=conv.stride, padding=conv.padding)
        # A strided conv drops the last rows/cols its windows never reach:
        # output_padding gives them back (as zeros of the gradient).
        extra = tuple(in_hw[d] - ((grad_out.shape[2 + d] - 1) * conv.stride[d]
                                  - 2 * conv.padding[d] + conv.kernel_size[d]) for d in range(2))
        return F.conv_transpose2d(grad_out, conv.weight, stride=conv.stride,
                                  padding=conv.padding, output_padding=extra)

    def _activation_slope(self) -> Optional[float]:
        """The negative-side slope of a piecewise-linear act (1 for identity),
        or None for any other activation."""
        if isinstance(self.act, nn.Identity):
            return 1.0
        if isinstance(self.act, nn.ReLU):
            return 0.0
        if isinstance(self.act, nn.LeakyReLU):
            return float(self.act.negative_slope)
        return None


def sisr_output_layer_cfg(in_channels: int, out_channels: int, scale: int,
                          act_cfg: Optional[Mapping], kernel_size: int = 17) -> dict:
    """h of the low-resolution SISR backbones (Sec. IV-E, IDN's reconstruction):
    act, a ``kernel_size`` transposed conv of stride ``scale`` to exactly
    ``scale`` times the input size, plus the bicubic upscaling of the input."""
    if kernel_size % 2 == 0:
        raise ValueError(f'sisr_output_layer_cfg: kernel_size must be odd, got {kernel_size}')
    # (H - 1) s - 2p + k + op = s H  with IDN's p = (k - 1) / 2, so op = s - 1.
    return dict(type='ImageOutputLayer', in_channels=in_channels, out_channels=out_channels,
                act_cfg=act_cfg, conv_type='deconv', kernel_size=kernel_size, stride=scale,
                padding=(kernel_size - 1) // 2, output_padding=scale - 1,
                global_skip='bicubic')


class SISROutputBackbone(BaseModule):
    """Base of the low-resolution SISR backbones (VDSR, DRRN, IDN) split as f = h o g.

    A subclass builds g in ``__init__``, calls :meth:`build_output_layer` and
    ends ``forward`` with :meth:`output`: with ``with_output_layer`` the
    network returns the image h(z, x), otherwise z (the input of
    :class:`LikelihoodHead`'s h, whose checkpoint keys match ``output_layer``).
    """

    def build_output_layer(self, z_channels: int, in_channels: int, scale: int,
                           act_cfg: Optional[Mapping], kernel_size: int,
                           with_output_layer: bool) -> None:
        """Set ``output_layer`` (h, or None without ``with_output_layer``),
        ``scale`` (``scale``, or 1 for z without h: the head holding h upscales)
        and ``out_channels`` (the image's, or z's without h)."""
        self.output_layer = MODELS.build(sisr_output_layer_cfg(
            z_channels, in_channels, scale, act_cfg, kernel_size)) \
            if with_output_layer else None
        # each part's own output/input ratio: z is at the input's resolution, h upscales
        self.scale = int(scale) if with_output_layer else 1
        self.out_channels = in_channels if with_output_layer else z_channels

    def output(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """h(z, x) (the ``N x C x sH x sW`` image) with the output layer, else z."""
        return self.output_layer(z, x) if self.output_layer is not None else z
