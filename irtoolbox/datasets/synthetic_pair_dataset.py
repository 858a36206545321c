"""Clean images only; the pipeline synthesises each input with ``Degrade``.

Layout: the clean images in ``data_root/<data_prefix['gt']>`` (listed, sorted
by name), or the names of an ``ann_file`` / BasicSR ``meta_info.txt`` (needed
for non-local backends such as lmdb). A typical pipeline::

    [dict(type='LoadImageFromFile', key='gt'),
     dict(type='RandomCrop', crop_size=128),            # training only
     dict(type='Flip', keys=('gt',)),                    # training only
     dict(type='Degrade', degradation=dict(type='GaussianNoise'), level=3),
     dict(type='PackInputs')]

The degradation draws from the generator the base class seeds from
``(seed, index, pass)`` with pass 0 in test mode, so a test split is fixed
per index and the same across runs and dataset instances. ``img_path`` is the
clean image's path (the input is made from it).
"""
from typing import Dict, List, Optional

from irtoolbox.registry import DATASETS

from .basic_restoration_dataset import BasicRestorationDataset


@DATASETS.register_module()
class SyntheticPairDataset(BasicRestorationDataset):
    """Dataset of clean images degraded on the fly (see the module docstring).

    Args:
        data_root: root folder joined with ``data_prefix`` and ``ann_file``.
        data_prefix: ``dict(gt=clean-image folder)``.
        ann_file: optional list of image names (one per line).
        backend_args: mmengine file backend arguments for the folder.
        pipeline, seed, on_error, test_mode, ...: see the base class.
    """

    def __init__(self, data_root: str = '', data_prefix: Optional[Dict[str, str]] = None,
                 ann_file: str = '', backend_args: Optional[dict] = None, **kwargs) -> None:
        data_prefix = dict(gt='') if data_prefix is None else dict(data_prefix)
        if set(data_prefix) != {'gt'}:
            raise ValueError(f'SyntheticPairDataset: data_prefix needs the key gt only, got '
                             f'{sorted(data_prefix)}')
        super().__init__(data_root=data_root, data_prefix=data_prefix, ann_file=ann_file,
                         backend_args=backend_args, **kwargs)

    def load_data_list(self) -> List[dict]:
        gt_dir = self.data_prefix['gt']
        rows = self.names_for(gt_dir)
        if any(len(row) != 1 for row in rows):
            raise ValueError(f'SyntheticPairDataset: {self.ann_file} must list one clean image '
                             'name per line')
        paths = [self.file_path(gt_dir, row[0]) for row in rows]
        return [dict(img_path=path, gt_path=path, sample_idx=i, **self.metainfo)
                for i, path in enumerate(paths)]
