"""Motion blur with a random-trajectory kernel (after Boracchi and Foi, 2012).

A camera-shake trajectory is a random walk of ``steps`` points: the velocity
starts in a random direction and is perturbed by Gaussian accelerations
(``jitter``) at every step; the positions are rescaled so that the path spans
at most ``length`` pixels, centred, and splatted bilinearly into a
``kernel_size`` x ``kernel_size`` kernel summing to 1. The image is convolved
with it (replicate borders). The trajectory is redrawn from the params'
``seed``, so ``apply`` is a pure function of the params.
"""
from typing import Optional, Tuple

import cv2
import numpy as np

from irtoolbox.registry import DEGRADATIONS

from .base import BaseDegradation, Params, check_image, check_range, random_seed


def trajectory_kernel(kernel_size: int, length: float, seed: int, steps: int = 64,
                      jitter: float = 0.3) -> np.ndarray:
    """The normalised ``kernel_size`` x ``kernel_size`` blur kernel of one random trajectory."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    velocity = np.array([np.cos(angle), np.sin(angle)])
    points = np.zeros((steps, 2))
    for i in range(1, steps):
        velocity = velocity + rng.normal(0, jitter, 2)
        velocity /= max(np.linalg.norm(velocity), 1e-6)
        points[i] = points[i - 1] + velocity
    points -= (points.max(0) + points.min(0)) / 2  # centred
    span = max(float(np.abs(points).max()) * 2, 1e-6)
    limit = min(float(length), kernel_size - 2)
    points *= limit / span if span > limit else 1.0
    points += kernel_size // 2
    kernel = np.zeros((kernel_size, kernel_size), np.float64)
    for y, x in points:  # bilinear splat
        y0, x0 = int(np.floor(y)), int(np.floor(x))
        dy, dx = y - y0, x - x0
        for yy, xx, wgt in ((y0, x0, (1 - dy) * (1 - dx)), (y0 + 1, x0, dy * (1 - dx)),
                            (y0, x0 + 1, (1 - dy) * dx), (y0 + 1, x0 + 1, dy * dx)):
            if 0 <= yy < kernel_size and 0 <= xx < kernel_size:
                kernel[yy, xx] += wgt
    return (kernel / kernel.sum()).astype(np.float32)


@DEGRADATIONS.register_module()
class MotionBlur(BaseDegradation):
    """Convolution with a random camera-shake trajectory kernel.

    Args:
        kernel_size: odd side of the kernel. Default: 21.
        length_range: (min, max) extent of the trajectory in pixels. Default: (5, 15).
        steps: points of the random walk. Default: 64.
        jitter: std of the velocity perturbation per step. Default: 0.3.
    """

    def __init__(self, kernel_size: int = 21, length_range: Tuple[float, float] = (5, 15),
                 steps: int = 64, jitter: float = 0.3) -> None:
        super().__init__(None)
        if kernel_size < 3 or kernel_size % 2 == 0:
            raise ValueError(f'{self.name}: kernel_size must be odd and >= 3, got {kernel_size}')
        self.kernel_size = int(kernel_size)
        self.length_range = check_range(length_range, self.name, 'length_range', low=0)
        self.steps, self.jitter = int(steps), float(jitter)

    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        length = self._draw(rng, level, self.length_range)
        return self._new_params(level, length=length, kernel_size=self.kernel_size,
                                steps=self.steps, jitter=self.jitter, seed=random_seed(rng))

    def kernel(self, params: Params) -> np.ndarray:
        """The kernel the params describe."""
        return trajectory_kernel(int(params.get('kernel_size', self.kernel_size)),
                                 float(self._get(params, 'length')), int(self._get(params, 'seed')),
                                 int(params.get('steps', self.steps)),
                                 float(params.get('jitter', self.jitter)))

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        img = check_image(img, self.name)
        # filter2D correlates: flip the kernel for a convolution.
        kernel = np.ascontiguousarray(self.kernel(params)[::-1, ::-1])
        chunks = [img[..., c:c + 4] for c in range(0, img.shape[2], 4)]
        out = [cv2.filter2D(np.ascontiguousarray(ch), -1, kernel,
                            borderType=cv2.BORDER_REPLICATE).reshape(ch.shape) for ch in chunks]
        return np.concatenate(out, axis=2) if len(out) > 1 else out[0]
