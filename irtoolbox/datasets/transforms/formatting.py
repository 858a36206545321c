"""Pack a sample into the model's input: a tensor and a RestorationDataSample.

``PackInputs`` turns ``results`` into
``dict(inputs=Tensor[C, H, W], data_samples=RestorationDataSample(gt_img=
Tensor[C, H, W], metainfo=...))`` (float32, [0, 1], the sample's channel
order; ``uint8``/``uint16`` images, from ``LoadImageFromFile(to_float32=False)``,
are divided by 255/65535 here). The ground truth is optional (inference on
user images). The metainfo
holds the ``meta_keys`` present in ``results``; absent keys are left out
(e.g. the degradation keys of a paired dataset).

The input/ground-truth pair is checked: the ground truth must be an integer
multiple ``s >= 1`` of the input in both height and width (``s = 1`` for
restoration at equal size) with the same channels; otherwise one error names
both files and shapes, instead of a broadcasting error in a loss later.
"""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from irtoolbox.registry import TRANSFORMS
from irtoolbox.structures.data_sample import RestorationDataSample

from ..image_io import INT_MAX_VALUES, ImageSizeError, image_to_float32
from .crop import path_of

DEFAULT_META_KEYS = ('img_path', 'gt_path', 'sample_idx', 'channel_order', 'ori_shape',
                     'img_ori_shape', 'gt_ori_shape', 'degradation_name', 'degradation_level',
                     'degradation_params', 'crop_bbox', 'flip', 'flip_direction', 'transpose',
                     'degradation_bucket', 'degradation_levels', 'degradation_copy')


def to_tensor(img: np.ndarray, key: str) -> torch.Tensor:
    """H x W x C (or H x W) array -> contiguous float32 C x H x W tensor.

    ``uint8``/``uint16`` are scaled to [0, 1]; float arrays are only cast.
    """
    if not isinstance(img, np.ndarray) or img.ndim not in (2, 3):
        shape = getattr(img, 'shape', type(img).__name__)
        raise TypeError(f'PackInputs: results[{key!r}] must be an H x W x C numpy array, '
                        f'got {shape}')
    if img.ndim == 2:
        img = img[..., None]
    if img.dtype in INT_MAX_VALUES:
        img = image_to_float32(img, key)
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32))


def check_scale(results: dict, lq_key: str, gt_key: str) -> None:
    """Raise unless gt is an integer multiple s >= 1 of img in H and W."""
    lq, gt = results[lq_key].shape, results[gt_key].shape
    ratios = {g // q if q and g % q == 0 else None for g, q in zip(gt[:2], lq[:2])}
    if len(ratios) != 1 or None in ratios or 0 in ratios or gt[2:] != lq[2:]:
        raise ImageSizeError(
            path_of(results, lq_key),
            f'Size mismatch in a pair: {lq_key} {path_of(results, lq_key)} has shape {lq}, '
            f'{gt_key} {path_of(results, gt_key)} has shape {gt}; the ground truth must be the '
            'input size (or an integer multiple of it for super-resolution) with the same '
            'channels')


@TRANSFORMS.register_module()
class PackInputs(BaseTransform):
    """Pack ``results`` into ``inputs`` and ``data_samples``.

    Args:
        keys: (input key, ground-truth key); the ground truth may be absent.
        meta_keys: results keys copied into the sample's metainfo when present.
    """

    def __init__(self, keys: Sequence[str] = ('img', 'gt'),
                 meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        if len(keys) != 2:
            raise ValueError(f'keys must be (input key, ground-truth key), got {keys!r}')
        self.keys = tuple(keys)
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        lq_key, gt_key = self.keys
        if lq_key not in results:
            raise KeyError(f'PackInputs needs results[{lq_key!r}] (the model input); the '
                           f'sample has keys {sorted(results)}')
        sample = RestorationDataSample(
            metainfo={k: results[k] for k in self.meta_keys if k in results})
        if gt_key in results:
            check_scale(results, lq_key, gt_key)
            sample.gt_img = to_tensor(results[gt_key], gt_key)
        return dict(inputs=to_tensor(results[lq_key], lq_key), data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(keys={self.keys}, meta_keys={self.meta_keys})'
