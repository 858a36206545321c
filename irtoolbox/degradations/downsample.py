"""Bicubic downsampling as MATLAB's ``imresize`` computes it (the SISR
degradation of DL-Net / VDSR / DRRN / IDN, optionally after a Gaussian blur).

One axis at a time, output pixel i (1-based) sits at input coordinate
``u_i = i / s + (1 - 1 / s) / 2`` (s = out/in) and takes

    y_i = sum_j w_ij x_j,   w_ij = s k(s (u_i - j)) / Z_i   (s < 1, antialiasing)
                            w_ij =   k(u_i - j) / Z_i       (s >= 1)

with Keys' cubic k (a = -0.5), Z_i normalising each row to 1 and taps beyond
the border mirrored (half-sample symmetric). The weights form a dense matrix
R (out x in) per axis, so the resize is ``Rh @ X @ Rw^T``: the same matrices
serve numpy (float64 tensordot) and torch (einsum, differentiable), which
then agree to 1e-5. The output size is ceil(H / scale) x ceil(W / scale).
"""
import functools
import math
from typing import Any, Optional, Tuple, Union

import numpy as np
import torch

from irtoolbox.registry import DEGRADATIONS

from .base import BaseDegradation, Params, check_image, check_tensor
from .blur import GaussianBlur


def cubic(x: np.ndarray, a: float = -0.5) -> np.ndarray:
    """Keys' cubic convolution kernel (support [-2, 2])."""
    ax = np.abs(x)
    near = (a + 2) * ax ** 3 - (a + 3) * ax ** 2 + 1
    far = a * ax ** 3 - 5 * a * ax ** 2 + 8 * a * ax - 4 * a
    return np.where(ax <= 1, near, np.where(ax < 2, far, 0.0))


@functools.lru_cache(maxsize=128)
def resize_matrix(in_len: int, out_len: int, scale: float, antialias: bool = True) -> np.ndarray:
    """The out_len x in_len imresize matrix of one axis (float64, read-only, cached)."""
    shrink = antialias and scale < 1
    width = 4.0 / scale if shrink else 4.0
    u = np.arange(1, out_len + 1, dtype=np.float64) / scale + 0.5 * (1 - 1 / scale)
    taps = np.floor(u - width / 2)[:, None] + np.arange(math.ceil(width) + 2)[None, :]
    dist = u[:, None] - taps
    weights = scale * cubic(scale * dist) if shrink else cubic(dist)
    weights /= weights.sum(axis=1, keepdims=True)
    # Mirror 1-based tap j outside 1..in_len: 0 -> 1, -1 -> 2, in_len + 1 -> in_len.
    idx = np.mod(taps.astype(np.int64) - 1, 2 * in_len)
    idx = np.where(idx >= in_len, 2 * in_len - 1 - idx, idx)
    matrix = np.zeros((out_len, in_len))
    np.add.at(matrix, (np.repeat(np.arange(out_len), taps.shape[1]), idx.ravel()),
              weights.ravel())
    matrix.setflags(write=False)
    return matrix


def _build_blur(kernel: Union[None, dict, GaussianBlur]) -> Optional[GaussianBlur]:
    if kernel is None or isinstance(kernel, BaseDegradation):
        return kernel
    if not isinstance(kernel, dict):
        raise TypeError(f'Downsample: kernel must be None, a GaussianBlur config dict or op, '
                        f'got {type(kernel).__name__}')
    cfg = dict(kernel)
    cfg.setdefault('type', 'GaussianBlur')
    return DEGRADATIONS.build(cfg)


@DEGRADATIONS.register_module()
class Downsample(BaseDegradation):
    """Optional blur, then MATLAB-style bicubic downsampling by ``scale``.

    Args:
        scale: downsampling factor (2, 3, 4 ...).
        kernel: None, or the blur applied first (a GaussianBlur config dict,
            ``type`` optional, or an op); ``level`` is passed to it.
        antialias: widen the kernel when shrinking, as MATLAB does.
        clip: clip the output to [0, 1] (bicubic overshoots; off keeps it linear).
    """

    has_torch = True

    def __init__(self, scale: float = 4, kernel: Union[None, dict, Any] = None,
                 antialias: bool = True, clip: bool = False) -> None:
        super().__init__(None)
        if not float(scale) > 0:
            raise ValueError(f'{self.name}: scale must be positive, got {scale!r}')
        self.scale = float(scale)
        self.blur = _build_blur(kernel)
        if self.blur is not None and not self.blur.has_torch:
            raise ValueError(f'{self.name}: kernel must be a linear op, got {self.blur.name}')
        self.antialias = bool(antialias)
        self.clip = bool(clip)

    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        if self.blur is None and level is not None:
            raise ValueError(f'{self.name}: level {level!r} is not in its level table; valid '
                             'levels: none without a blur kernel (give kernel=dict(...))')
        blur = None if self.blur is None else self.blur.sample_params(rng, level)
        return self._new_params(level, scale=self.scale, blur=blur)

    def out_shape(self, shape: Tuple[int, ...], params: Params) -> Tuple[int, ...]:
        return (*self._out_hw(shape[:2], params), *shape[2:])

    def _out_hw(self, hw: Tuple[int, int], params: Params) -> Tuple[int, int]:
        scale = float(self._get(params, 'scale'))
        # round() guards against 63 / 3 = 21.000000000000004 becoming 22.
        return tuple(math.ceil(round(n / scale, 9)) for n in hw)

    def matrices(self, hw: Tuple[int, int], params: Params) -> Tuple[np.ndarray, np.ndarray]:
        """(Rh, Rw) for an input of size ``hw``."""
        out_h, out_w = self._out_hw(hw, params)
        factor = 1.0 / float(self._get(params, 'scale'))
        return (resize_matrix(hw[0], out_h, factor, self.antialias),
                resize_matrix(hw[1], out_w, factor, self.antialias))

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        img = check_image(img, self.name)
        if self._get(params, 'blur') is not None:
            img = self._blur_op().apply(img, params['blur'])
        rh, rw = self.matrices(img.shape[:2], params)
        out = np.tensordot(rh, img.astype(np.float64), axes=(1, 0))        # oh, W, C
        out = np.tensordot(out, rw, axes=(1, 1)).transpose(0, 2, 1)         # oh, ow, C
        out = out.astype(np.float32)
        return np.clip(out, 0.0, 1.0) if self.clip else out

    def apply_torch(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        x = check_tensor(x, self.name)
        if self._get(params, 'blur') is not None:
            x = self._blur_op().apply_torch(x, params['blur'])
        rh, rw = (torch.as_tensor(np.array(m), dtype=x.dtype, device=x.device)
                  for m in self.matrices(tuple(x.shape[-2:]), params))
        out = torch.einsum('oh,nchw,pw->ncop', rh, x, rw)
        return out.clamp(0.0, 1.0) if self.clip else out

    def _blur_op(self) -> BaseDegradation:
        # Params with a blur but an op without one: the protocol's blur rebuilds them.
        return self.blur if self.blur is not None else GaussianBlur()
