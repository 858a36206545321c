"""Low light: gamma darkening, a global scale and sensor noise.

    y = clip(s * x^gamma + n),   n ~ N(0, (sigma/255)^2) per sub-pixel

gamma > 1 darkens the mid-tones more than the highlights (the inverse of a
brightening curve), s < 1 lowers the exposure, and n is the read noise that
becomes visible in dark images (as in LOL-style synthesis). The noise map is
redrawn from the params' ``seed``, so ``apply`` is a pure function of them.
"""
from typing import Optional, Tuple

import numpy as np

from irtoolbox.registry import DEGRADATIONS

from .base import BaseDegradation, Params, check_image, check_range, random_seed


@DEGRADATIONS.register_module()
class LowLight(BaseDegradation):
    """``clip(scale * x^gamma + noise)``.

    Args:
        gamma_range: (min, max) gamma. Default: (1.5, 3.0).
        scale_range: (min, max) exposure scale. Default: (0.2, 0.6).
        sigma_range: (min, max) noise sigma in 0..255 units. Default: (0, 8).
    """

    def __init__(self, gamma_range: Tuple[float, float] = (1.5, 3.0),
                 scale_range: Tuple[float, float] = (0.2, 0.6),
                 sigma_range: Tuple[float, float] = (0.0, 8.0)) -> None:
        super().__init__(None)
        self.gamma_range = check_range(gamma_range, self.name, 'gamma_range', low=0)
        self.scale_range = check_range(scale_range, self.name, 'scale_range', low=0, high=1)
        self.sigma_range = check_range(sigma_range, self.name, 'sigma_range', low=0)

    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        gamma = self._draw(rng, level, self.gamma_range)
        return self._new_params(level, gamma=gamma, scale=float(rng.uniform(*self.scale_range)),
                                sigma=float(rng.uniform(*self.sigma_range)),
                                seed=random_seed(rng))

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        img = check_image(img, self.name)
        dark = np.float32(self._get(params, 'scale')) * np.power(
            np.clip(img, 0, 1), np.float32(self._get(params, 'gamma')))
        noise = np.random.default_rng(int(self._get(params, 'seed'))).standard_normal(
            img.shape, dtype=np.float32)
        return np.clip(dark + noise * np.float32(self._get(params, 'sigma') / 255.0), 0, 1)
