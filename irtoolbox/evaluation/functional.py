"""Full-reference image-quality measures, computed as MATLAB and BasicSR do.

The functions take two numpy arrays ``H x W x C`` (or ``H x W``) in the uint8
range [0, 255] (uint8 or float; the metric classes round predictions to uint8
before calling them) and compute in float64:

- ``crop_border`` removes that many pixels from each side first.
- ``test_y_channel`` replaces a 3-channel image by the luma Y of ITU-R BT.601
  (the MATLAB ``rgb2ycbcr`` convention), on RGB scaled to [0, 1]::

      Y = 16 + 65.481 R + 128.553 G + 24.966 B      (0..255 scale, not rounded)

  ``channel_order`` ('rgb' or 'bgr') says which channel is R: it is never
  guessed. Single-channel images are used unchanged (as BasicSR does).
- PSNR = 10 log10(255^2 / MSE); ``inf`` for identical images.
- SSIM (Wang et al., "Image quality assessment: from error visibility to
  structural similarity", TIP 2004, Eq. (13)) with an 11 x 11 Gaussian window of
  sigma 1.5, C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2, averaged over the valid
  region (the map is cropped by the window radius, 5 px, as in BasicSR's
  ``_ssim``) and then over channels.
- MAE = mean |img1 - img2| / 255, i.e. on the [0, 1] scale.
"""
from typing import Tuple

import cv2
import numpy as np

from irtoolbox.utils.image_conventions import check_channel_order

# BT.601 luma weights for R, G, B in [0, 1], giving Y on the 0..255 scale.
BT601_Y_WEIGHTS_RGB = (65.481, 128.553, 24.966)
BT601_Y_OFFSET = 16.0

SSIM_WINDOW_SIZE = 11
SSIM_SIGMA = 1.5
SSIM_C1 = (0.01 * 255) ** 2
SSIM_C2 = (0.03 * 255) ** 2


def to_y_channel(img: np.ndarray, channel_order: str = 'rgb') -> np.ndarray:
    """BT.601 luma of an ``H x W x 3`` image in the 0..255 range.

    Returns a float64 ``H x W x 1`` array on the 0..255 scale (16..235 for
    inputs in range), not rounded, so PSNR/SSIM on Y match MATLAB/BasicSR.
    """
    check_channel_order(channel_order)
    img = np.asarray(img, dtype=np.float64)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'to_y_channel needs an H x W x 3 image, got shape {img.shape}')
    weights = np.asarray(BT601_Y_WEIGHTS_RGB, dtype=np.float64)
    if channel_order == 'bgr':
        weights = weights[::-1]
    luma = BT601_Y_OFFSET + (img / 255.0) @ weights
    return luma[..., None]


def _as_hwc(img: np.ndarray, name: str) -> np.ndarray:
    img = np.asarray(img)
    if img.ndim == 2:
        img = img[..., None]
    if img.ndim != 3:
        raise ValueError(f'{name} must be an H x W or H x W x C array, got shape {img.shape}')
    return img.astype(np.float64)


def prepare_pair(img1: np.ndarray, img2: np.ndarray, crop_border: int = 0,
                 test_y_channel: bool = False,
                 channel_order: str = 'rgb') -> Tuple[np.ndarray, np.ndarray]:
    """Check, crop and (optionally) convert to Y both images; float64 H x W x C."""
    check_channel_order(channel_order)
    img1, img2 = _as_hwc(img1, 'img1'), _as_hwc(img2, 'img2')
    if img1.shape != img2.shape:
        raise ValueError(f'Images must have the same shape, got {img1.shape} and {img2.shape}')
    if not isinstance(crop_border, (int, np.integer)) or crop_border < 0:
        raise ValueError(f'crop_border must be an int >= 0, got {crop_border!r}')
    if crop_border:
        img1 = img1[crop_border:-crop_border, crop_border:-crop_border]
        img2 = img2[crop_border:-crop_border, crop_border:-crop_border]
    if img1.size == 0:
        raise ValueError(f'crop_border={crop_border} leaves nothing of images of shape '
                         f'{img2.shape}')
    if test_y_channel and img1.shape[2] == 3:
        img1 = to_y_channel(img1, channel_order)
        img2 = to_y_channel(img2, channel_order)
    return img1, img2


def psnr(img1: np.ndarray, img2: np.ndarray, crop_border: int = 0,
         test_y_channel: bool = False, channel_order: str = 'rgb') -> float:
    """Peak signal-to-noise ratio in dB with peak 255; ``inf`` for equal images."""
    img1, img2 = prepare_pair(img1, img2, crop_border, test_y_channel, channel_order)
    mse = np.mean((img1 - img2) ** 2)
    if mse == 0:
        return float('inf')
    return float(10.0 * np.log10(255.0 ** 2 / mse))


def _ssim_window() -> np.ndarray:
    kernel = cv2.getGaussianKernel(SSIM_WINDOW_SIZE, SSIM_SIGMA)
    return np.outer(kernel, kernel.transpose())


def _ssim_single_channel(img1: np.ndarray, img2: np.ndarray, window: np.ndarray) -> float:
    """Mean SSIM map of two H x W float64 images over the valid region."""
    radius = SSIM_WINDOW_SIZE // 2
    valid = (slice(radius, -radius), slice(radius, -radius))

    def local_mean(x: np.ndarray) -> np.ndarray:
        # Borders are filled by cv2 but cropped away: only the valid region counts.
        return cv2.filter2D(x, -1, window)[valid]

    mu1, mu2 = local_mean(img1), local_mean(img2)
    sigma1_sq = local_mean(img1 * img1) - mu1 ** 2
    sigma2_sq = local_mean(img2 * img2) - mu2 ** 2
    sigma12 = local_mean(img1 * img2) - mu1 * mu2
    numerator = (2 * mu1 * mu2 + SSIM_C1) * (2 * sigma12 + SSIM_C2)
    denominator = (mu1 ** 2 + mu2 ** 2 + SSIM_C1) * (sigma1_sq + sigma2_sq + SSIM_C2)
    return float(np.mean(numerator / denominator))


def ssim(img1: np.ndarray, img2: np.ndarray, crop_border: int = 0,
         test_y_channel: bool = False, channel_order: str = 'rgb') -> float:
    """Structural similarity (MATLAB/BasicSR settings), mean over channels."""
    img1, img2 = prepare_pair(img1, img2, crop_border, test_y_channel, channel_order)
    if min(img1.shape[:2]) < SSIM_WINDOW_SIZE:
        raise ValueError(f'SSIM needs images of at least {SSIM_WINDOW_SIZE} x '
                         f'{SSIM_WINDOW_SIZE} pixels after crop_border={crop_border}, '
                         f'got {img1.shape[:2]}')
    window = _ssim_window()
    values = [_ssim_single_channel(np.ascontiguousarray(img1[..., c]),
                                   np.ascontiguousarray(img2[..., c]), window)
              for c in range(img1.shape[2])]
    return float(np.mean(values))


def mae(img1: np.ndarray, img2: np.ndarray, crop_border: int = 0,
        test_y_channel: bool = False, channel_order: str = 'rgb') -> float:
    """Mean absolute error on the [0, 1] scale of 0..255 images."""
    img1, img2 = prepare_pair(img1, img2, crop_border, test_y_channel, channel_order)
    return float(np.mean(np.abs(img1 - img2)) / 255.0)
