"""Synthetic rain streaks: oriented, motion-blurred line noise added to the image.

Sparse seeds (a fraction ``density`` of the pixels, uniform random values
from the params' ``seed``) are smeared along one direction by a line kernel of
``length`` pixels at ``angle`` degrees from the vertical, slightly widened by
a 3x3 Gaussian, scaled to ``intensity`` at the brightest streak and added:

    y = clip(x + intensity * streaks / max(streaks))

(the additive rain model of Rain100L/Rain100H, y = x + R). One grey streak
layer is added to every channel. ``apply`` is a pure function of the image
shape and the params.
"""
from typing import Optional, Tuple

import cv2
import numpy as np

from irtoolbox.registry import DEGRADATIONS

from .base import BaseDegradation, Params, check_image, check_range, random_seed


def line_kernel(length: int, angle: float) -> np.ndarray:
    """A normalised ``length`` x ``length`` line through the centre, ``angle`` deg off vertical."""
    length = max(1, int(length)) | 1  # odd
    kernel = np.zeros((length, length), np.float32)
    centre, rad = length // 2, np.deg2rad(angle)
    for step in np.linspace(-centre, centre, 4 * length):
        y, x = centre + step * np.cos(rad), centre + step * np.sin(rad)
        kernel[int(round(y)), int(round(x))] = 1.0
    return kernel / kernel.sum()


def rain_layer(shape: Tuple[int, int], params: Params) -> np.ndarray:
    """The ``H x W`` streak layer in [0, 1] the params describe."""
    rng = np.random.default_rng(int(params['seed']))
    seeds = rng.random(shape, dtype=np.float32)
    seeds = np.where(seeds > 1 - float(params['density']), seeds, 0).astype(np.float32)
    streaks = cv2.filter2D(seeds, -1, line_kernel(params['length'], params['angle']),
                           borderType=cv2.BORDER_REFLECT)
    streaks = cv2.GaussianBlur(streaks, (3, 3), 0.6)
    return streaks / max(float(streaks.max()), 1e-6)


@DEGRADATIONS.register_module()
class RainStreaks(BaseDegradation):
    """Additive oriented streaks (module docstring).

    Args:
        density_range: (min, max) fraction of seed pixels. Default: (0.01, 0.04).
        length_range: (min, max) streak length in pixels. Default: (7, 21).
        angle_range: (min, max) angle in degrees from the vertical. Default: (-30, 30).
        intensity_range: (min, max) brightness of the strongest streak. Default: (0.5, 0.9).
    """

    def __init__(self, density_range: Tuple[float, float] = (0.01, 0.04),
                 length_range: Tuple[float, float] = (7, 21),
                 angle_range: Tuple[float, float] = (-30, 30),
                 intensity_range: Tuple[float, float] = (0.5, 0.9)) -> None:
        super().__init__(None)
        self.density_range = check_range(density_range, self.name, 'density_range', 0, 1)
        self.length_range = check_range(length_range, self.name, 'length_range', low=1)
        self.angle_range = check_range(angle_range, self.name, 'angle_range', -90, 90)
        self.intensity_range = check_range(intensity_range, self.name, 'intensity_range', 0)

    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        density = self._draw(rng, level, self.density_range)
        return self._new_params(
            level, density=density,
            length=int(rng.integers(int(self.length_range[0]), int(self.length_range[1]) + 1)),
            angle=float(rng.uniform(*self.angle_range)),
            intensity=float(rng.uniform(*self.intensity_range)), seed=random_seed(rng))

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        img = check_image(img, self.name)
        for key in ('density', 'length', 'angle', 'seed'):
            self._get(params, key)
        layer = rain_layer(img.shape[:2], params)[..., None]
        return np.clip(img + np.float32(self._get(params, 'intensity')) * layer, 0, 1)
