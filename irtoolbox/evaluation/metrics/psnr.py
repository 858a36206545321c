"""PSNR as MATLAB/BasicSR compute it: PSNR = 10 log10(255^2 / MSE) on uint8-rounded images.

See :mod:`irtoolbox.evaluation.functional` for cropping and the BT.601 Y channel.
With ``protocol='float'`` (Restormer's released DPDD scripts, Zamir et al.,
CVPR 2022) it is PSNR = 10 log10(1 / MSE) on the unrounded images in [0, 1],
over all channels: :func:`psnr_float`.

An image identical to its ground truth (after rounding) has PSNR ``inf``; a
single one would make the mean ``inf`` and hide every other image. In the means
each image therefore counts at most ``psnr_cap`` dB (100 by default: far above
any real restoration, yet reached by near-identical large images, which is why
finite values are capped as well - capping only ``inf`` would rank an identical
image below an almost identical one). ``psnr_cap=None`` keeps BasicSR's plain
mean (``inf`` if any image is identical). The released DPDD scripts give an
identical image 100 dB, the same as the default cap.
"""
from typing import Optional, Tuple

import numpy as np

from irtoolbox.registry import METRICS

from ..functional import prepare_pair, psnr
from .base_restoration_metric import PROTOCOLS, BaseRestorationMetric, GroupBy


def psnr_float(pred: np.ndarray, gt: np.ndarray, crop_border: int = 0) -> float:
    """10 log10(1 / MSE) of two float ``H x W x C`` images in [0, 1]; ``inf`` if equal."""
    pred, gt = prepare_pair(pred, gt, crop_border)
    mse = np.mean((pred - gt) ** 2)
    return float('inf') if mse == 0 else float(10.0 * np.log10(1.0 / mse))


@METRICS.register_module()
class PSNR(BaseRestorationMetric):
    """Peak signal-to-noise ratio (dB), overall and per ``group_by`` group.

    Args:
        crop_border, test_y_channel, group_by, prefix, collect_device, collect_dir:
            see :class:`BaseRestorationMetric`.
        psnr_cap: the most one image contributes to the means, in dB; None: no cap.
        pred_key: the field scored ('input_img' for the degraded input).
        protocol: 'uint8' (peak 255 on rounded images) or 'float' (peak 1 on
            unrounded ones); see :class:`BaseRestorationMetric`.
    """

    metric_name = 'PSNR'
    protocols: Tuple[str, ...] = PROTOCOLS

    def __init__(self, crop_border: int = 0, test_y_channel: bool = False,
                 group_by: GroupBy = None, prefix: Optional[str] = None,
                 collect_device: str = 'cpu', collect_dir: Optional[str] = None,
                 psnr_cap: Optional[float] = 100.0, pred_key: str = 'pred_img',
                 protocol: str = 'uint8') -> None:
        super().__init__(crop_border, test_y_channel, group_by, prefix, collect_device,
                         collect_dir, pred_key, protocol)
        self.psnr_cap = psnr_cap

    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        if self.protocol == 'float':
            return psnr_float(pred, gt, self.crop_border)
        return psnr(pred, gt, self.crop_border, self.test_y_channel, channel_order)

    def value_for_mean(self, value: float) -> float:
        return value if self.psnr_cap is None else min(value, self.psnr_cap)
