"""The l1 and l2 "losses" DL-Net reports (Guo et al., "Deep Likelihood
Network", Sec. IV-A, Tables I-XI): images converted to floating point and
scaled to [-1, 1], then the mean absolute / squared difference per image.

On the uint8-rounded images of the other metrics (same cropping, same
optional Y channel), ``p' = 2 p / 255 - 1``: ``l1 = mean |p' - g'|`` (twice
the [0, 1] MAE) and ``l2 = mean (p' - g')^2`` (four times the [0, 1] MSE).
The paper's PSNR column is the usual PSNR: on [-1, 1] with the peak-to-peak
range 2, ``10 log10(2^2 / l2)`` equals ``10 log10(1 / MSE)`` on [0, 1], so
:class:`PSNR` reports it.
"""
import numpy as np

from irtoolbox.registry import METRICS

from ..functional import mae, prepare_pair
from .base_restoration_metric import BaseRestorationMetric


@METRICS.register_module()
class SignedL1(BaseRestorationMetric):
    """Mean |pred - gt| of images scaled to [-1, 1]; overall and per ``group_by`` group.

    Arguments as :class:`BaseRestorationMetric`.
    """

    metric_name = 'l1'

    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        # MAE is on [0, 1]; the [-1, 1] scale doubles every difference.
        return 2.0 * mae(pred, gt, self.crop_border, self.test_y_channel, channel_order)


@METRICS.register_module()
class SignedL2(BaseRestorationMetric):
    """Mean (pred - gt)^2 of images scaled to [-1, 1]; overall and per ``group_by`` group.

    Arguments as :class:`BaseRestorationMetric`.
    """

    metric_name = 'l2'

    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        pred, gt = prepare_pair(pred, gt, self.crop_border, self.test_y_channel, channel_order)
        # 0..255 -> [-1, 1] multiplies every difference by 2 / 255.
        return float(np.mean((2.0 * (pred - gt) / 255.0) ** 2))
