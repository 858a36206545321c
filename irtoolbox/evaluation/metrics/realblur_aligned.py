"""PSNR and SSIM after aligning the restored image to its target: the RealBlur protocol.

RealBlur's targets are not pixel-aligned with the blurred photographs (Rim et al.,
"Real-World Blur Dataset for Learning and Benchmarking Deblurring Algorithms",
ECCV 2020), so its evaluation, also used for the released Restormer figures
(swz30/Restormer ``Motion_Deblurring/evaluate_realblur.py``, after Koehler et
al.'s benchmark), registers each output to its target before scoring. Per image,
on RGB in [0, 1] (the evaluation reads the saved 8-bit outputs; here: the
uint8-rounded images, as every metric of the toolbox):

1. intensity matching: ``p_s = g * p`` with the least-squares gain
   ``g = <t, p> / <p, p>`` (t: target, p: prediction);
2. registration: the homography ``H`` maximising the enhanced correlation
   coefficient between the grey images of ``t`` and ``p_s``
   (``cv2.findTransformECC``, ``MOTION_HOMOGRAPHY`` from the identity, 100
   iterations, no epsilon stop, Gaussian pre-filter size 5);
3. ``p_s`` resampled onto the target's grid by ``H`` (bicubic, mirrored border)
   and a validity mask ``m`` (nearest, 0 outside the warped frame); both images
   are multiplied by ``m``;
4. ``PSNR = 10 log10(1 / E)`` with ``E = sum (m t - m p_a)^2 / sum m`` (sums
   over pixels and channels);
   ``SSIM``: the SSIM map (Gaussian window sigma 1.5, population covariances,
   data range 1; ``skimage.metrics.structural_similarity``) times ``m``, a
   border of 5 pixels (the window radius) dropped, the masked mean of each
   channel, then the mean over channels.

``crop_border`` and ``test_y_channel`` are not offered: the protocol scores the
whole aligned RGB image. An ECC run that does not converge raises OpenCV's
error, which names the image through the evaluator.
"""
from typing import Optional, Tuple

import cv2
import numpy as np
from skimage.metrics import structural_similarity

from irtoolbox.registry import METRICS

from .base_restoration_metric import BaseRestorationMetric, GroupBy

ECC_ITERATIONS = 100
ECC_GAUSS_FILTER = 5
SSIM_SIGMA = 1.5
SSIM_BORDER = int(3.5 * SSIM_SIGMA + 0.5)  # the radius of the Gaussian window (truncate 3.5)


def _grey(img: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.shape[2] == 3 else img[..., 0]


def align_to_target(pred: np.ndarray, gt: np.ndarray
                    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Steps 1-3 above for float32 ``H x W x C`` RGB images in [0, 1].

    Returns:
        ``(aligned pred * m, gt * m, m, H)``; ``m`` is ``H x W x C``.
    """
    pred = np.ascontiguousarray(pred, dtype=np.float32)
    gt = np.ascontiguousarray(gt, dtype=np.float32)
    gain = float(np.sum(gt * pred, dtype=np.float64) / np.sum(pred * pred, dtype=np.float64))
    scaled = (gain * pred).astype(np.float32)
    warp = np.eye(3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, ECC_ITERATIONS, 0)
    _, warp = cv2.findTransformECC(_grey(gt), _grey(scaled), warp, cv2.MOTION_HOMOGRAPHY,
                                   criteria, None, ECC_GAUSS_FILTER)
    size = (gt.shape[1], gt.shape[0])
    aligned = cv2.warpPerspective(scaled, warp, size,
                                  flags=cv2.INTER_CUBIC + cv2.WARP_INVERSE_MAP,
                                  borderMode=cv2.BORDER_REFLECT)
    mask = cv2.warpPerspective(np.ones_like(scaled), warp, size,
                               flags=cv2.INTER_NEAREST + cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    aligned, mask = (a.reshape(gt.shape) for a in (aligned, mask))  # cv2 drops a 1-channel axis
    return aligned * mask, gt * mask, mask, warp


def masked_psnr(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray) -> float:
    """Step 4: PSNR of [0, 1] images over the mask's support."""
    err = np.sum((gt.astype(np.float64) - pred) ** 2) / np.sum(mask, dtype=np.float64)
    return float('inf') if err == 0 else float(10 * np.log10(1.0 / err))


def masked_ssim(pred: np.ndarray, gt: np.ndarray, mask: np.ndarray) -> float:
    """Step 4: SSIM map times the mask, window border dropped, masked channel means."""
    _, ssim_map = structural_similarity(gt, pred, channel_axis=2, gaussian_weights=True,
                                        sigma=SSIM_SIGMA, use_sample_covariance=False,
                                        data_range=1.0, full=True)
    b = SSIM_BORDER
    ssim_map, mask = (ssim_map * mask)[b:-b, b:-b], mask[b:-b, b:-b]
    return float(np.mean(ssim_map.sum(axis=(0, 1)) / mask.sum(axis=(0, 1))))


class _RealBlurAligned(BaseRestorationMetric):
    """Align, then ``score(aligned pred, masked gt, mask)`` (the module docstring).

    Args:
        group_by, prefix, collect_device, collect_dir, pred_key: see
            :class:`BaseRestorationMetric`.
    """

    score = None  # the masked score of a subclass

    def __init__(self, group_by: GroupBy = None, prefix: Optional[str] = None,
                 collect_device: str = 'cpu', collect_dir: Optional[str] = None,
                 pred_key: str = 'pred_img') -> None:
        super().__init__(0, False, group_by, prefix, collect_device, collect_dir, pred_key)

    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        if channel_order == 'bgr':  # the ECC runs on the grey image of RGB
            pred, gt = pred[..., ::-1], gt[..., ::-1]
        aligned, target, mask, _ = align_to_target(pred.astype(np.float32) / 255,
                                                   gt.astype(np.float32) / 255)
        return self.score(aligned, target, mask)


@METRICS.register_module()
class RealBlurPSNR(_RealBlurAligned):
    """PSNR (dB) after RealBlur's gain matching and ECC alignment."""

    metric_name = 'RealBlurPSNR'
    score = staticmethod(masked_psnr)


@METRICS.register_module()
class RealBlurSSIM(_RealBlurAligned):
    """SSIM after RealBlur's gain matching and ECC alignment."""

    metric_name = 'RealBlurSSIM'
    score = staticmethod(masked_ssim)
