"""``protocol='float'``: PSNR / SSIM / MAE as Restormer's released DPDD scripts score.

The released ``Defocus_Deblurring/test_*_defocus_deblur.py`` (Zamir et al.,
CVPR 2022) score the clamped float output against the 16-bit target divided by
65535, with no 8-bit rounding, no border crop and all channels:
PSNR = 10 log10(1 / MSE), SSIM = skimage ``structural_similarity(data_range=1)``
over the channel axis, MAE = mean |pred - gt|. The oracles below are those
formulas written out with numpy and skimage on scikit-image photographs, with
a target that is not on the 8-bit grid (blurred in float, as a 16-bit target)
and a prediction with small noise. The default protocol, computed by hand with
the documented 8-bit rounding, gives other values.
"""
import math

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from skimage import data as skdata
from skimage.metrics import structural_similarity

from irtoolbox.evaluation.metrics import MAE, PSNR, SSIM, SignedL1

DPDD_CONFIGS = ('configs/restormer/restormer_official_1xb1_dpdd-single-image-defocus.py',
                'configs/restormer/restormer_official-dp_1xb1_dpdd-dual-pixel-defocus.py')


def _pair(name: str, seed: int, size: int = 96) -> tuple:
    """(pred, gt), float32 H x W x 3 in [0, 1]: gt off the 8-bit grid, pred = gt + noise."""
    photo = getattr(skdata, name)()[:size, :size].astype(np.float32) / 255.0
    gt = cv2.GaussianBlur(photo, (5, 5), 1.0)
    noise = np.random.default_rng(seed).normal(0.0, 0.01, gt.shape).astype(np.float32)
    return np.clip(gt + noise, 0.0, 1.0), gt


def _sample(pred: np.ndarray, gt: np.ndarray) -> dict:
    """The dict mmengine's Evaluator hands a metric: C x H x W float32 tensors."""
    def chw(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))
    return dict(pred_img=chw(pred), gt_img=chw(gt), channel_order='rgb')


def _score(metric, pairs) -> float:
    metric.process(None, [_sample(pred, gt) for pred, gt in pairs])
    return metric.compute_metrics(metric.results)[metric.metric_name]


PAIRS = [_pair('astronaut', 0), _pair('coffee', 1)]


def _float64(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float64)


def test_float_protocol_matches_the_released_formulas():
    psnr = np.mean([10 * math.log10(1 / np.mean((_float64(p) - _float64(g)) ** 2))
                    for p, g in PAIRS])
    ssim = np.mean([structural_similarity(_float64(g), _float64(p), data_range=1,
                                          channel_axis=2) for p, g in PAIRS])
    mae = np.mean([np.mean(np.abs(_float64(p) - _float64(g))) for p, g in PAIRS])
    assert _score(PSNR(protocol='float'), PAIRS) == pytest.approx(psnr, abs=1e-10)
    assert _score(SSIM(protocol='float'), PAIRS) == pytest.approx(ssim, abs=1e-12)
    assert _score(MAE(protocol='float'), PAIRS) == pytest.approx(mae, abs=1e-12)
    # the released scripts compute in float32; the difference is float32 rounding
    psnr32 = np.mean([10 * math.log10(1 / np.mean((p - g) ** 2)) for p, g in PAIRS])
    ssim32 = np.mean([structural_similarity(g, p, data_range=1, channel_axis=2)
                      for p, g in PAIRS])
    assert abs(psnr32 - psnr) < 1e-4 and abs(ssim32 - ssim) < 1e-6


def test_default_protocol_rounds_and_differs():
    def to_uint8(x: np.ndarray) -> np.ndarray:
        return np.round(np.clip(_float64(x), 0, 1) * 255)
    rounded = [(to_uint8(p), to_uint8(g)) for p, g in PAIRS]
    psnr8 = np.mean([10 * math.log10(255 ** 2 / np.mean((p - g) ** 2)) for p, g in rounded])
    mae8 = np.mean([np.mean(np.abs(p - g)) / 255 for p, g in rounded])
    default_psnr, float_psnr = _score(PSNR(), PAIRS), _score(PSNR(protocol='float'), PAIRS)
    assert default_psnr == pytest.approx(psnr8, abs=1e-10)
    assert _score(MAE(), PAIRS) == pytest.approx(mae8, abs=1e-12)
    # noise of sigma 2.55/255 plus rounding of both images: the protocols differ clearly
    assert abs(default_psnr - float_psnr) > 0.05
    assert abs(_score(SSIM(), PAIRS) - _score(SSIM(protocol='float'), PAIRS)) > 1e-3


def test_float_protocol_reads_uint8_as_its_exact_float():
    pred, gt = PAIRS[0]
    pred8 = np.round(pred * 255).astype(np.uint8)
    chw = torch.from_numpy(np.ascontiguousarray(pred8.transpose(2, 0, 1)))
    metric = PSNR(protocol='float')
    metric.process(None, [dict(pred_img=chw, gt_img=_sample(pred, gt)['gt_img'])])
    expected = 10 * math.log10(1 / np.mean((pred8 / 255.0 - _float64(gt)) ** 2))
    assert metric.results[0]['value'] == pytest.approx(expected, abs=1e-10)


def test_float_protocol_is_refused_where_it_is_not_implemented():
    with pytest.raises(ValueError, match="SignedL1 scores protocol 'uint8', got 'float'"):
        SignedL1(protocol='float')
    with pytest.raises(ValueError, match='test_y_channel'):
        SSIM(protocol='float', test_y_channel=True)
    with pytest.raises(ValueError, match="got 'floats'"):
        PSNR(protocol='floats')


@pytest.mark.parametrize('path', DPDD_CONFIGS)
def test_dpdd_configs_score_as_released(path):
    evaluators = Config.fromfile(path).test_evaluator
    assert sorted(e['type'] for e in evaluators) == ['MAE', 'PSNR', 'SSIM']
    assert all(e['protocol'] == 'float' and not e.get('crop_border') for e in evaluators)
