"""StyleGAN2 generator (Karras et al., "Analyzing and Improving the Image Quality of
StyleGAN", CVPR 2020), equal to NVlabs/stylegan2-ada-pytorch ``training/networks.py``.

- equalised learning rate (Karras et al. 2018, Sec. 4.1): weights stored as unit
  draws, scaled at run time (fully connected: ``lr_mul / sqrt(fan_in)``);
- mapping: ``z / rms(z)``, ``num_layers`` lrelu FC layers (lr multiplier 0.01),
  ``w_avg`` tracked in training mode, truncation ``w_avg + psi (w - w_avg)`` on
  the first ``cutoff`` rows (all when ``None``);
- modulated convolution with demodulation (Sec. 2.2, Eq. 1-3), fused (one
  grouped conv, per-sample weights) or non-fused (scale activations before and
  after a shared conv): same maths, different float order;
- noise after the conv, before bias + leaky ReLU x sqrt(2) + optional clamp;
- up-sampling: stride-2 transposed conv then the 4 x 4 FIR ``[1,3,3,1]`` filter
  (gain 4); 'skip' ToRGB outputs summed over resolutions (Fig. 7b).

Parameter and buffer names are NVlabs' state-dict keys, so its ``G_ema``
state dict loads strictly. Pure PyTorch (FIR and bias-activation written
plainly); float32 on CPU; blocks at the ``num_fp16_res`` highest resolutions
run in float16 on CUDA only, as NVlabs does (with its overflow guard).

Restorer contract (``LatentRestorer``): ``z_dim``, ``w_dim``, ``num_ws``;
``mapping(z)``: N x w_dim (``broadcast=True``: N x num_ws x w_dim, NVlabs' form);
``synthesis(ws)``: N x num_ws x w_dim -> N x C x H x W in about [-1, 1];
``tracked_mean_latent()``: ``w_avg`` once trained or loaded.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS

NOISE_MODES = ('random', 'const', 'none')
LRELU_GAIN = math.sqrt(2.0)


def fir_filter() -> torch.Tensor:
    """The 4 x 4 up-sampling filter outer([1,3,3,1], [1,3,3,1]) / 64 (sums to 1)."""
    f = torch.tensor([1.0, 3.0, 3.0, 1.0])
    return torch.outer(f, f) / f.sum() ** 2


def upfirdn2d(x: torch.Tensor, f: torch.Tensor, up: int = 1,
              pad: tuple = (0, 0), gain: float = 1.0) -> torch.Tensor:
    """Zero-insert by ``up``, pad (before, after) on both axes, filter with ``f * gain``.

    x: N x C x H x W; f: 4 x 4 symmetric filter. Returns N x C x (H*up + sum(pad) - 3)^2.
    """
    n, c, h, w = x.shape
    if up > 1:  # sample at even positions, zeros after each (NVlabs' upfirdn2d order)
        x = F.pad(x.reshape(n, c, h, 1, w, 1), [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    x = F.pad(x, [pad[0], pad[1], pad[0], pad[1]])
    # the filter is symmetric: correlation == convolution
    weight = (f * gain).to(x.dtype)[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(x, weight, groups=c)


def bias_act(x: torch.Tensor, bias: torch.Tensor, lrelu: bool, gain: float,
             clamp: Optional[float]) -> torch.Tensor:
    """Add per-channel bias; leaky ReLU 0.2 x gain if ``lrelu``; clamp to +-clamp."""
    x = x + bias.to(x.dtype).reshape(1, -1, *([1] * (x.dim() - 2)))
    if lrelu:
        x = F.leaky_relu(x, 0.2)
    if gain != 1:
        x = x * gain
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return x


class FullyConnected(nn.Module):
    """Equalised-lr linear layer: ``x (W lr_mul / sqrt(in))^T + b lr_mul``, optional lrelu."""

    def __init__(self, in_features: int, out_features: int, lrelu: bool = False,
                 lr_multiplier: float = 1.0, bias_init: float = 0.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.lrelu, self.lr_multiplier, self.bias_init = lrelu, lr_multiplier, bias_init
        self.weight_gain = lr_multiplier / math.sqrt(in_features)

    def reset_nvlabs(self) -> None:
        """NVlabs init: weight randn / lr_mul (unit variance after gain), bias = bias_init."""
        with torch.no_grad():
            self.weight.normal_().div_(self.lr_multiplier)
            self.bias.fill_(self.bias_init)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N x in. Returns: N x out."""
        w = self.weight.to(x.dtype) * self.weight_gain
        b = self.bias.to(x.dtype) * self.lr_multiplier
        if not self.lrelu:
            return torch.addmm(b.unsqueeze(0), x, w.t())
        return bias_act(x.matmul(w.t()), b, True, LRELU_GAIN, None)


