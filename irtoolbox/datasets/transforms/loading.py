"""Load an image of a sample from its path (any mmengine file backend).

``LoadImageFromFile(key='gt')`` reads ``results['gt_path']`` and sets
``results['gt']`` to ``H x W x C`` float32 in [0, 1] in the requested channel
order (see :mod:`irtoolbox.datasets.image_io` for the conversions),
``results['gt_ori_shape']``, ``results['ori_shape']`` and
``results['channel_order']``.

``to_float32=False`` keeps the stored ``uint8``/``uint16`` values (in the
requested channel order): crops and flips work on any pixel type, and
``Degrade``/``PackInputs`` convert integer images to float32 in [0, 1]
(divided by 255/65535, the same values as ``to_float32=True``). A training
pipeline that crops a small patch from a large image then converts only the
patch; after ``PackInputs`` the sample is the same either way.

``retain_freed_memory=True`` (default) raises glibc's malloc trim threshold
once in each process that loads images, so the memory of one sample's
full-size images is reused by the next instead of being returned to the OS
and page-faulted in again (see :mod:`irtoolbox.datasets.malloc_tuning`).

``ori_shape`` is the shape of the ground truth when one is loaded (it is what
the restored image must match); a pipeline that loads only ``img``
(inference on user images) gets the input's shape.
"""
from typing import Optional

from mmcv.transforms import BaseTransform

from irtoolbox.registry import TRANSFORMS

from .. import malloc_tuning
from ..image_io import check_image_options, load_image


@TRANSFORMS.register_module()
class LoadImageFromFile(BaseTransform):
    """Load ``results[key]`` from ``results[f'{key}_path']``.

    Args:
        key: the results key to fill (``'gt'`` or ``'img'``).
        channel_order: ``'rgb'`` or ``'bgr'``.
        color_type: ``'color'``, ``'grayscale'`` or ``'unchanged'``.
        backend_args: mmengine file backend arguments (e.g. an lmdb backend).
        to_float32: convert to float32 in [0, 1] now (``True``) or keep the
            stored integer type for a later transform to convert (``False``).
        retain_freed_memory: tune malloc to reuse freed image memory (see
            above); ``False`` leaves the allocator as it is.
    """

    def __init__(self, key: str = 'gt', channel_order: str = 'rgb', color_type: str = 'color',
                 backend_args: Optional[dict] = None, to_float32: bool = True,
                 retain_freed_memory: bool = True) -> None:
        check_image_options(channel_order, color_type)
        self.key = key
        self.channel_order = channel_order
        self.color_type = color_type
        self.backend_args = backend_args
        self.to_float32 = bool(to_float32)
        self.retain_freed_memory = bool(retain_freed_memory)

    def transform(self, results: dict) -> dict:
        path_key = f'{self.key}_path'
        if path_key not in results:
            raise KeyError(f'LoadImageFromFile(key={self.key!r}) needs results[{path_key!r}]; '
                           f'the sample has keys {sorted(results)}')
        if self.retain_freed_memory:
            malloc_tuning.retain_freed_memory()  # once per process (DataLoader workers too)
        order = results.get('channel_order', self.channel_order)
        if order != self.channel_order:
            raise ValueError(f'LoadImageFromFile(key={self.key!r}) loads {self.channel_order!r} '
                             f'but an earlier image of the sample was loaded as {order!r}; '
                             'use one channel_order per pipeline')
        image = load_image(results[path_key], self.channel_order, self.color_type,
                           self.backend_args, self.to_float32)
        results[self.key] = image
        results[f'{self.key}_ori_shape'] = image.shape
        if self.key == 'gt' or 'ori_shape' not in results:
            results['ori_shape'] = image.shape
        results['channel_order'] = self.channel_order
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(key={self.key!r}, channel_order={self.channel_order!r}, '
                f'color_type={self.color_type!r}, backend_args={self.backend_args}, '
                f'to_float32={self.to_float32})')
