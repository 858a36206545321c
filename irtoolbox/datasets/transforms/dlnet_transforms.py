"""Pipeline steps of DL-Net's experiments (Guo et al., "Deep Likelihood
Network", Sec. IV): fixed centre crops for test sets, and the luminance (Y)
channel the SISR networks are trained and scored on (Sec. IV-D).

- ``CenterCrop``: the centre ``h x w`` patch of every key (test images of a
  fixed size, e.g. the 64 x 64 inputs of the context encoder);
- ``ToYChannel``: ITU-R BT.601 ``Y = (16 + 65.481 R + 128.553 G + 24.966 B) /
  255`` of RGB images in [0, 1] (MATLAB's ``rgb2ycbcr``), as H x W x 1. Put it
  before ``Degrade``, so that the recorded degradation is the Y image's and
  the likelihood's W compares like with like.
"""
from typing import Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from irtoolbox.registry import TRANSFORMS

from ..image_io import INT_MAX_VALUES, image_to_float32

Y_WEIGHTS = np.array([65.481, 128.553, 24.966], dtype=np.float64) / 255.0
Y_OFFSET = 16.0 / 255.0


@TRANSFORMS.register_module()
class CenterCrop(BaseTransform):
    """The centre ``crop_size`` patch of every key (sides rounded down to ``multiple_of``).

    Args:
        crop_size: (h, w) or an int; None keeps the size and only rounds. Default: None.
        keys: the images to crop. Default: ('gt',).
        multiple_of: round the crop sides down to a multiple of this (the SISR
            scale). Default: 1.
    """

    def __init__(self, crop_size: Union[None, int, Tuple[int, int]] = None,
                 keys: Sequence[str] = ('gt',), multiple_of: int = 1) -> None:
        self.crop_size = (crop_size, crop_size) if isinstance(crop_size, int) else crop_size
        self.keys = tuple(keys)
        self.multiple_of = int(multiple_of)

    def transform(self, results: dict) -> dict:
        h, w = results[self.keys[0]].shape[:2]
        ch, cw = self.crop_size or (h, w)
        if ch > h or cw > w:
            raise ValueError(f'CenterCrop: {results.get("gt_path", self.keys[0])} is {h} x {w}, '
                             f'smaller than the crop {ch} x {cw}')
        ch, cw = ch - ch % self.multiple_of, cw - cw % self.multiple_of
        top, left = (h - ch) // 2, (w - cw) // 2
        for key in self.keys:
            results[key] = results[key][top:top + ch, left:left + cw].copy()
        results['crop_bbox'] = (top, left, top + ch, left + cw)
        return results


@TRANSFORMS.register_module()
class ToYChannel(BaseTransform):
    """Replace RGB images by their BT.601 Y channel (H x W x 1, float32 in [0, 1]).

    Args:
        keys: the images to convert. Default: ('gt',).
    """

    def __init__(self, keys: Sequence[str] = ('gt',)) -> None:
        self.keys = tuple(keys)

    def transform(self, results: dict) -> dict:
        if results.get('channel_order', 'rgb') != 'rgb':
            raise ValueError(f"ToYChannel: expects channel_order 'rgb', got "
                             f"{results.get('channel_order')!r} (load with channel_order='rgb')")
        for key in self.keys:
            img = results[key]
            if img.dtype in INT_MAX_VALUES:
                img = image_to_float32(img, key)
            if img.ndim != 3 or img.shape[2] != 3:
                raise ValueError(f'ToYChannel: results[{key!r}] must be H x W x 3, '
                                 f'got {img.shape}')
            y = img.astype(np.float64) @ Y_WEIGHTS + Y_OFFSET
            results[key] = y[..., None].astype(np.float32)
        return results
