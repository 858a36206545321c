"""Additive white Gaussian noise, the second stage of the hybrid-distortion
protocol (RL-Restore / FDR-Net): ``y = clip(x + n)``, ``n ~ N(0, (sigma/255)^2)``
per sub-pixel, sigma in 0..255 units. Level table 0:5:50.

The noise map is not stored: the params keep ``sigma`` and a ``seed`` from
which ``apply`` redraws the same map, so a sample stays reproducible from its
params while its metainfo stays small.

``fixed_seed`` reproduces the test protocol of the released Restormer scripts
(swz30/Restormer ``Denoising/test_gaussian_{color,gray}_denoising.py``): each
clean float32 image gets ``np.random.seed(0); img += np.random.normal(0,
sigma/255, img.shape)``, i.e. the same legacy-numpy float64 map for every image
of a shape, added in float64 and stored as float32, and never clipped (combine
with ``clip=False`` here and in ``Degrade``).
"""
from typing import Optional, Sequence, Tuple

import numpy as np

from irtoolbox.registry import DEGRADATIONS

from .base import BaseDegradation, Params, check_image, check_range, random_seed


@DEGRADATIONS.register_module()
class GaussianNoise(BaseDegradation):
    """Additive Gaussian noise with sigma in 0..255 units.

    Args:
        sigma_range: (min, max) sigma used when ``level`` is None.
        levels: level table of sigmas (default 0:5:50).
        clip: clip the result to [0, 1] (the protocol does).
        fixed_seed: None = the per-sample map drawn from the params' seed; an
            int = ``np.random.RandomState(fixed_seed).normal(0, sigma/255, shape)``
            for every sample, the released Restormer test scripts' noise (seed 0).
    """

    default_levels = tuple(float(s) for s in range(0, 55, 5))

    def __init__(self, sigma_range: Tuple[float, float] = (0, 50),
                 levels: Optional[Sequence[float]] = None, clip: bool = True,
                 fixed_seed: Optional[int] = None) -> None:
        super().__init__(levels)
        self.sigma_range = check_range(sigma_range, self.name, 'sigma_range', low=0)
        self.clip = bool(clip)
        if fixed_seed is not None and (not isinstance(fixed_seed, (int, np.integer))
                                       or isinstance(fixed_seed, bool) or fixed_seed < 0):
            raise ValueError(f'{self.name}: fixed_seed must be None or an int >= 0, '
                             f'got {fixed_seed!r}')
        self.fixed_seed = fixed_seed

    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        sigma = self._draw(rng, level, self.sigma_range)
        return self._new_params(level, sigma=sigma, seed=random_seed(rng))

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        img = check_image(img, self.name)
        sigma = float(self._get(params, 'sigma'))
        if self.fixed_seed is not None:
            # The released scripts' legacy stream: float64 noise, float64 sum, stored float32.
            noise64 = np.random.RandomState(self.fixed_seed).normal(0.0, sigma / 255.0, img.shape)
            out = (img.astype(np.float64) + noise64).astype(np.float32)
            return np.clip(out, 0.0, 1.0) if self.clip else out
        noise_rng = np.random.default_rng(int(self._get(params, 'seed')))
        noise = noise_rng.standard_normal(img.shape, dtype=np.float32)
        out = img + noise * np.float32(sigma / 255.0)
        return np.clip(out, 0.0, 1.0) if self.clip else out
