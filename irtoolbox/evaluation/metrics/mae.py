"""Mean absolute error on the [0, 1] scale of the uint8-rounded images.

MAE = mean |pred - gt| / 255, after the same rounding, cropping and optional
BT.601 Y conversion as PSNR/SSIM; see :func:`irtoolbox.evaluation.functional.mae`.
With ``protocol='float'`` (Restormer's released DPDD scripts, Zamir et al.,
CVPR 2022) it is mean |pred - gt| of the unrounded images in [0, 1] over all
channels (the scripts average sklearn's per-channel MAE, the same for
channels of one size): :func:`mae_float`.
"""
from typing import Tuple

import numpy as np

from irtoolbox.registry import METRICS

from ..functional import mae, prepare_pair
from .base_restoration_metric import PROTOCOLS, BaseRestorationMetric


def mae_float(pred: np.ndarray, gt: np.ndarray, crop_border: int = 0) -> float:
    """Mean |pred - gt| of two float ``H x W x C`` images in [0, 1]."""
    pred, gt = prepare_pair(pred, gt, crop_border)
    return float(np.mean(np.abs(pred - gt)))


@METRICS.register_module()
class MAE(BaseRestorationMetric):
    """Mean absolute error, overall and per ``group_by`` group.

    Arguments as :class:`BaseRestorationMetric`, ``protocol='float'`` included.
    """

    metric_name = 'MAE'
    protocols: Tuple[str, ...] = PROTOCOLS

    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        if self.protocol == 'float':
            return mae_float(pred, gt, self.crop_border)
        return mae(pred, gt, self.crop_border, self.test_y_channel, channel_order)
