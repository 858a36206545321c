"""Mean absolute error on the [0, 1] scale of the uint8-rounded images.

MAE = mean |pred - gt| / 255, after the same rounding, cropping and optional
BT.601 Y conversion as PSNR/SSIM; see :func:`irtoolbox.evaluation.functional.mae`.
"""
import numpy as np

from irtoolbox.registry import METRICS

from ..functional import mae
from .base_restoration_metric import BaseRestorationMetric


@METRICS.register_module()
class MAE(BaseRestorationMetric):
    """Mean absolute error, overall and per ``group_by`` group.

    Arguments as :class:`BaseRestorationMetric`.
    """

    metric_name = 'MAE'

    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        return mae(pred, gt, self.crop_border, self.test_y_channel, channel_order)
