"""Random flips and transposes, one decision applied to every key.

The decision is drawn from numpy's global generator (seeded per sample by the
dataset), once per sample, so an input and its ground truth stay aligned.
``Flip`` records ``results['flip']`` and ``results['flip_direction']``;
``RandomTranspose`` records ``results['transpose']``. Both keep the pixel type
(float32, or uint8/uint16 from ``LoadImageFromFile(to_float32=False)``).
"""
from typing import Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from irtoolbox.registry import TRANSFORMS

DIRECTIONS = {'horizontal': 1, 'vertical': 0}


def _check_ratio(ratio: float, name: str) -> float:
    if not 0.0 <= float(ratio) <= 1.0:
        raise ValueError(f'{name} must lie in [0, 1], got {ratio!r}')
    return float(ratio)


@TRANSFORMS.register_module()
class Flip(BaseTransform):
    """Flip all ``keys`` with probability ``flip_ratio``.

    Args:
        keys: the images to flip (H x W x C arrays).
        flip_ratio: probability of flipping.
        direction: ``'horizontal'`` (left-right) or ``'vertical'`` (up-down).
    """

    def __init__(self, keys: Sequence[str] = ('img', 'gt'), flip_ratio: float = 0.5,
                 direction: str = 'horizontal') -> None:
        if direction not in DIRECTIONS:
            raise ValueError(f'direction must be one of {tuple(DIRECTIONS)}, got {direction!r}')
        self.keys = tuple(keys)
        self.flip_ratio = _check_ratio(flip_ratio, 'flip_ratio')
        self.direction = direction

    def transform(self, results: dict) -> dict:
        flip = bool(np.random.rand() < self.flip_ratio)
        if flip:
            axis = DIRECTIONS[self.direction]
            for key in self.keys:
                results[key] = np.flip(results[key], axis=axis).copy()
        results['flip'] = flip
        results['flip_direction'] = self.direction
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(keys={self.keys}, flip_ratio={self.flip_ratio}, '
                f'direction={self.direction!r})')


@TRANSFORMS.register_module()
class RandomTranspose(BaseTransform):
    """Swap height and width of all ``keys`` with probability ``transpose_ratio``."""

    def __init__(self, keys: Sequence[str] = ('img', 'gt'), transpose_ratio: float = 0.5) -> None:
        self.keys = tuple(keys)
        self.transpose_ratio = _check_ratio(transpose_ratio, 'transpose_ratio')

    def transform(self, results: dict) -> dict:
        transpose = bool(np.random.rand() < self.transpose_ratio)
        if transpose:
            for key in self.keys:
                results[key] = np.ascontiguousarray(results[key].transpose(1, 0, 2))
        results['transpose'] = transpose
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(keys={self.keys}, '
                f'transpose_ratio={self.transpose_ratio})')
