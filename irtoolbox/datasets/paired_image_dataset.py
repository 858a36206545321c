"""Pairs of a low-quality input and its ground truth, stored as image files.

Layout (``data_prefix=dict(img='lq', gt='gt')`` under ``data_root``)::

    data_root/lq/0001.png   data_root/gt/0001.png   ...

Pairs are found one of three ways:

1. Listing: every image in the ``gt`` folder (sorted by name) is paired with
   the ``img`` file whose stem is ``filename_tmpl.format(gt_stem)`` (any image
   extension). Missing partners raise one error listing them.
2. ``ann_file``: one pair per line, ``lq_name gt_name`` (relative to the two
   folders) or a single ``name`` used for both (``filename_tmpl`` applied to
   the input's stem); BasicSR ``meta_info.txt`` lines (``name.png (h,w,c)
   level``) are read as single names.
3. Non-local backends (lmdb, ...), which cannot be listed: ``ann_file`` or a
   ``meta_info.txt`` inside the ``gt`` folder; keys are the names without
   their last extension (``a.b.png`` -> ``a.b``).

Each data info holds ``img_path``, ``gt_path``, ``sample_idx`` and the
dataset ``metainfo``. Seeding and bad files: see
:class:`~irtoolbox.datasets.basic_restoration_dataset.BasicRestorationDataset`.
"""
import os.path as osp
from typing import Dict, List, Optional

from irtoolbox.registry import DATASETS

from .basic_restoration_dataset import BasicRestorationDataset

MAX_LISTED = 10


@DATASETS.register_module()
class PairedImageDataset(BasicRestorationDataset):
    """Paired restoration dataset (see the module docstring).

    Args:
        data_root: root folder joined with ``data_prefix`` and ``ann_file``.
        data_prefix: ``dict(img=input folder, gt=ground-truth folder)``.
        ann_file: optional list of pairs.
        filename_tmpl: input stem as a function of the ground-truth stem,
            e.g. ``'{}x4'`` for DIV2K's ``0001x4.png``.
        backend_args: mmengine file backend arguments for the folders.
        pipeline, seed, on_error, test_mode, ...: see the base class.
    """

    def __init__(self, data_root: str = '', data_prefix: Optional[Dict[str, str]] = None,
                 ann_file: str = '', filename_tmpl: str = '{}',
                 backend_args: Optional[dict] = None, **kwargs) -> None:
        data_prefix = dict(img='lq', gt='gt') if data_prefix is None else dict(data_prefix)
        if set(data_prefix) != {'img', 'gt'}:
            raise ValueError(f'PairedImageDataset: data_prefix needs keys img and gt, got '
                             f'{sorted(data_prefix)}')
        self.filename_tmpl = filename_tmpl
        super().__init__(data_root=data_root, data_prefix=data_prefix, ann_file=ann_file,
                         backend_args=backend_args, **kwargs)

    def _lq_name(self, gt_name: str) -> str:
        stem, ext = osp.splitext(gt_name)
        return self.filename_tmpl.format(stem) + ext

    def _pairs_from_rows(self, rows: List[List[str]]) -> List[List[str]]:
        return [[row[0], row[1]] if len(row) == 2 else [self._lq_name(row[0]), row[0]]
                for row in rows]

    def _pairs_from_listing(self, lq_dir: str, gt_dir: str) -> List[List[str]]:
        lq_by_stem = {osp.splitext(n)[0]: n for n in self.list_images(lq_dir)}
        pairs, missing = [], []
        for gt_name in self.list_images(gt_dir):
            lq_stem = self.filename_tmpl.format(osp.splitext(gt_name)[0])
            if lq_stem in lq_by_stem:
                pairs.append([lq_by_stem[lq_stem], gt_name])
            else:
                missing.append(f'{gt_name} -> {lq_stem}.*')
        if missing:
            shown = ', '.join(missing[:MAX_LISTED])
            more = f' and {len(missing) - MAX_LISTED} more' if len(missing) > MAX_LISTED else ''
            raise FileNotFoundError(
                2, f'PairedImageDataset: {len(missing)} ground-truth image(s) in {gt_dir!r} have '
                f'no input partner in {lq_dir!r} (filename_tmpl={self.filename_tmpl!r}): '
                f'{shown}{more}', lq_dir)
        return pairs

    def load_data_list(self) -> List[dict]:
        lq_dir, gt_dir = self.data_prefix['img'], self.data_prefix['gt']
        if not self.ann_file and self._is_local(gt_dir) and self._is_local(lq_dir):
            pairs = self._pairs_from_listing(lq_dir, gt_dir)
        else:
            pairs = self._pairs_from_rows(self.names_for(gt_dir))
        return [dict(img_path=self.file_path(lq_dir, lq), gt_path=self.file_path(gt_dir, gt),
                     sample_idx=i, **self.metainfo)
                for i, (lq, gt) in enumerate(pairs)]
