"""Dual-pixel defocus deblurring pairs: two views in, one all-in-focus image out.

DPDD (Abuolaim and Brown, ECCV 2020) stores each scene as a left and a right
dual-pixel view and the all-in-focus target, 16-bit PNGs. Restormer's
dual-pixel model (Zamir et al., CVPR 2022) takes the two views stacked as six
channels ``[left RGB, right RGB]``; the released test script
(swz30/Restormer ``Defocus_Deblurring/test_dual_pixel_defocus_deblur.py``)
reads each with ``cv2.imread(path, -1)``, converts BGR -> RGB, divides by
65535 and concatenates along the channels.

Layout (``data_prefix=dict(img='inputL', img_right='inputR', gt='target')``)::

    data_root/inputL/NAME.png   data_root/inputR/NAME.png   data_root/target/NAME.png

The three files of a sample share their name; the ground-truth folder is
listed (sorted by name), or ``ann_file`` lists the names (one per line, e.g.
the indoor or the outdoor scenes only). The released test layout
``test_l/source``, ``test_r/source``, ``test_c/target`` is the same with
``data_prefix=dict(img='test_l/source', img_right='test_r/source',
gt='test_c/target')``. A listed name missing from a view's folder raises one
error naming the folder and the names.

A typical test pipeline loads the three images and packs the two views as one
6-channel input::

    [dict(type='LoadImageFromFile', key='img'),
     dict(type='LoadImageFromFile', key='img_right'),
     dict(type='LoadImageFromFile', key='gt'),
     dict(type='PackDualPixelInputs')]

``PackDualPixelInputs`` checks that both views have the ground truth's height,
width and channels, and stacks them as ``inputs = [left; right]``
(``2C x H x W``); the rest is :class:`PackInputs` (uint8/uint16 views divided
by 255/65535).
"""
from typing import Dict, List, Optional, Sequence

import torch

from irtoolbox.registry import DATASETS, TRANSFORMS

from .basic_restoration_dataset import BasicRestorationDataset
from .transforms.formatting import DEFAULT_META_KEYS, PackInputs, check_scale, to_tensor

MAX_LISTED = 10
PREFIX_KEYS = ('img', 'img_right', 'gt')


@DATASETS.register_module()
class DualPixelPairDataset(BasicRestorationDataset):
    """Left view, right view and ground truth of one name (see the module docstring).

    Args:
        data_root: root folder joined with ``data_prefix`` and ``ann_file``.
        data_prefix: ``dict(img=left-view folder, img_right=right-view folder,
            gt=ground-truth folder)``.
        ann_file: optional list of names (one per line).
        backend_args: mmengine file backend arguments for the folders.
        pipeline, seed, on_error, test_mode, ...: see the base class.
    """

    def __init__(self, data_root: str = '', data_prefix: Optional[Dict[str, str]] = None,
                 ann_file: str = '', backend_args: Optional[dict] = None, **kwargs) -> None:
        data_prefix = (dict(img='inputL', img_right='inputR', gt='target')
                       if data_prefix is None else dict(data_prefix))
        if set(data_prefix) != set(PREFIX_KEYS):
            raise ValueError(f'DualPixelPairDataset: data_prefix needs the keys img, img_right '
                             f'and gt, got {sorted(data_prefix)}')
        super().__init__(data_root=data_root, data_prefix=data_prefix, ann_file=ann_file,
                         backend_args=backend_args, **kwargs)

    def _check_partners(self, names: List[str]) -> None:
        for key in ('img', 'img_right'):
            folder = self.data_prefix[key]
            if not self._is_local(folder):
                continue  # key-value backends cannot be listed; a missing key fails on read
            present = set(self.list_images(folder))
            missing = [n for n in names if n not in present]
            if missing:
                shown = ', '.join(missing[:MAX_LISTED])
                more = (f' and {len(missing) - MAX_LISTED} more'
                        if len(missing) > MAX_LISTED else '')
                raise FileNotFoundError(
                    2, f'DualPixelPairDataset: {len(missing)} image(s) of '
                    f'{self.data_prefix["gt"]!r} have no {key} view in {folder!r}: '
                    f'{shown}{more}', folder)

    def load_data_list(self) -> List[dict]:
        rows = self.names_for(self.data_prefix['gt'])
        if any(len(row) != 1 for row in rows):
            raise ValueError(f'DualPixelPairDataset: {self.ann_file} must list one name per '
                             'line (the same name in the three folders)')
        names = [row[0] for row in rows]
        self._check_partners(names)
        return [dict(img_path=self.file_path(self.data_prefix['img'], name),
                     img_right_path=self.file_path(self.data_prefix['img_right'], name),
                     gt_path=self.file_path(self.data_prefix['gt'], name),
                     sample_idx=i, **self.metainfo)
                for i, name in enumerate(names)]

    def _paths_of(self, idx: int) -> str:
        info = self.get_data_info(idx)
        paths = [info[k] for k in ('img_path', 'img_right_path', 'gt_path') if info.get(k)]
        return ', '.join(dict.fromkeys(paths))


@TRANSFORMS.register_module()
class PackDualPixelInputs(PackInputs):
    """:class:`PackInputs` with the two views stacked as the input, ``[left; right]``.

    Args:
        keys: (left-view key, ground-truth key); the ground truth may be absent.
        right_key: the right-view key.
        meta_keys: results keys copied into the sample's metainfo when present.
    """

    def __init__(self, keys: Sequence[str] = ('img', 'gt'), right_key: str = 'img_right',
                 meta_keys: Sequence[str] = DEFAULT_META_KEYS + ('img_right_path',)) -> None:
        super().__init__(keys=keys, meta_keys=meta_keys)
        self.right_key = right_key

    def transform(self, results: dict) -> dict:
        left_key, gt_key = self.keys
        for key in (left_key, self.right_key):
            if key not in results:
                raise KeyError(f'PackDualPixelInputs needs results[{key!r}] (a dual-pixel '
                               f'view); the sample has keys {sorted(results)}')
        left, right = results[left_key], results[self.right_key]
        if left.shape != right.shape or left.dtype != right.dtype:
            raise ValueError(
                f'PackDualPixelInputs: the views differ: {left_key} '
                f'{results.get(left_key + "_path", "")} is {left.shape} {left.dtype}, '
                f'{self.right_key} {results.get(self.right_key + "_path", "")} is '
                f'{right.shape} {right.dtype}')
        if gt_key in results:  # each view against the ground truth (equal size, channels)
            check_scale(results, self.right_key, gt_key)
        packed = super().transform(results)
        packed['inputs'] = torch.cat([packed['inputs'], to_tensor(right, self.right_key)], 0)
        return packed

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(keys={self.keys}, right_key={self.right_key!r}, '
                f'meta_keys={self.meta_keys})')
