"""MS-SSIM metric (torchmetrics, optional extra) against SSIM at one scale.

Oracles: with one scale MS-SSIM is SSIM (Wang et al. 2003, Eq. 7 with M = 1).
torchmetrics evaluates the SSIM map over the whole image with reflect-101
padding, where MATLAB/BasicSR (irtoolbox's SSIM metric) keep the valid region
only; so the one-scale value must equal an SSIM written here with cv2 and
reflect-101 borders, and differs from the SSIM metric by the border (measured:
1e-3 to 6e-3 on these crops). Identical images score 1; more noise scores lower.
"""
import cv2
import numpy as np
import pytest
import skimage.data

from irtoolbox.evaluation.metrics import SSIM

pytest.importorskip('torchmetrics', reason='the metrics extra is not installed '
                                           '(pip install -e .[metrics])')

from irtoolbox.evaluation.metrics import MSSSIM  # noqa: E402


def _noisy(image, sigma, seed=0):
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(image + noise, 0, 255).round().astype(np.uint8)


def _ssim_reflect101(pred, gt):
    """Wang et al. 2004 SSIM, 11 x 11 Gaussian (sigma 1.5), whole map, reflect-101."""
    window = cv2.getGaussianKernel(11, 1.5)
    window = window @ window.T
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    values = []
    for channel in range(pred.shape[2]):
        x, y = (img[..., channel].astype(np.float64) for img in (pred, gt))

        def blur(z):
            return cv2.filter2D(z, -1, window, borderType=cv2.BORDER_REFLECT_101)
        mx, my = blur(x), blur(y)
        sxx, syy, sxy = blur(x * x) - mx ** 2, blur(y * y) - my ** 2, blur(x * y) - mx * my
        values.append(np.mean((2 * mx * my + c1) * (2 * sxy + c2)
                              / ((mx ** 2 + my ** 2 + c1) * (sxx + syy + c2))))
    return float(np.mean(values))


@pytest.mark.parametrize('photo', ['astronaut', 'coffee'])
def test_one_scale_ms_ssim_is_ssim(photo):
    gt = getattr(skimage.data, photo)()[:96, :128]
    pred = _noisy(gt, 12)
    one_scale = MSSSIM(betas=(1.0,)).compute_image(pred, gt, 'rgb')
    assert abs(one_scale - _ssim_reflect101(pred, gt)) < 1e-9
    # the MATLAB valid-region SSIM differs by the border only
    assert 1e-4 < abs(one_scale - SSIM().compute_image(pred, gt, 'rgb')) < 1e-2


def test_five_scales_identity_and_order():
    gt = skimage.data.astronaut()[:192, :192]
    metric = MSSSIM()
    assert metric.compute_image(gt, gt, 'rgb') == pytest.approx(1.0, abs=1e-9)
    assert metric.compute_image(_noisy(gt, 5), gt, 'rgb') > \
        metric.compute_image(_noisy(gt, 25), gt, 'rgb')
