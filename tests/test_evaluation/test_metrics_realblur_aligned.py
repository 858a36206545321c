"""RealBlurPSNR / RealBlurSSIM: RealBlur's gain matching, ECC homography alignment and
masked scores, checked on a real photograph against what is known by construction
(a shift we applied, the border it uncovers) and against hand computations."""
import cv2
import numpy as np
import pytest
import torch
from skimage import data as skdata
from skimage.metrics import structural_similarity

from irtoolbox.evaluation.metrics.realblur_aligned import (
    RealBlurPSNR,
    RealBlurSSIM,
    align_to_target,
    masked_psnr,
)

GT = (skdata.astronaut()[100:196, 120:232] / 255.0).astype(np.float32)  # 96 x 112 RGB


def shifted(img, dx, dy):
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REFLECT)


def noisy_gt():
    rng = np.random.default_rng(0)
    return np.clip(GT + 0.02 * rng.standard_normal(GT.shape), 0, 1).astype(np.float32)


def hand_gain_psnr_ssim(pred, gt):
    """Aligned already: the least-squares gain, then plain PSNR and the interior SSIM."""
    gain = np.sum(gt * pred, dtype=np.float64) / np.sum(pred * pred, dtype=np.float64)
    scaled = (gain * pred).astype(np.float32)
    psnr = 10 * np.log10(1 / np.mean((gt.astype(np.float64) - scaled) ** 2))
    _, ssim_map = structural_similarity(gt, scaled, channel_axis=2, gaussian_weights=True,
                                        sigma=1.5, use_sample_covariance=False, data_range=1.0,
                                        full=True)
    return psnr, float(ssim_map[5:-5, 5:-5].mean())


def test_masked_psnr_by_hand():
    gt = np.zeros((2, 2, 1))
    pred = np.zeros((2, 2, 1))
    pred[0, 0] = 0.1
    mask = np.ones((2, 2, 1))
    mask[1, 1] = 0  # 0.01 squared error over 3 valid pixels
    assert masked_psnr(pred, gt, mask) == pytest.approx(10 * np.log10(300), abs=1e-9)


def test_recovers_a_known_shift_and_gain():
    pred = 0.8 * shifted(GT, 2.0, -1.0)  # darker and moved 2 px right, 1 px up
    aligned, target, mask, warp = align_to_target(pred, GT)
    np.testing.assert_allclose(warp[:2, 2], [2.0, -1.0], atol=0.15)
    np.testing.assert_allclose(warp[:2, :2], np.eye(2), atol=0.01)
    # the two right-most columns came from outside the prediction's frame: left out
    assert mask[:, -1].sum() == 0 and mask[3:-3, :-3].min() == 1
    assert masked_psnr(aligned, target, mask) > 38  # 40.0 dB measured
    assert masked_psnr(pred, GT, np.ones_like(GT)) < 20  # 15.8 dB unaligned


def test_aligned_input_scores_as_by_hand():
    """No misalignment: ECC stays near the identity and the scores are those of the
    gain-matched image (0.05 dB / 2e-3: ECC's residual sub-pixel drift)."""
    pred = noisy_gt()
    psnr, ssim = hand_gain_psnr_ssim(pred, GT)
    as_uint8 = [torch.from_numpy(np.round(a * 255).astype(np.uint8)).permute(2, 0, 1)
                for a in (pred, GT)]
    psnr8, ssim8 = hand_gain_psnr_ssim(*(t.permute(1, 2, 0).numpy().astype(np.float32) / 255
                                         for t in as_uint8))
    for metric, expected in ((RealBlurPSNR(), psnr8), (RealBlurSSIM(), ssim8)):
        for order, flip in (('rgb', False), ('bgr', True)):
            imgs = [t.flip(0) if flip else t for t in as_uint8]
            metric.process(None, [dict(pred_img=imgs[0], gt_img=imgs[1], channel_order=order)])
        values = metric.compute_metrics(metric.results)
        name = metric.metric_name
        assert values[name] == pytest.approx(expected, abs=0.05 if name.endswith('PSNR')
                                             else 2e-3)
        assert metric.results[0]['value'] == pytest.approx(metric.results[1]['value'], abs=1e-9)
    assert psnr8 == pytest.approx(psnr, abs=0.1) and ssim8 == pytest.approx(ssim, abs=5e-3)


def test_registered_by_name():
    from irtoolbox.registry import METRICS
    assert METRICS.build(dict(type='RealBlurPSNR')).metric_name == 'RealBlurPSNR'
    assert METRICS.build(dict(type='RealBlurSSIM')).metric_name == 'RealBlurSSIM'


def test_masked_ssim_by_hand():
    """The documented step 4 for SSIM, from skimage's map: masked channel means of the
    interior (a border of 5 = the Gaussian window radius dropped)."""
    from irtoolbox.evaluation.metrics.realblur_aligned import masked_ssim
    pred = noisy_gt()
    mask = np.ones_like(GT)
    mask[:, :20] = 0
    _, ssim_map = structural_similarity(GT, pred, channel_axis=2, gaussian_weights=True,
                                        sigma=1.5, use_sample_covariance=False, data_range=1.0,
                                        full=True)
    inner, inner_mask = (ssim_map * mask)[5:-5, 5:-5], mask[5:-5, 5:-5]
    expected = np.mean([inner[..., c].sum() / inner_mask[..., c].sum() for c in range(3)])
    assert masked_ssim(pred, GT, mask) == pytest.approx(expected, abs=1e-6)
