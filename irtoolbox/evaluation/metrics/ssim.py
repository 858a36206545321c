"""SSIM (Wang et al., TIP 2004, Eq. (13)) as MATLAB/BasicSR compute it.

11 x 11 Gaussian window (sigma 1.5), C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2,
uint8-rounded images in float64, valid region only, mean over channels; see
:func:`irtoolbox.evaluation.functional.ssim`.

With ``protocol='float'`` it is scikit-image's
``structural_similarity(gt, pred, data_range=1, channel_axis=-1)`` on the
unrounded images in [0, 1], as Restormer's released DPDD scripts score
(Zamir et al., CVPR 2022): skimage's defaults, a 7 x 7 uniform window,
sample covariances (N - 1), K1 = 0.01, K2 = 0.03, the map cropped by 3 px,
mean over channels. It is called, not rewritten, so it is skimage's exactly:
:func:`ssim_float`.
"""
from typing import Tuple

import numpy as np
from skimage.metrics import structural_similarity

from irtoolbox.registry import METRICS

from ..functional import prepare_pair, ssim
from .base_restoration_metric import PROTOCOLS, BaseRestorationMetric


def ssim_float(pred: np.ndarray, gt: np.ndarray, crop_border: int = 0) -> float:
    """skimage's SSIM (``data_range=1``, defaults otherwise) of float ``H x W x C`` images."""
    pred, gt = prepare_pair(pred, gt, crop_border)
    # float64 in, float64 out: the released scripts pass float32 (their values differ
    # by float32 rounding, 8e-8 on a 512 x 512 photograph; see docs/metrics.md)
    return float(structural_similarity(gt, pred, data_range=1.0, channel_axis=-1))


@METRICS.register_module()
class SSIM(BaseRestorationMetric):
    """Structural similarity, overall and per ``group_by`` group.

    Arguments as :class:`BaseRestorationMetric`, ``protocol='float'`` included.
    """

    metric_name = 'SSIM'
    protocols: Tuple[str, ...] = PROTOCOLS

    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        if self.protocol == 'float':
            return ssim_float(pred, gt, self.crop_border)
        return ssim(pred, gt, self.crop_border, self.test_y_channel, channel_order)
