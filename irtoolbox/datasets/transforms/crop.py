"""Random crops: paired (input/ground truth, with a scale factor) and single.

``PairedRandomCrop`` cuts aligned patches from a low-quality input ``img`` and
its ground truth ``gt``: a ``crop_size`` patch of ``gt`` at ``(top*s, left*s)``
and a ``crop_size / s`` patch of ``img`` at ``(top, left)``, ``s`` = ``scale``
(1 for restoration at equal size, 2/3/4 for super-resolution). The pair must
satisfy ``gt.shape[:2] == s * img.shape[:2]``.

``RandomCrop`` cuts the same patch from every key (same-size images, e.g. the
clean image of a synthetic dataset before ``Degrade``).

An image smaller than the crop raises a clear error naming the file and both
sizes, or, with ``pad_if_smaller=True``, is reflect-padded at the bottom/right
first. Positions are drawn from numpy's global generator, which the dataset
seeds per sample. The crop box (in ``gt`` coordinates, ``top, left, bottom,
right``) is recorded as ``results['crop_bbox']``. Crops keep the pixel type
(float32, or uint8/uint16 from ``LoadImageFromFile(to_float32=False)``).
"""
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from irtoolbox.registry import TRANSFORMS

from ..image_io import ImageSizeError

Size = Union[int, Sequence[int]]


def to_hw(size: Size, name: str = 'crop_size') -> Tuple[int, int]:
    """An int or (h, w) -> a pair of positive ints."""
    hw = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    if len(hw) != 2 or any(not isinstance(v, (int, np.integer)) or v <= 0 for v in hw):
        raise ValueError(f'{name} must be a positive int or (h, w), got {size!r}')
    return int(hw[0]), int(hw[1])


def path_of(results: dict, key: str) -> str:
    """The file an image came from, for error messages."""
    return str(results.get(f'{key}_path', f'<results[{key!r}]>'))


def reflect_pad(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """Pad bottom/right by reflection up to at least ``height x width``."""
    pad_h, pad_w = max(0, height - img.shape[0]), max(0, width - img.shape[1])
    if pad_h == 0 and pad_w == 0:
        return img
    # np.pad's 'reflect' repeats the reflection when the pad exceeds the image.
    return np.pad(img, ((0, pad_h), (0, pad_w), (0, 0)), mode='reflect')


def too_small_error(results: dict, key: str, crop_size: Tuple[int, int]) -> ImageSizeError:
    """The error for an image ``results[key]`` smaller than ``crop_size``."""
    return ImageSizeError(
        path_of(results, key),
        f'{key} {path_of(results, key)} of size {results[key].shape[:2]} is smaller than '
        f'crop_size {crop_size} (set pad_if_smaller=True to reflect-pad)')


def check_pair(results: dict, lq_key: str, gt_key: str, scale: int) -> None:
    """Raise :class:`ImageSizeError` unless ``gt`` is ``scale`` times ``img``."""
    lq, gt = results[lq_key], results[gt_key]
    expected = (lq.shape[0] * scale, lq.shape[1] * scale)
    if gt.shape[:2] != expected or gt.shape[2:] != lq.shape[2:]:
        raise ImageSizeError(
            path_of(results, lq_key),
            f'Size mismatch in a pair (scale {scale}): {lq_key} {path_of(results, lq_key)} has '
            f'shape {lq.shape}, {gt_key} {path_of(results, gt_key)} has shape {gt.shape}, '
            f'expected {gt_key} shape {expected + tuple(lq.shape[2:])}')


@TRANSFORMS.register_module()
class PairedRandomCrop(BaseTransform):
    """Aligned random crop of an input/ground-truth pair.

    Args:
        crop_size: ground-truth patch size, int or (h, w); divisible by ``scale``.
        keys: (input key, ground-truth key).
        scale: ground-truth size / input size.
        pad_if_smaller: reflect-pad images smaller than the crop instead of
            raising.
    """

    def __init__(self, crop_size: Size, keys: Sequence[str] = ('img', 'gt'), scale: int = 1,
                 pad_if_smaller: bool = False) -> None:
        self.crop_size = to_hw(crop_size)
        if not isinstance(scale, (int, np.integer)) or scale < 1:
            raise ValueError(f'scale must be a positive int, got {scale!r}')
        if any(v % scale for v in self.crop_size):
            raise ValueError(f'crop_size {self.crop_size} must be divisible by scale {scale}')
        if len(keys) != 2:
            raise ValueError(f'keys must be (input key, ground-truth key), got {keys!r}')
        self.keys = tuple(keys)
        self.scale = int(scale)
        self.pad_if_smaller = pad_if_smaller

    def transform(self, results: dict) -> dict:
        lq_key, gt_key = self.keys
        check_pair(results, lq_key, gt_key, self.scale)
        s = self.scale
        lq_h, lq_w = self.crop_size[0] // s, self.crop_size[1] // s
        lq = results[lq_key]
        if lq.shape[0] < lq_h or lq.shape[1] < lq_w:
            if not self.pad_if_smaller:
                raise too_small_error(results, gt_key, self.crop_size)
            results[lq_key] = reflect_pad(lq, lq_h, lq_w)
            results[gt_key] = reflect_pad(results[gt_key], lq_h * s, lq_w * s)
            lq = results[lq_key]
        top = np.random.randint(0, lq.shape[0] - lq_h + 1)
        left = np.random.randint(0, lq.shape[1] - lq_w + 1)
        results[lq_key] = lq[top:top + lq_h, left:left + lq_w].copy()
        results[gt_key] = results[gt_key][top * s:(top + lq_h) * s,
                                          left * s:(left + lq_w) * s].copy()
        results['crop_bbox'] = (top * s, left * s, (top + lq_h) * s, (left + lq_w) * s)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(crop_size={self.crop_size}, keys={self.keys}, '
                f'scale={self.scale}, pad_if_smaller={self.pad_if_smaller})')


@TRANSFORMS.register_module()
class RandomCrop(BaseTransform):
    """The same random crop of every key (images of equal size).

    Args:
        crop_size: patch size, int or (h, w).
        keys: the images to crop.
        pad_if_smaller: reflect-pad images smaller than the crop instead of
            raising.
    """

    def __init__(self, crop_size: Size, keys: Sequence[str] = ('gt',),
                 pad_if_smaller: bool = False) -> None:
        self.crop_size = to_hw(crop_size)
        self.keys = tuple(keys)
        self.pad_if_smaller = pad_if_smaller

    def transform(self, results: dict) -> dict:
        first = self.keys[0]
        for key in self.keys[1:]:
            check_pair(results, first, key, 1)
        ch, cw = self.crop_size
        h, w = results[first].shape[:2]
        if h < ch or w < cw:
            if not self.pad_if_smaller:
                raise too_small_error(results, first, self.crop_size)
            for key in self.keys:
                results[key] = reflect_pad(results[key], ch, cw)
            h, w = results[first].shape[:2]
        top = np.random.randint(0, h - ch + 1)
        left = np.random.randint(0, w - cw + 1)
        for key in self.keys:
            results[key] = results[key][top:top + ch, left:left + cw].copy()
        results['crop_bbox'] = (top, left, top + ch, left + cw)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(crop_size={self.crop_size}, keys={self.keys}, '
                f'pad_if_smaller={self.pad_if_smaller})')
