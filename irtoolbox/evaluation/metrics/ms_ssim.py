"""MS-SSIM (Wang, Simoncelli and Bovik, Asilomar 2003, Eq. 7), computed by torchmetrics.

``prod_j cs_j^beta_j * l_M^beta_M`` over M = 5 dyadic scales with the paper's
weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), an 11 x 11 Gaussian window
(sigma 1.5) and K1 = 0.01, K2 = 0.03 on uint8-valued images (range 255), as the
SSIM metric beside it: with one scale (``betas=(1.0,)``) it is that SSIM.
Needs the optional extra ``pip install -e .[metrics]`` (docs/metrics.md).
"""
from typing import Any, Sequence

import numpy as np
import torch

from irtoolbox.registry import METRICS

from ..functional import prepare_pair
from .base_restoration_metric import BaseRestorationMetric

WANG_2003_BETAS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def import_torchmetrics_image():
    """``torchmetrics.functional.image``, or one error naming what to install."""
    try:
        from torchmetrics.functional import image
    except ImportError as err:
        raise ImportError(f'MS-SSIM needs the metrics extra ({err.name} is missing): '
                          'pip install -e .[metrics]') from None
    return image


@METRICS.register_module()
class MSSSIM(BaseRestorationMetric):
    """Multi-scale structural similarity, overall and per ``group_by`` group.

    Args:
        betas: the weight of each scale, finest first (their count is the number of
            scales; each halves H and W, so the images need at least
            ``10 * 2 ** (len(betas) - 1) + 1`` pixels a side).
            Default: the paper's five weights.
        **kwargs: as :class:`BaseRestorationMetric` (``crop_border``,
            ``test_y_channel``, ``group_by``, ``prefix``, ``pred_key``...).
    """

    metric_name = 'MS-SSIM'

    def __init__(self, betas: Sequence[float] = WANG_2003_BETAS, **kwargs: Any) -> None:
        import_torchmetrics_image()  # fail when the evaluator is built, not at the first image
        super().__init__(**kwargs)
        self.betas = tuple(float(b) for b in betas)

    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        """MS-SSIM of one pair of uint8 ``H x W x C`` images (float64, mean over channels)."""
        pred, gt = prepare_pair(pred, gt, self.crop_border, self.test_y_channel, channel_order)
        as_batch = [torch.from_numpy(np.ascontiguousarray(x)).permute(2, 0, 1)[None]
                    for x in (pred, gt)]
        value = import_torchmetrics_image().multiscale_structural_similarity_index_measure(
            *as_batch, data_range=255.0, kernel_size=11, sigma=1.5, betas=self.betas,
            normalize=None)
        return float(value)
