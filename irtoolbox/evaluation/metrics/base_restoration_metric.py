"""Shared base of the full-reference restoration metrics (PSNR, SSIM, MAE).

``process`` receives the dicts that mmengine's ``Evaluator`` makes of the data
samples (``to_dict()``): ``pred_img`` and ``gt_img`` (Tensor or numpy array,
``C x H x W``, float in [0, 1] or uint8; ``H x W`` for one channel) plus the
metainfo keys at top level (``channel_order``, ``degradation_level`` ...).
A sample without ``channel_order`` is taken as 'rgb' (the pipeline default).

As MATLAB/BasicSR, both images are first rounded to uint8: clip to [0, 1],
multiply by 255, round half to even (``np.round``, as ``torch.round``)
(``protocol='uint8'``, the default). ``protocol='float'`` scores the images
unrounded instead: clipped to [0, 1], float64 (uint8 images divided by 255),
as Restormer's released DPDD test scripts do (Zamir et al., CVPR 2022;
``Defocus_Deblurring/test_*_defocus_deblur.py``); only the metrics that list
it in ``protocols`` (PSNR, SSIM, MAE) accept it. Only
a small record per image is kept (the value and its group keys, plain python
types), so mmengine's ``collect_results`` gathers them across ranks cheaply.

``group_by`` adds per-group means to the overall mean. It is a metainfo key,
or a list whose items are keys (one set of groups per key) or tuples of keys
(groups by the combination). A dotted key such as ``degradation_params.sigma``
addresses nested dicts when the sample has no key of that exact name. Results
are named ``'PSNR/degradation_level=3'`` or
``'PSNR/degradation_name=noise,degradation_level=3'``.
"""
from abc import abstractmethod
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from irtoolbox.utils.image_conventions import (
    check_channel_order,
    describe_sample,
    image_to_uint8_hwc,
)

GroupBy = Union[None, str, Sequence[Union[str, Sequence[str]]]]
# 'uint8': MATLAB/BasicSR, images rounded to 8 bits; 'float': unrounded [0, 1] floats.
PROTOCOLS = ('uint8', 'float')
GroupValue = Union[None, bool, int, float, str]


class MissingSampleKeyError(KeyError):
    """A data sample lacks a key the metric needs."""

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0])


def _normalise_group_by(group_by: GroupBy) -> List[Tuple[str, ...]]:
    """Turn the ``group_by`` argument into a list of key tuples."""
    if group_by is None:
        return []
    items = [group_by] if isinstance(group_by, str) else list(group_by)
    specs = []
    for item in items:
        keys = (item,) if isinstance(item, str) else tuple(item)
        if not keys or not all(isinstance(k, str) and k for k in keys):
            raise TypeError(f'group_by items must be non-empty key names or tuples of them, '
                            f'got {item!r}')
        specs.append(keys)
    return specs


def lookup_key(sample: dict, key: str) -> Any:
    """``sample[key]``, or the nested value a dotted key names; clear error if absent."""
    if key in sample:
        return sample[key]
    node: Any = sample
    for part in key.split('.'):
        if not isinstance(node, dict) or part not in node:
            raise MissingSampleKeyError(
                f'group_by key {key!r} is missing from the {describe_sample(sample)}; '
                f'its keys are {sorted(sample)}')
        node = node[part]
    return node


def _plain_group_value(key: str, value: Any) -> GroupValue:
    """A hashable, picklable python scalar for a group value."""
    if isinstance(value, (torch.Tensor, np.ndarray, np.generic)) and np.ndim(value) == 0:
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f'group_by key {key!r} must hold a scalar (int, float, str, bool, None), '
                    f'got {type(value).__name__}')


def image_to_float_hwc(img: Any, name: str, sample: dict) -> np.ndarray:
    """A ``C x H x W`` (or ``H x W``) image as an unrounded float64 ``H x W x C`` array in [0, 1].

    The checks of :func:`image_to_uint8_hwc`, without its rounding: float input
    is clipped to [0, 1] (as the released Restormer scripts clamp their output),
    uint8 input is divided by 255.
    """
    if isinstance(img, torch.Tensor):
        img = img.detach().cpu().numpy()
    if isinstance(img, np.ndarray) and img.dtype == np.uint8:
        # an 8-bit image has no finer values: its float form is exact
        return image_to_uint8_hwc(img, name, sample).astype(np.float64) / 255.0
    # the uint8 conversion checks type, shape and finiteness; its result is not used
    image_to_uint8_hwc(img, name, sample)
    img = img[None] if img.ndim == 2 else img
    return np.ascontiguousarray(np.clip(img.astype(np.float64), 0.0, 1.0).transpose(1, 2, 0))


def _sorted_groups(groups: Dict[tuple, list]) -> List[tuple]:
    try:
        return sorted(groups)
    except TypeError:  # mixed types (e.g. None and int): order by their text
        return sorted(groups, key=str)


