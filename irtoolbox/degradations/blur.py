"""Isotropic Gaussian blur, the first stage of the hybrid-distortion protocol
(RL-Restore / FDR-Net): a ``kernel_size`` x ``kernel_size`` kernel (21 in the
protocol) with replicate borders,

    k(x, y) = exp(-(x^2 + y^2) / (2 sigma^2)) / Z,   x, y in -r..r, r = size // 2,

Z making it sum to 1 (sigma = 0 is the identity). Level table of sigmas
0:0.5:5 (FDR-Net's text says [0, 10]: set ``sigma_range``/``levels``).

The kernel is separable, k(x, y) = g(x) g(y) with g(t) = exp(-t^2 / (2 sigma^2))
/ sum_t exp(...), so the numpy side filters with the 1-D kernel along rows then
columns (``cv2.sepFilter2D``, ``BORDER_REPLICATE``; a correlation, equal to the
convolution for this symmetric kernel): 2 x 21 taps per pixel instead of the
21 x 21 of ``cv2.filter2D``, about 10x faster on a 256 x 256 crop (see
``benchmarks/bench_degradation_synthesis.py``), equal to the 2-D filter to
float32 rounding (~2e-7). Torch side: replicate padding and a depthwise
``conv2d`` with the 2-D kernel. Kernels are cached per (size, sigma): that
only helps repeated sigmas (training draws a new real sigma per sample, and
building a 21-tap kernel costs microseconds).
"""
import functools
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from irtoolbox.registry import DEGRADATIONS

from .base import BaseDegradation, Params, check_image, check_range, check_tensor


def _gaussian_window(kernel_size: int, sigma: float) -> np.ndarray:
    """The normalised 1-D Gaussian g (float64); sigma <= 0 gives the unit impulse."""
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f'GaussianBlur: kernel_size must be odd and positive, got {kernel_size}')
    offsets = np.arange(kernel_size, dtype=np.float64) - kernel_size // 2
    if sigma <= 0:
        window = (offsets == 0).astype(np.float64)
    else:
        window = np.exp(-offsets ** 2 / (2.0 * sigma ** 2))
    return window / window.sum()


def _read_only_float32(kernel: np.ndarray) -> np.ndarray:
    kernel = kernel.astype(np.float32)
    kernel.setflags(write=False)  # shared by the cache: nobody may edit it
    return kernel


@functools.lru_cache(maxsize=512)
def gaussian_kernel1d(kernel_size: int, sigma: float) -> np.ndarray:
    """The normalised 1-D Gaussian g with gaussian_kernel2d = outer(g, g) (read-only, cached)."""
    return _read_only_float32(_gaussian_window(kernel_size, sigma))


@functools.lru_cache(maxsize=512)
def gaussian_kernel2d(kernel_size: int, sigma: float) -> np.ndarray:
    """The normalised isotropic Gaussian kernel (read-only float32 array, cached).

    k = outer(g, g): the 2-D Gaussian is separable, and a product of two
    normalised windows sums to 1 (computed in float64, then cast).
    """
    window = _gaussian_window(kernel_size, sigma)
    return _read_only_float32(np.outer(window, window))


@DEGRADATIONS.register_module()
class GaussianBlur(BaseDegradation):
    """Gaussian blur with replicate borders (linear: has a torch side).

    Args:
        kernel_size: odd side of the square kernel (21 in the protocol).
        sigma_range: (min, max) sigma in pixels used when ``level`` is None.
        levels: level table of sigmas (default 0:0.5:5).
        border: only 'replicate' (the protocol's padding) is supported.
    """

    default_levels = tuple(0.5 * i for i in range(11))
    has_torch = True

    def __init__(self, kernel_size: int = 21, sigma_range: Tuple[float, float] = (0.2, 5.0),
                 levels: Optional[Sequence[float]] = None, border: str = 'replicate') -> None:
        super().__init__(levels)
        if border != 'replicate':
            raise ValueError(f"{self.name}: border must be 'replicate', got {border!r}")
        gaussian_kernel2d(int(kernel_size), 1.0)  # validates the size early
        self.kernel_size = int(kernel_size)
        self.sigma_range = check_range(sigma_range, self.name, 'sigma_range', low=0)

    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        sigma = self._draw(rng, level, self.sigma_range)
        return self._new_params(level, sigma=sigma, kernel_size=self.kernel_size)

    def _size_sigma(self, params: Params) -> Tuple[int, float]:
        # Params without kernel_size (written by hand) use the op's own size.
        return int(params.get('kernel_size', self.kernel_size)), float(self._get(params, 'sigma'))

    def kernel(self, params: Params) -> np.ndarray:
        """The (cached) kernel that ``params`` describe."""
        return gaussian_kernel2d(*self._size_sigma(params))

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        img = check_image(img, self.name)
        size, sigma = self._size_sigma(params)
        kernel = gaussian_kernel1d(size, sigma)
        if kernel[size // 2] == 1:
            return img.copy()  # sigma 0: exact identity, no filtering round-off
        # Separable: rows then columns with the 1-D kernel (module docstring).
        # cv2 filters at most 4 channels at once and drops a single channel axis.
        chunks = [img[..., c:c + 4] for c in range(0, img.shape[2], 4)]
        out = [cv2.sepFilter2D(np.ascontiguousarray(ch), -1, kernel, kernel,
                               borderType=cv2.BORDER_REPLICATE).reshape(ch.shape)
               for ch in chunks]
        return np.concatenate(out, axis=2) if len(out) > 1 else out[0]

    def apply_torch(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        x = check_tensor(x, self.name)
        kernel = torch.as_tensor(np.array(self.kernel(params)), dtype=x.dtype, device=x.device)
        channels, pad = x.shape[1], kernel.shape[-1] // 2
        weight = kernel.expand(channels, 1, *kernel.shape)
        return F.conv2d(F.pad(x, (pad, pad, pad, pad), mode='replicate'), weight, groups=channels)
