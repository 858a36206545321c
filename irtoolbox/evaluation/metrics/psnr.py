"""PSNR as MATLAB/BasicSR compute it: PSNR = 10 log10(255^2 / MSE) on uint8-rounded images.

See :mod:`irtoolbox.evaluation.functional` for cropping and the BT.601 Y channel.

An image identical to its ground truth (after rounding) has PSNR ``inf``; a
single one would make the mean ``inf`` and hide every other image. In the means
each image therefore counts at most ``psnr_cap`` dB (100 by default: far above
any real restoration, yet reached by near-identical large images, which is why
finite values are capped as well - capping only ``inf`` would rank an identical
image below an almost identical one). ``psnr_cap=None`` keeps BasicSR's plain
mean (``inf`` if any image is identical).
"""
from typing import Optional

import numpy as np

from irtoolbox.registry import METRICS

from ..functional import psnr
from .base_restoration_metric import BaseRestorationMetric, GroupBy


@METRICS.register_module()
class PSNR(BaseRestorationMetric):
    """Peak signal-to-noise ratio (dB), overall and per ``group_by`` group.

    Args:
        crop_border, test_y_channel, group_by, prefix, collect_device, collect_dir:
            see :class:`BaseRestorationMetric`.
        psnr_cap: the most one image contributes to the means, in dB; None: no cap.
        pred_key: the field scored ('input_img' for the degraded input).
    """

    metric_name = 'PSNR'

    def __init__(self, crop_border: int = 0, test_y_channel: bool = False,
                 group_by: GroupBy = None, prefix: Optional[str] = None,
                 collect_device: str = 'cpu', collect_dir: Optional[str] = None,
                 psnr_cap: Optional[float] = 100.0, pred_key: str = 'pred_img') -> None:
        super().__init__(crop_border, test_y_channel, group_by, prefix, collect_device,
                         collect_dir, pred_key)
        self.psnr_cap = psnr_cap

    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        return psnr(pred, gt, self.crop_border, self.test_y_channel, channel_order)

    def value_for_mean(self, value: float) -> float:
        return value if self.psnr_cap is None else min(value, self.psnr_cap)