class BaseRestorationMetric(BaseMetric):
    """Per-image full-reference metric with means overall and per group.

    Subclasses set ``metric_name`` and implement :meth:`compute_image`.

    Args:
        crop_border: pixels removed from each side before computing.
        test_y_channel: compute on the BT.601 Y channel (3-channel images).
        group_by: metainfo key(s) to report per-group means for (see module doc).
        prefix: prefix of the result names (none by default).
        collect_device: 'cpu' or 'gpu', for collecting results across ranks.
        collect_dir: directory for collecting on 'cpu' (mmengine default if None).
        pred_key: the sample field scored against ``gt_img``; 'input_img'
            scores the degraded input (with ``Restorer(test_cfg=dict(
            keep_input=True))``), the baseline a model must beat.
        protocol: 'uint8' (default): both images rounded to 8 bits first, the
            MATLAB/BasicSR convention of most papers. 'float': unrounded
            float64 images in [0, 1], as Restormer's released DPDD scripts
            score (see each metric for its formula there); only where the
            metric lists it in ``protocols``, and without ``test_y_channel``
            (those scripts score all channels).
    """

    metric_name: str = ''
    # the protocols compute_image implements; a metric that only knows uint8 images refuses 'float'
    protocols: Tuple[str, ...] = ('uint8',)
    default_prefix: Optional[str] = ''  # '' : no prefix and no mmengine warning

    def __init__(self, crop_border: int = 0, test_y_channel: bool = False,
                 group_by: GroupBy = None, prefix: Optional[str] = None,
                 collect_device: str = 'cpu', collect_dir: Optional[str] = None,
                 pred_key: str = 'pred_img', protocol: str = 'uint8') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        self.pred_key = pred_key
        if protocol not in self.protocols:
            known = ' or '.join(repr(p) for p in self.protocols)
            raise ValueError(f'{type(self).__name__} scores protocol {known}, got {protocol!r} '
                             f"('float' is implemented by PSNR, SSIM and MAE)")
        if protocol == 'float' and test_y_channel:
            raise ValueError("protocol='float' scores all channels (as the released Restormer "
                             'DPDD scripts); it does not take test_y_channel=True')
        self.protocol = protocol
        if not isinstance(crop_border, int) or crop_border < 0:
            raise ValueError(f'crop_border must be an int >= 0, got {crop_border!r}')
        self.crop_border = crop_border
        self.test_y_channel = bool(test_y_channel)
        self.group_by = _normalise_group_by(group_by)

    @abstractmethod
    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        """The metric of one pair of ``H x W x C`` images.

        uint8 images (``protocol='uint8'``) or float64 images in [0, 1]
        (``protocol='float'``).
        """

    def value_for_mean(self, value: float) -> float:
        """The value an image contributes to the means (PSNR caps infinities)."""
        return value

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Compute each image's value; keep it with its group keys."""
        for sample in data_samples:
            self.results.append(self._record(sample))

    def _record(self, sample: dict) -> dict:
        """``{'value': the image's metric, 'groups': {group_by key: plain value}}``."""
        # as_float only where asked: overrides of _image_pair (no-reference metrics) know uint8 only
        pred, gt = (self._image_pair(sample, as_float=True) if self.protocol == 'float'
                    else self._image_pair(sample))
        channel_order = sample.get('channel_order') or 'rgb'
        check_channel_order(channel_order, where=f' in the {describe_sample(sample)}')
        value = float(self.compute_image(pred, gt, channel_order))
        keys = {key for spec in self.group_by for key in spec}
        groups = {key: _plain_group_value(key, lookup_key(sample, key)) for key in keys}
        return {'value': value, 'groups': groups}

    def _image_pair(self, sample: dict,
                    as_float: bool = False) -> Tuple[np.ndarray, np.ndarray]:
        """The scored image and ``gt_img`` as ``H x W x C`` arrays of one shape.

        uint8 arrays, or unrounded float64 ones in [0, 1] with ``as_float``
        (FID calls this with ``self`` an FID: only ``metric_name`` and ``pred_key``
        may be read here).
        """
        to_hwc = image_to_float_hwc if as_float else image_to_uint8_hwc
        images = []
        for name in (self.pred_key, 'gt_img'):
            if sample.get(name) is None:
                raise MissingSampleKeyError(
                    f'{self.metric_name} needs {name!r}, missing from the '
                    f'{describe_sample(sample)}; its keys are {sorted(sample)}')
            images.append(to_hwc(sample[name], name, sample))
        pred, gt = images
        if pred.shape != gt.shape:
            raise ValueError(f'{self.pred_key} {pred.shape[:2]} and gt_img {gt.shape[:2]} '
                             f'(H, W, with {pred.shape[2]} vs {gt.shape[2]} channels) differ '
                             f'in the {describe_sample(sample)}')
        return pred, gt

    def _mean(self, values: List[float]) -> float:
        if not values:
            return float('nan')
        return float(np.mean([self.value_for_mean(v) for v in values]))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """The overall mean, then one mean per value of each ``group_by`` spec."""
        metrics = {self.metric_name: self._mean([r['value'] for r in results])}
        for spec in self.group_by:
            groups: Dict[tuple, list] = {}
            for record in results:
                group = tuple(record['groups'][key] for key in spec)
                groups.setdefault(group, []).append(record['value'])
            for group in _sorted_groups(groups):
                label = ','.join(f'{key}={value}' for key, value in zip(spec, group))
                metrics[f'{self.metric_name}/{label}'] = self._mean(groups[group])
        return metrics