class MappingNetwork(nn.Module):
    """z -> w: normalise z, ``num_layers`` lrelu FC layers; ``w_avg`` and truncation."""

    def __init__(self, z_dim: int, w_dim: int, num_ws: int, num_layers: int = 8,
                 lr_multiplier: float = 0.01, w_avg_beta: float = 0.995) -> None:
        super().__init__()
        self.z_dim, self.w_dim, self.num_ws = z_dim, w_dim, num_ws
        self.num_layers, self.w_avg_beta = num_layers, w_avg_beta
        for i in range(num_layers):
            setattr(self, f'fc{i}', FullyConnected(z_dim if i == 0 else w_dim, w_dim, lrelu=True,
                                                   lr_multiplier=lr_multiplier))
        self.register_buffer('w_avg', torch.zeros(w_dim))

    def forward(self, z: torch.Tensor, truncation_psi: float = 1.0,
                truncation_cutoff: Optional[int] = None, broadcast: bool = False) -> torch.Tensor:
        """z: N x z_dim. Returns: N x w_dim, or N x num_ws x w_dim when ``broadcast``
        (needed for ``truncation_cutoff``: it truncates rows [0, cutoff) only)."""
        if truncation_cutoff is not None and not broadcast:
            raise ValueError('StyleGAN2 mapping: truncation_cutoff needs broadcast=True '
                             '(it selects rows of the num_ws x w_dim latents)')
        x = z.to(torch.float32)
        x = x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + 1e-8)
        for i in range(self.num_layers):
            x = getattr(self, f'fc{i}')(x)
        if self.training and self.w_avg_beta is not None:
            with torch.no_grad():  # moving average of w, the truncation centre
                self.w_avg.copy_(x.detach().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if broadcast:
            x = x.unsqueeze(1).repeat(1, self.num_ws, 1)
        if truncation_psi != 1:
            if truncation_cutoff is None:
                x = self.w_avg.lerp(x, truncation_psi)
            else:
                x = x.clone()
                x[:, :truncation_cutoff] = self.w_avg.lerp(x[:, :truncation_cutoff],
                                                           truncation_psi)
        return x


def modulated_conv2d(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor,
                     noise: Optional[torch.Tensor], up: int, padding: int,
                     resample_filter: torch.Tensor, demodulate: bool,
                     fused: bool) -> torch.Tensor:
    """Eq. 1-3 of the paper: weight O x I x k x k modulated by styles N x I, optionally
    demodulated; ``up=2``: transposed conv (stride 2) then the FIR filter."""
    batch = x.shape[0]
    out_ch, in_ch, kh, kw = weight.shape
    if x.dtype == torch.float16 and demodulate:  # NVlabs' overflow guard (float16 only)
        weight = weight * (1 / math.sqrt(in_ch * kh * kw)
                           / weight.norm(float('inf'), dim=[1, 2, 3], keepdim=True))
        styles = styles / styles.norm(float('inf'), dim=1, keepdim=True)
    dcoefs = None
    if demodulate or fused:
        w = weight.unsqueeze(0) * styles.reshape(batch, 1, -1, 1, 1)
        if demodulate:
            dcoefs = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()
    if fused:
        if dcoefs is not None:
            w = w * dcoefs.reshape(batch, -1, 1, 1, 1)
        x = x.reshape(1, -1, *x.shape[2:])
        x = conv_resample(x, w.reshape(-1, in_ch, kh, kw).to(x.dtype), resample_filter,
                          up, padding, groups=batch)
        x = x.reshape(batch, -1, *x.shape[2:])
        return x + noise.to(x.dtype) if noise is not None else x
    x = x * styles.to(x.dtype).reshape(batch, -1, 1, 1)
    x = conv_resample(x, weight.to(x.dtype), resample_filter, up, padding, groups=1)
    if dcoefs is not None:
        x = x * dcoefs.to(x.dtype).reshape(batch, -1, 1, 1)
    return x + noise.to(x.dtype) if noise is not None else x


def conv_resample(x: torch.Tensor, w: torch.Tensor, f: torch.Tensor, up: int, padding: int,
                  groups: int) -> torch.Tensor:
    """``up=1``: correlation with padding. ``up=2`` (k=3, padding 1, 4-tap filter): one
    padding budget as NVlabs' conv2d_resample: transposed conv (unflipped weight, no
    padding, 2H+1) then FIR x4 with padding 1 each side -> 2H."""
    if up == 1:
        return F.conv2d(x, w, padding=padding, groups=groups)
    out_per_group, in_per_group, kh, kw = w.shape
    out_ch = out_per_group
    # grouped transpose conv wants I x (O/groups) x k x k per group
    w = w.reshape(groups, out_ch // groups, in_per_group, kh, kw).transpose(1, 2)
    w = w.reshape(groups * in_per_group, out_ch // groups, kh, kw)
    x = F.conv_transpose2d(x, w, stride=up, groups=groups)
    fw = f.shape[-1]
    pad0 = padding + (fw + up - 1) // 2 - (kw - 1)
    pad1 = padding + (fw - up) // 2 - (kw - up)
    return upfirdn2d(x, f, pad=(pad0, pad1), gain=up ** 2)


class SynthesisLayer(nn.Module):
    """Style (affine of w) -> modulated, demodulated 3 x 3 conv -> noise -> bias + lrelu."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int,
                 up: int = 1, conv_clamp: Optional[float] = None) -> None:
        super().__init__()
        self.resolution, self.up, self.conv_clamp = resolution, up, conv_clamp
        self.padding = 1
        self.affine = FullyConnected(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, 3, 3))
        self.noise_strength = nn.Parameter(torch.empty([]))
        self.bias = nn.Parameter(torch.empty(out_channels))
        self.register_buffer('resample_filter', fir_filter())
        self.register_buffer('noise_const', torch.empty(resolution, resolution))

    def reset_nvlabs(self) -> None:
        """NVlabs init: weight and noise_const randn, noise_strength and bias 0."""
        with torch.no_grad():
            self.weight.normal_()
            self.noise_const.normal_()
            self.noise_strength.zero_()
            self.bias.zero_()

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str,
                fused: bool) -> torch.Tensor:
        """x: N x I x r/up x r/up; w: N x w_dim. Returns: N x O x r x r."""
        styles = self.affine(w)
        noise = None
        if noise_mode == 'random':
            noise = torch.randn(x.shape[0], 1, self.resolution, self.resolution,
                                device=x.device) * self.noise_strength
        elif noise_mode == 'const':
            noise = self.noise_const * self.noise_strength
        x = modulated_conv2d(x, self.weight, styles, noise, self.up, self.padding,
                             self.resample_filter, demodulate=True, fused=fused)
        return bias_act(x, self.bias, True, LRELU_GAIN, self.conv_clamp)


class ToRGBLayer(nn.Module):
    """Modulated 1 x 1 conv without demodulation (styles x 1/sqrt(in)), bias, clamp."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int,
                 conv_clamp: Optional[float] = None) -> None:
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnected(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, 1, 1))
        self.bias = nn.Parameter(torch.empty(out_channels))
        self.weight_gain = 1 / math.sqrt(in_channels)

    def reset_nvlabs(self) -> None:
        """NVlabs init: weight randn, bias 0."""
        with torch.no_grad():
            self.weight.normal_()
            self.bias.zero_()

    def forward(self, x: torch.Tensor, w: torch.Tensor, fused: bool) -> torch.Tensor:
        """x: N x I x r x r; w: N x w_dim. Returns: N x C x r x r."""
        styles = self.affine(w) * self.weight_gain
        x = modulated_conv2d(x, self.weight, styles, None, 1, 0, None, demodulate=False,
                             fused=fused)
        return bias_act(x, self.bias, False, 1.0, self.conv_clamp)


class SynthesisBlock(nn.Module):
    """b{res}: (const | conv0 up=2) -> conv1 -> ToRGB added to the up-sampled image."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int,
                 img_channels: int, use_fp16: bool, conv_clamp: Optional[float]) -> None:
        super().__init__()
        self.in_channels, self.use_fp16 = in_channels, use_fp16
        self.register_buffer('resample_filter', fir_filter())
        if in_channels == 0:
            self.const = nn.Parameter(torch.empty(out_channels, resolution, resolution))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim, resolution, up=2,
                                        conv_clamp=conv_clamp)
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim, resolution,
                                    conv_clamp=conv_clamp)
        self.torgb = ToRGBLayer(out_channels, img_channels, w_dim, conv_clamp=conv_clamp)
        self.num_conv = 1 if in_channels == 0 else 2

    def reset_nvlabs(self) -> None:
        """NVlabs init: const randn."""
        if self.in_channels == 0:
            with torch.no_grad():
                self.const.normal_()

    def forward(self, x: Optional[torch.Tensor], img: Optional[torch.Tensor], ws: torch.Tensor,
                noise_mode: str, fused: Optional[bool], force_fp32: bool) -> tuple:
        """ws: N x (num_conv + 1) x w_dim. Returns: (features, float32 image)."""
        # float16 on CUDA only: CPU runs float32 (half convs on CPU are slow, and
        # the CPU path is the reference one)
        half = self.use_fp16 and not force_fp32 and ws.device.type == 'cuda'
        dtype = torch.float16 if half else torch.float32
        if fused is None:  # NVlabs' rule: fused in eval for float32 or batch 1
            fused = (not self.training) and (dtype == torch.float32 or ws.shape[0] == 1)
        w_rows = iter(ws.unbind(dim=1))
        if self.in_channels == 0:
            x = self.const.to(dtype).unsqueeze(0).repeat(ws.shape[0], 1, 1, 1)
        else:
            x = self.conv0(x.to(dtype), next(w_rows), noise_mode, fused)
        x = self.conv1(x, next(w_rows), noise_mode, fused)
        if img is not None:
            img = upfirdn2d(img, self.resample_filter, up=2, pad=(2, 1), gain=4)
        y = self.torgb(x, next(w_rows), fused).to(torch.float32)
        return x, (img + y if img is not None else y)


class SynthesisNetwork(nn.Module):
    """Blocks b4 ... b{resolution}; block b{r} reads ws rows [i, i + num_conv + 1)."""

    def __init__(self, w_dim: int, img_resolution: int, img_channels: int,
                 channel_base: int, channel_max: int, num_fp16_res: int,
                 conv_clamp: Optional[float], noise_mode: str,
                 fused_modconv: Optional[bool]) -> None:
        super().__init__()
        log2 = int(math.log2(img_resolution))
        if img_resolution < 4 or 2 ** log2 != img_resolution:
            raise ValueError(f'StyleGAN2Generator: resolution must be a power of two >= 4, '
                             f'got {img_resolution}')
        if noise_mode not in NOISE_MODES:
            raise ValueError(f'StyleGAN2Generator: noise_mode must be one of {NOISE_MODES}, '
                             f'got {noise_mode!r}')
        self.w_dim, self.noise_mode, self.fused_modconv = w_dim, noise_mode, fused_modconv
        self.block_resolutions = [2 ** i for i in range(2, log2 + 1)]
        channels = {r: min(channel_base // r, channel_max) for r in self.block_resolutions}
        fp16_resolution = max(2 ** (log2 + 1 - num_fp16_res), 8)
        self.num_ws = 0
        for res in self.block_resolutions:
            block = SynthesisBlock(channels[res // 2] if res > 4 else 0, channels[res], w_dim, res,
                                   img_channels, res >= fp16_resolution, conv_clamp)
            self.num_ws += block.num_conv
            setattr(self, f'b{res}', block)
        self.num_ws += 1  # the last ToRGB

    def forward(self, ws: torch.Tensor, noise_mode: Optional[str] = None,
                fused_modconv: Optional[bool] = None, force_fp32: bool = False) -> torch.Tensor:
        """ws: N x num_ws x w_dim. Returns: N x C x H x W float32, about [-1, 1].
        ``noise_mode``/``fused_modconv`` default to the generator's settings."""
        if ws.dim() != 3 or ws.shape[1] != self.num_ws or ws.shape[2] != self.w_dim:
            raise ValueError(f'StyleGAN2Generator.synthesis: ws must be N x {self.num_ws} x '
                             f'{self.w_dim}, got {tuple(ws.shape)}')
        noise_mode = noise_mode or self.noise_mode
        if noise_mode not in NOISE_MODES:
            raise ValueError(f'StyleGAN2Generator.synthesis: noise_mode must be one of '
                             f'{NOISE_MODES}, got {noise_mode!r}')
        fused = self.fused_modconv if fused_modconv is None else fused_modconv
        ws = ws.to(torch.float32)
        x = img = None
        index = 0
        for res in self.block_resolutions:
            block = getattr(self, f'b{res}')
            rows = ws.narrow(1, index, block.num_conv + 1)
            x, img = block(x, img, rows, noise_mode, fused, force_fp32)
            index += block.num_conv
        return img


@MODELS.register_module()
class StyleGAN2Generator(BaseModule):
    """NVlabs' StyleGAN2 generator (module docstring); keys = NVlabs state-dict keys.

    Args:
        resolution: output side, a power of two >= 4. Default: 1024.
        z_dim: noise size. Default: 512.
        w_dim: latent size. Default: 512.
        img_channels: output channels. Default: 3.
        mapping_layers: mapping depth. Default: 8.
        channel_base: channels at resolution r are min(channel_base // r,
            channel_max); 32768 = config-f, 16384 = paper256. Default: 32768.
        channel_max: Default: 512.
        num_fp16_res: highest resolutions run in float16 (CUDA only). Default: 0.
        conv_clamp: clamp of every conv output, ``None`` for none. Default: ``None``.
        lr_multiplier: mapping learning-rate multiplier. Default: 0.01.
        w_avg_beta: decay of the tracked mean latent. Default: 0.995.
        noise_mode: default noise of ``synthesis``: 'random' (NVlabs' default),
            'const' (the stored maps; deterministic, for latent restoration) or
            'none'. Default: 'random'.
        fused_modconv: ``None``: NVlabs' rule (fused in eval for float32 or
            batch 1); ``True``/``False``: always / never fused. Default: ``None``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, resolution: int = 1024, z_dim: int = 512, w_dim: int = 512,
                 img_channels: int = 3, mapping_layers: int = 8, channel_base: int = 32768,
                 channel_max: int = 512, num_fp16_res: int = 0,
                 conv_clamp: Optional[float] = None, lr_multiplier: float = 0.01,
                 w_avg_beta: float = 0.995, noise_mode: str = 'random',
                 fused_modconv: Optional[bool] = None, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.z_dim, self.w_dim, self.img_resolution = z_dim, w_dim, resolution
        self.conv_clamp, self.num_fp16_res = conv_clamp, num_fp16_res
        self.synthesis = SynthesisNetwork(w_dim, resolution, img_channels, channel_base,
                                          channel_max, num_fp16_res, conv_clamp, noise_mode,
                                          fused_modconv)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim, w_dim, self.num_ws, mapping_layers,
                                      lr_multiplier, w_avg_beta)
        # initialised at construction as NVlabs' modules are, so that a generator built
        # without init_weights (init_model, a saved untrained model) holds no torch.empty
        self.reset_nvlabs()

    def reset_nvlabs(self) -> None:
        """NVlabs' initialisation of every layer (unit draws; biases 0, styles' 1)."""
        for module in self.modules():
            if module is not self and hasattr(module, 'reset_nvlabs'):
                module.reset_nvlabs()

    def init_weights(self) -> None:
        """mmengine's init_cfg (if any), then NVlabs' initialisation of every layer."""
        super().init_weights()
        self.reset_nvlabs()

    def tracked_mean_latent(self) -> Optional[torch.Tensor]:
        """``w_avg`` (w_dim), or ``None`` while it is all zeros (never tracked or loaded)."""
        w_avg = self.mapping.w_avg
        return None if not bool(w_avg.any()) else w_avg

    def forward(self, z: torch.Tensor, truncation_psi: float = 1.0,
                truncation_cutoff: Optional[int] = None, noise_mode: Optional[str] = None,
                fused_modconv: Optional[bool] = None, force_fp32: bool = False) -> torch.Tensor:
        """z: N x z_dim noise. Returns: N x C x H x W image, about [-1, 1]."""
        ws = self.mapping(z, truncation_psi, truncation_cutoff, broadcast=True)
        return self.synthesis(ws, noise_mode, fused_modconv, force_fp32)
