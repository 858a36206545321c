"""Side-by-side pictures of validation samples: degraded | restored | ground truth.

During each validation run (every ``interval``-th one), rank 0 draws
``max_images`` samples as RGB grids, chosen to cover the test set: as many of its
groups as possible (the ``group_keys`` of the metainfo: ``task_name`` of a
MultiTaskDataset, ``test_level`` of a DegradedDataset, ``degradation_bucket`` of a
HybridDistortionDataset), then as many distinct
images (``gt_path``); among equal choices the earlier samples. (The first
``max_images`` samples alone showed one task of an all-in-one test set, or one
image at several levels.) Each grid is::

    +----------+--+----------+--+--------------+
    | degraded |  | restored |  | ground truth |    <- label band, LABEL_HEIGHT px
    +----------+--+----------+--+--------------+
    |  input   |  |pred_img  |  |   gt_img     |    <- H x W panels, pixel exact
    +----------+--+----------+--+--------------+
                 ^ SEPARATOR_WIDTH px, SEPARATOR_VALUE

and the chosen grids are written at the end of the validation run to
``{work_dir}/{out_dir}/iter_{runner.iter}/{stem}.png``, where
the stem is that of the sample's ``gt_path`` (else ``img_path``, else
``sample_idx``). The grid also goes to the runner's visualizer
(``add_image``), so LocalVisBackend / TensorBoard / W&B users get it too.

The degraded panel is the raw ``data_batch['inputs'][i]`` (before the data
preprocessor) or, failing that, the sample's ``input_img``; for
super-resolution it is upscaled to the restored size (nearest by default, so
the panel shows the true input pixels). Images are rounded to uint8 as the
metrics do (clip to [0, 1], x 255, round half to even) and converted from the
sample's ``channel_order`` to RGB. Problems (missing fields, bad shapes, a
failed write) raise: a silently missing picture is worse than a clear error.
"""
import os
import os.path as osp
from typing import Any, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from irtoolbox.registry import HOOKS
from irtoolbox.utils.image_conventions import check_channel_order, image_to_uint8_hwc

LABELS = ('degraded', 'restored', 'ground truth')
LABEL_HEIGHT = 16
SEPARATOR_WIDTH = 2
SEPARATOR_VALUE = 255
UPSAMPLE_MODES = {'nearest': cv2.INTER_NEAREST, 'bicubic': cv2.INTER_CUBIC}
#: metainfo keys naming a test set's groups (MultiTaskDataset, DegradedDataset,
#: HybridDistortionDataset)
GROUP_KEYS = ('task_name', 'test_level', 'degradation_bucket')


def to_rgb(img: np.ndarray, channel_order: str, name: str) -> np.ndarray:
    """A uint8 ``H x W x C`` image (C = 1 or 3) in ``channel_order`` as ``H x W x 3`` RGB."""
    check_channel_order(channel_order)
    if img.shape[2] == 1:
        return np.repeat(img, 3, axis=2)
    if img.shape[2] != 3:
        raise ValueError(f'{name} must have 1 or 3 channels to be drawn, got {img.shape[2]}')
    return np.ascontiguousarray(img[..., ::-1]) if channel_order == 'bgr' else img


