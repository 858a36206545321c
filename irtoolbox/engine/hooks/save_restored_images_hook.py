"""Write every restored test image to a folder (``tools/test.py --out-dir``).

After each test iteration, each rank writes the ``pred_img`` of its own samples
to ``{out_dir}/{name}.{ext}``: the stem of the sample's input (``img_path``,
else ``gt_path``, else ``sample_idx``) followed by the labels that tell apart
several degradations of one clean image (:data:`VARIANT_KEYS`: the task, the
test level or bucket and the copy), e.g. ``astronaut_s=20_c3.png``. Each file
is written under a temporary name and renamed, so none is ever half-written.
Pixels are rounded to uint8 as the metrics round them (clip to [0, 1], x 255,
round half to even),
so PSNR computed on the written files equals the reported PSNR. The sample's
``channel_order`` is respected (cv2 writes BGR).

Safety: the hook refuses (ValueError) to write into a folder that directly
holds one of the sample's input files, so it can never overwrite an input; and
two samples of one run with the same stem raise instead of silently keeping
only the last one.
"""
import os
import os.path as osp
from typing import Any, Optional, Sequence

import cv2
import numpy as np
from mmengine.hooks import Hook

from irtoolbox.registry import HOOKS
from irtoolbox.utils.checkpoint import atomic_write_bytes
from irtoolbox.utils.image_conventions import check_channel_order, image_to_uint8_hwc

from .visualization_hook import sample_stem

EXTENSIONS = ('png', 'bmp', 'tif', 'tiff', 'jpg', 'jpeg', 'webp')


#: metainfo keys (set by MultiTaskDataset, DegradedDataset, HybridDistortionDataset and
#: the Degrade transform) that tell apart the samples made from one clean image, with
#: the prefix of each in output names
VARIANT_KEYS = (('task_name', ''), ('test_level', ''), ('degradation_bucket', ''),
                ('degradation_copy', 'c'))


def _safe_label(value: Any) -> str:
    """A label as a file-name part: path separators and spaces become '-'."""
    return ''.join(ch if ch.isalnum() or ch in '.-+=' else '-' for ch in str(value))


def output_stem(metainfo: dict) -> str:
    """The input's stem plus the sample's task, level and copy labels (those it has)."""
    parts = [input_stem(metainfo)]
    parts += [f'{prefix}{_safe_label(metainfo[key])}' for key, prefix in VARIANT_KEYS
              if metainfo.get(key) is not None and _safe_label(metainfo[key]) not in parts]
    return '_'.join(parts)


def input_stem(metainfo: dict) -> str:
    """The stem of the sample's input: ``img_path``, else ``gt_path``, else ``sample_idx``."""
    return sample_stem(metainfo, path_keys=('img_path', 'gt_path'))


def check_not_input_folder(out_dir: str, metainfo: dict) -> None:
    """Raise if ``out_dir`` directly holds one of the sample's input files."""
    out_real = osp.realpath(out_dir)
    for key in ('img_path', 'gt_path'):
        path = metainfo.get(key)
        # Only local files can be overwritten (lmdb keys, URLs cannot).
        if path and osp.isfile(str(path)) and osp.dirname(osp.realpath(str(path))) == out_real:
            raise ValueError(f'SaveRestoredImagesHook: out_dir {out_dir!r} holds the input file '
                             f'{path!r} ({key}); choose another folder so that no input is '
                             'overwritten')


def to_bgr_for_cv2(img: np.ndarray, channel_order: str) -> np.ndarray:
    """A uint8 ``H x W x C`` image in ``channel_order`` as cv2 wants it (BGR, or 2-D gray)."""
    check_channel_order(channel_order)
    if img.shape[2] == 1:
        return img[..., 0]
    if img.shape[2] in (3, 4) and channel_order == 'rgb':  # RGB(A) -> BGR(A)
        return np.ascontiguousarray(img[..., [2, 1, 0, 3][:img.shape[2]]])
    return img


@HOOKS.register_module()
class SaveRestoredImagesHook(Hook):
    """Save each test sample's ``pred_img`` as ``{out_dir}/{output_stem}.{ext}``.

    Args:
        out_dir: destination folder (created if missing; relative paths are
            relative to the current directory, as typed on the command line).
        ext: image format extension; a lossless one ('png', default) keeps the
            pixels the metrics scored.
    """

    priority = 'LOW'

    def __init__(self, out_dir: str, ext: str = 'png') -> None:
        ext = str(ext).lower().lstrip('.')
        if ext not in EXTENSIONS:
            raise ValueError(f'SaveRestoredImagesHook: ext must be one of {EXTENSIONS}, '
                             f'got {ext!r}')
        self.out_dir = str(out_dir)
        self.ext = ext
        self._written: dict = {}

    def before_test(self, runner) -> None:
        os.makedirs(self.out_dir, exist_ok=True)
        self._written = {}

    def after_test_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                        outputs: Optional[Sequence] = None) -> None:
        for sample in outputs or []:
            self.save(sample)

    def save(self, sample: Any) -> str:
        """Write one sample's ``pred_img``; returns the path written."""
        metainfo = sample.metainfo
        if 'pred_img' not in sample:
            raise KeyError(f'SaveRestoredImagesHook needs pred_img; the sample of '
                           f'{input_stem(metainfo)!r} has {sorted(sample.keys())}')
        check_not_input_folder(self.out_dir, metainfo)
        stem = output_stem(metainfo)
        path = osp.join(self.out_dir, f'{stem}.{self.ext}')
        source = metainfo.get('img_path', metainfo.get('sample_idx'))
        if path in self._written:
            raise ValueError(f'SaveRestoredImagesHook: inputs {self._written[path]!r} and '
                             f'{source!r} would both be written to {path}; give the test '
                             'sets distinct file names or distinct out_dirs')
        image = image_to_uint8_hwc(sample.pred_img, 'pred_img', metainfo)
        image = to_bgr_for_cv2(image, metainfo.get('channel_order', 'rgb'))
        ok, encoded = cv2.imencode(f'.{self.ext}', image)
        if not ok:
            raise OSError(f'SaveRestoredImagesHook could not encode {path}')
        atomic_write_bytes(path, lambda f: f.write(encoded.tobytes()))  # temp + rename
        self._written[path] = source
        return path
