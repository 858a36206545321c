"""SSIM (Wang et al., TIP 2004, Eq. (13)) as MATLAB/BasicSR compute it.

11 x 11 Gaussian window (sigma 1.5), C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2,
uint8-rounded images in float64, valid region only, mean over channels; see
:func:`irtoolbox.evaluation.functional.ssim`.
"""
import numpy as np

from irtoolbox.registry import METRICS

from ..functional import ssim
from .base_restoration_metric import BaseRestorationMetric


@METRICS.register_module()
class SSIM(BaseRestorationMetric):
    """Structural similarity, overall and per ``group_by`` group.

    Arguments as :class:`BaseRestorationMetric`.
    """

    metric_name = 'SSIM'

    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        return ssim(pred, gt, self.crop_border, self.test_y_channel, channel_order)