def _label_band(width: int, text: str) -> np.ndarray:
    """A black band with ``text`` in white, shrunk to fit ``width`` (clipped if still too long)."""
    band = np.zeros((LABEL_HEIGHT, width, 3), np.uint8)
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.4
    text_w = cv2.getTextSize(text, font, scale, 1)[0][0]
    scale = max(0.25, scale * min(1.0, (width - 4) / max(text_w, 1)))
    cv2.putText(band, text, (2, LABEL_HEIGHT - 4), font, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return band


def make_restoration_grid(degraded: Any, restored: Any, gt: Any, channel_order: str = 'rgb',
                          upsample: str = 'nearest',
                          metainfo: Optional[dict] = None) -> np.ndarray:
    """The labelled RGB uint8 grid degraded | restored | ground truth (see module doc).

    Args:
        degraded, restored, gt: ``C x H x W`` images, float in [0, 1] or uint8,
            in ``channel_order``. ``degraded`` may be smaller (super-resolution):
            it is resized to the restored size with ``upsample``.
        channel_order: 'rgb' or 'bgr', the order of the three inputs.
        upsample: 'nearest' or 'bicubic'.
        metainfo: the sample's metainfo, only to name it in error messages.
    """
    if upsample not in UPSAMPLE_MODES:
        raise ValueError(f'upsample must be one of {sorted(UPSAMPLE_MODES)}, got {upsample!r}')
    # The metrics' own rounding, so the picture shows the pixels that were scored.
    panels = [to_rgb(image_to_uint8_hwc(img, name, metainfo or {}), channel_order, name)
              for img, name in zip((degraded, restored, gt), ('degraded', 'pred_img', 'gt_img'))]
    height, width = panels[1].shape[:2]
    if panels[2].shape[:2] != (height, width):
        raise ValueError(f'pred_img {(height, width)} and gt_img {panels[2].shape[:2]} differ '
                         'in size (H, W)')
    if panels[0].shape[:2] != (height, width):
        panels[0] = cv2.resize(panels[0], (width, height), interpolation=UPSAMPLE_MODES[upsample])
    separator = np.full((LABEL_HEIGHT + height, SEPARATOR_WIDTH, 3), SEPARATOR_VALUE, np.uint8)
    columns: List[np.ndarray] = []
    for panel, label in zip(panels, LABELS):
        if columns:
            columns.append(separator)
        columns.append(np.concatenate([_label_band(width, label), panel], axis=0))
    return np.concatenate(columns, axis=1)


def sample_stem(metainfo: dict, path_keys: Sequence[str] = ('gt_path', 'img_path')) -> str:
    """The file stem of a sample: that of the first of ``path_keys`` it has, else
    ``sample_<sample_idx>``."""
    for key in path_keys:
        path = metainfo.get(key)
        if path:
            return osp.splitext(osp.basename(str(path)))[0]
    if metainfo.get('sample_idx') is not None:
        return f"sample_{metainfo['sample_idx']}"
    raise KeyError(f'cannot name the sample: its metainfo has no {", ".join(path_keys)} or '
                   f'sample_idx (keys: {sorted(metainfo)})')


def _degraded_input(data_batch: Optional[dict], index: int, sample: Any) -> Any:
    """The raw input of sample ``index`` of the batch, else its ``input_img``."""
    inputs = data_batch.get('inputs') if isinstance(data_batch, dict) else None
    if inputs is not None and index < len(inputs):
        return inputs[index]
    if 'input_img' in sample:
        return sample.input_img
    raise KeyError('RestorationVisualizationHook needs the degraded input: data_batch has no '
                   "'inputs' for this sample and the output has no 'input_img'")


def coverage_key(metainfo: dict, group_keys: Sequence[str]) -> Tuple[tuple, str]:
    """``(group, image)`` of a sample: its ``group_keys`` values and its file."""
    group = tuple(str(metainfo.get(key)) for key in group_keys)
    return group, str(metainfo.get('gt_path') or metainfo.get('img_path')
                      or metainfo.get('sample_idx'))


def _coverage(keys: Sequence[Tuple[tuple, str]]) -> Tuple[int, int]:
    return len({group for group, _ in keys}), len({image for _, image in keys})


def choose_slot(chosen: Sequence[Tuple[tuple, str]], new: Tuple[tuple, str],
                limit: int) -> Optional[int]:
    """Where ``new`` goes in a selection of at most ``limit`` samples: ``len(chosen)``
    while there is room, else the slot whose replacement most increases the
    coverage (distinct groups, then distinct images), the latest of equal ones,
    or None when no replacement increases it (the earlier samples stay)."""
    if len(chosen) < limit:
        return len(chosen)
    best, best_slot = _coverage(chosen), None
    for slot in reversed(range(len(chosen))):
        trial = _coverage([*chosen[:slot], new, *chosen[slot + 1:]])
        if trial > best:
            best, best_slot = trial, slot
    return best_slot


@HOOKS.register_module()
class RestorationVisualizationHook(Hook):
    """Save degraded | restored | ground-truth grids of validation samples that cover
    the test set's groups and images (module docstring).

    Args:
        max_images: samples drawn per validation run (rank 0 only).
        group_keys: metainfo keys of the groups to cover. Default: GROUP_KEYS.
        interval: draw at every ``interval``-th validation run (1 = all).
        out_dir: folder under ``runner.work_dir`` for the PNG files.
        upsample: how a smaller (super-resolution) input is resized for its
            panel: 'nearest' (the true pixels) or 'bicubic'.
    """

    priority = 'LOW'

    def __init__(self, max_images: int = 4, interval: int = 1, out_dir: str = 'vis',
                 upsample: str = 'nearest', group_keys: Sequence[str] = GROUP_KEYS) -> None:
        if not isinstance(max_images, int) or max_images < 0:
            raise ValueError(f'max_images must be an int >= 0, got {max_images!r}')
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'interval must be an int >= 1, got {interval!r}')
        if upsample not in UPSAMPLE_MODES:
            raise ValueError(f'upsample must be one of {sorted(UPSAMPLE_MODES)}, '
                             f'got {upsample!r}')
        self.max_images = max_images
        self.interval = interval
        self.out_dir = out_dir
        self.upsample = upsample
        self.group_keys = tuple(group_keys)
        self._val_runs = 0
        self._keys: List[Tuple[tuple, str]] = []
        self._grids: List[Tuple[int, np.ndarray, dict]] = []  # (arrival, grid, metainfo)
        self._seen = 0
        self._active = False
        self._names: set = set()

    def before_val_epoch(self, runner) -> None:
        self._val_runs += 1
        self._active = is_main_process() and (self._val_runs - 1) % self.interval == 0
        self._names = set()
        self._keys, self._grids, self._seen = [], [], 0

    def after_val_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                       outputs: Optional[Sequence] = None) -> None:
        if not self._active or not outputs:
            return
        for index, sample in enumerate(outputs):
            self._seen += 1
            key = coverage_key(sample.metainfo, self.group_keys)
            slot = choose_slot(self._keys, key, self.max_images)
            if slot is None:
                continue
            entry = (self._seen, self._grid(data_batch, index, sample), sample.metainfo)
            if slot == len(self._keys):
                self._keys.append(key)
                self._grids.append(entry)
            else:
                self._keys[slot], self._grids[slot] = key, entry

    def after_val_epoch(self, runner, metrics: Optional[dict] = None) -> None:
        if not self._active:
            return
        for _, grid, metainfo in sorted(self._grids, key=lambda entry: entry[0]):
            self._write(runner, grid, metainfo)
        self._keys, self._grids = [], []

    def _grid(self, data_batch: Optional[dict], index: int, sample: Any) -> np.ndarray:
        for field in ('pred_img', 'gt_img'):
            if field not in sample:
                raise KeyError(f'RestorationVisualizationHook needs {field!r} in the validation '
                               f'outputs; sample {sample_stem(sample.metainfo)!r} has '
                               f'{sorted(sample.keys())}')
        return make_restoration_grid(_degraded_input(data_batch, index, sample), sample.pred_img,
                                     sample.gt_img, sample.metainfo.get('channel_order', 'rgb'),
                                     self.upsample, sample.metainfo)

    def _write(self, runner, grid: np.ndarray, metainfo: dict) -> None:
        name = self._unique_name(sample_stem(metainfo), metainfo)
        folder = osp.join(runner.work_dir, self.out_dir, f'iter_{runner.iter}')
        os.makedirs(folder, exist_ok=True)
        path = osp.join(folder, f'{name}.png')
        if not cv2.imwrite(path, grid[..., ::-1]):  # cv2 writes BGR
            raise OSError(f'RestorationVisualizationHook could not write {path}')
        runner.visualizer.add_image(f'val_{name}', grid, step=runner.iter)

    def _unique_name(self, stem: str, metainfo: dict) -> str:
        # Two test sets may hold files of the same name: keep both pictures.
        name = stem
        if name in self._names:  # the group (task, level) first, then a counter
            groups = [str(metainfo[key]) for key in self.group_keys if key in metainfo]
            name = '_'.join([stem, *groups]) if groups else f"{stem}_{metainfo.get('sample_idx')}"
            name = ''.join(c if c.isalnum() or c in '-_.=' else '_' for c in name)
            base, count = name, 1
            while name in self._names:
                name, count = f'{base}_{count}', count + 1
        self._names.add(name)
        return name
