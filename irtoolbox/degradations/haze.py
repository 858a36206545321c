"""Haze by the atmospheric scattering model (Koschmieder; RESIDE's synthesis).

    I(x) = J(x) t(x) + A (1 - t(x)),    t(x) = exp(-beta d(x))

J is the clean image, A the global atmospheric light (grey, in [0, 1]), beta
the scattering coefficient and d a depth map in [0, 1]. Without a measured
depth, d is a smooth random field: a ``grid`` x ``grid`` array of uniform
values drawn from the params' ``seed``, resized bicubically to the image and
blended with a vertical ramp (the top of a photograph is usually farther
away, weight ``ramp``), then rescaled to [0, 1]. ``apply`` is a pure function
of the image shape and the params.
"""
from typing import Optional, Tuple

import cv2
import numpy as np

from irtoolbox.registry import DEGRADATIONS

from .base import BaseDegradation, Params, check_image, check_range, random_seed


def smooth_depth(shape: Tuple[int, int], seed: int, grid: int = 4, ramp: float = 0.5) -> np.ndarray:
    """A smooth random depth map in [0, 1] of ``shape`` (H, W), a function of ``seed``."""
    h, w = shape
    coarse = np.random.default_rng(seed).random((grid, grid)).astype(np.float32)
    field = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    vertical = np.linspace(1.0, 0.0, h, dtype=np.float32)[:, None]  # top = far
    depth = (1 - ramp) * field + ramp * vertical
    depth -= depth.min()
    return depth / max(float(depth.max()), 1e-6)


@DEGRADATIONS.register_module()
class Haze(BaseDegradation):
    """``J t + A (1 - t)`` with ``t = exp(-beta d)`` and a smooth random depth.

    Args:
        beta_range: (min, max) scattering coefficient. Default: (0.6, 2.0).
        airlight_range: (min, max) atmospheric light A. Default: (0.7, 1.0).
        grid: side of the coarse random depth grid. Default: 4.
        ramp: weight of the vertical depth ramp in [0, 1]. Default: 0.5.
    """

    def __init__(self, beta_range: Tuple[float, float] = (0.6, 2.0),
                 airlight_range: Tuple[float, float] = (0.7, 1.0), grid: int = 4,
                 ramp: float = 0.5) -> None:
        super().__init__(None)
        self.beta_range = check_range(beta_range, self.name, 'beta_range', low=0)
        self.airlight_range = check_range(airlight_range, self.name, 'airlight_range',
                                          low=0, high=1)
        self.grid, self.ramp = int(grid), float(ramp)

    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        beta = self._draw(rng, level, self.beta_range)
        airlight = float(rng.uniform(*self.airlight_range))
        return self._new_params(level, beta=beta, airlight=airlight, seed=random_seed(rng),
                                grid=self.grid, ramp=self.ramp)

    def transmission(self, shape: Tuple[int, int], params: Params) -> np.ndarray:
        """t = exp(-beta d), ``H x W x 1``."""
        depth = smooth_depth(shape, int(self._get(params, 'seed')),
                             int(params.get('grid', self.grid)),
                             float(params.get('ramp', self.ramp)))
        return np.exp(-float(self._get(params, 'beta')) * depth)[..., None]

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        img = check_image(img, self.name)
        t = self.transmission(img.shape[:2], params)
        airlight = np.float32(self._get(params, 'airlight'))
        return (img * t + airlight * (1 - t)).astype(np.float32)
