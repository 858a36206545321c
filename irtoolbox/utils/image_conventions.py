"""The image conventions every part of irtoolbox shares, defined once.

This is the one home of:

- :data:`CHANNEL_ORDERS` and :func:`check_channel_order`: images carry an
  explicit channel order, 'rgb' (the pipeline default) or 'bgr' (what OpenCV
  reads and writes); it is never guessed.
- :data:`INT_MAX_VALUES`: the full-scale (peak) value of each integer pixel
  type. Integer images are divided by it to get floats in [0, 1]
  (``uint8`` -> 255, ``uint16`` -> 65535).
- :data:`IMAGE_EXTENSIONS` (files OpenCV decodes) and
  :data:`ARRAY_EXTENSIONS` (``np.save`` arrays, which the data pipeline also
  reads): the suffixes by which a folder's images are found.
- :func:`image_to_uint8_hwc`: how a ``C x H x W`` float image in [0, 1]
  becomes the 8-bit pixels that are scored, drawn and written (clip to
  [0, 1], x 255, round half to even, as MATLAB/BasicSR score).

The data pipeline (``irtoolbox.datasets.image_io``), the metrics, the hooks,
``irtoolbox.apis`` and the tools import them from here.
"""
from typing import Any, Mapping

import numpy as np
import torch

CHANNEL_ORDERS = ('rgb', 'bgr')

#: Full-scale value of each integer pixel type: integers are divided by it.
INT_MAX_VALUES = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}

#: Suffixes of image files OpenCV decodes (lower case, with the dot).
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp', '.ppm',
                    '.pgm', '.pbm')
#: Raw arrays stored with ``np.save`` (BGR ``H x W x C``), read by the data pipeline.
ARRAY_EXTENSIONS = ('.npy',)


def check_channel_order(channel_order: str, where: str = '') -> None:
    """Raise ``ValueError`` unless ``channel_order`` is 'rgb' or 'bgr'.

    Args:
        channel_order: the value to check.
        where: text appended to the message to say whose value it is
            (e.g. ``" in the sample with gt_path='a.png'"``). Default: ''.
    """
    if channel_order not in CHANNEL_ORDERS:
        raise ValueError(f'channel_order must be one of {CHANNEL_ORDERS}, got '
                         f'{channel_order!r}{where}')


def describe_sample(sample: Mapping) -> str:
    """Name a data sample in an error message by its path (else its index)."""
    for key in ('img_path', 'gt_path', 'sample_idx'):
        if sample.get(key) is not None:
            return f'sample with {key}={sample[key]!r}'
    return 'sample'


def image_to_uint8_hwc(img: Any, name: str, sample: Mapping) -> np.ndarray:
    """A ``C x H x W`` (or ``H x W``) image in [0, 1] as a rounded uint8 ``H x W x C`` array.

    ``uint8`` input is only transposed. Float input is clipped to [0, 1],
    multiplied by 255 and rounded half to even (``np.round``, as
    ``torch.round``) in float64.

    Args:
        img: a Tensor or numpy array, float in [0, 1] or uint8.
        name: the field's name (``'pred_img'`` ...), for error messages.
        sample: the sample's metainfo, to name it in error messages.

    Raises:
        TypeError: not an array, or neither float nor uint8.
        ValueError: not 2-D/3-D, or NaN/inf values (no made-up pixels).
    """
    if isinstance(img, torch.Tensor):
        img = img.detach().cpu().numpy()
    if not isinstance(img, np.ndarray):
        raise TypeError(f'{name} of the {describe_sample(sample)} must be a Tensor or numpy '
                        f'array, got {type(img).__name__}')
    if img.ndim == 2:
        img = img[None]
    if img.ndim != 3:
        raise ValueError(f'{name} of the {describe_sample(sample)} must be C x H x W, '
                         f'got shape {img.shape}')
    if img.dtype == np.uint8:
        return np.ascontiguousarray(img.transpose(1, 2, 0))
    if not np.issubdtype(img.dtype, np.floating):
        raise TypeError(f'{name} of the {describe_sample(sample)} must be float in [0, 1] or '
                        f'uint8, got {img.dtype}')
    if not np.all(np.isfinite(img)):
        raise ValueError(f'{name} of the {describe_sample(sample)} contains NaN or inf values')
    scaled = np.round(np.clip(img.astype(np.float64), 0.0, 1.0) * 255.0)
    return np.ascontiguousarray(scaled.astype(np.uint8).transpose(1, 2, 0))
