"""PSNR / SSIM / MAE against independent references.

Oracles: scikit-image's ``peak_signal_noise_ratio(data_range=255)`` and
``structural_similarity(gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255)`` (the MATLAB settings; its window
radius is 5 = int(3.5 * 1.5 + 0.5) and it averages the map cropped by 5 px, the
same valid region as BasicSR), numpy for MAE, and BT.601 values worked out by
hand. Images are real photos with a real degradation (Gaussian blur + noise).
"""
import datetime
import math
import os
import pickle
import tempfile

import cv2
import numpy as np
import pytest
import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from skimage import data as skdata
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from irtoolbox.evaluation import functional as F
from irtoolbox.evaluation.metrics import MAE, PSNR, SSIM
from irtoolbox.registry import METRICS
from irtoolbox.structures.data_sample import RestorationDataSample

TOL = 1e-4


def _photo(name: str, top: int, left: int, size: int = 48) -> np.ndarray:
    """A small uint8 RGB crop of a scikit-image photo."""
    return getattr(skdata, name)()[top:top + size, left:left + size].copy()


def _degrade(gt: np.ndarray, noise: float, seed: int) -> np.ndarray:
    """Gaussian blur + Gaussian noise; float32 (as the model's output) HxWxC, may leave [0, 1]."""
    blurred = cv2.GaussianBlur(gt.astype(np.float32) / 255.0, (5, 5), 1.0)
    return (blurred + np.random.default_rng(seed).normal(0.0, noise, gt.shape)).astype(np.float32)


def _to_uint8(x: np.ndarray) -> np.ndarray:
    """The documented MATLAB/BasicSR rounding: clip to [0, 1], x 255, round."""
    return np.round(np.clip(x.astype(np.float64), 0.0, 1.0) * 255.0).astype(np.uint8)


def _chw(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1))).float()


def _sample(pred: np.ndarray, gt: np.ndarray, **metainfo) -> dict:
    """A sample dict as mmengine's Evaluator hands it to metrics (to_dict())."""
    metainfo.setdefault('channel_order', 'rgb')
    sample = RestorationDataSample(metainfo=metainfo)
    sample.pred_img = _chw(pred)
    sample.gt_img = _chw(gt.astype(np.float32) / 255.0)
    return sample.to_dict()


def _run(metric, samples) -> dict:
    metric.process(None, samples)
    return metric.compute_metrics(metric.results)


def _skimage_ssim(a: np.ndarray, b: np.ndarray) -> float:
    channel_axis = -1 if a.ndim == 3 else None
    return structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=255,
                                 channel_axis=channel_axis)


def _hand_y(img_rgb_u8: np.ndarray) -> np.ndarray:
    rgb = img_rgb_u8.astype(np.float64) / 255.0
    return 16.0 + 65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]


PHOTOS = [('astronaut', 100, 150, 0.04), ('chelsea', 120, 200, 0.08)]


@pytest.mark.parametrize('name,top,left,noise', PHOTOS)
def test_psnr_ssim_mae_match_references_on_degraded_photos(name, top, left, noise):
    gt = _photo(name, top, left)
    pred = _degrade(gt, noise, seed=1)
    pred_u8 = _to_uint8(pred)
    out = {}
    for metric in (PSNR(), SSIM(), MAE()):
        out.update(_run(metric, [_sample(pred, gt)]))
    assert abs(out['PSNR'] - peak_signal_noise_ratio(gt, pred_u8, data_range=255)) < TOL
    assert abs(out['SSIM'] - _skimage_ssim(gt, pred_u8)) < TOL
    expected_mae = np.mean(np.abs(pred_u8.astype(np.float64) - gt)) / 255.0
    assert abs(out['MAE'] - expected_mae) < 1e-9
    assert 15 < out['PSNR'] < 40 and 0.2 < out['SSIM'] < 0.99  # a real, visible degradation


def test_y_channel_metrics_match_references_on_hand_computed_luma():
    gt = _photo('astronaut', 30, 200)
    pred_u8 = _to_uint8(_degrade(gt, 0.05, seed=2))
    y_gt, y_pred = _hand_y(gt), _hand_y(pred_u8)
    assert abs(F.psnr(pred_u8, gt, test_y_channel=True)
               - peak_signal_noise_ratio(y_gt, y_pred, data_range=255)) < TOL
    assert abs(F.ssim(pred_u8, gt, test_y_channel=True) - _skimage_ssim(y_gt, y_pred)) < TOL
    assert abs(F.mae(pred_u8, gt, test_y_channel=True)
               - np.mean(np.abs(y_gt - y_pred)) / 255.0) < 1e-9


def test_y_of_known_colours_is_bt601():
    pixels = np.array([[[255, 255, 255], [0, 0, 0], [200, 100, 50]]], dtype=np.uint8)
    y = F.to_y_channel(pixels)
    assert y.shape == (1, 3, 1) and y.dtype == np.float64
    # 16 + 219 = 235 for white, 16 for black, and for (200, 100, 50):
    # 16 + (65.481 * 200 + 128.553 * 100 + 24.966 * 50) / 255 = 16 + 27199.8 / 255
    np.testing.assert_allclose(y[0, :, 0], [235.0, 16.0, 122.6658823529], atol=1e-8)
    np.testing.assert_allclose(F.to_y_channel(pixels[..., ::-1], 'bgr'), y, atol=1e-12)


def test_bgr_samples_give_the_same_y_psnr_as_rgb():
    gt = _photo('chelsea', 60, 60)
    pred = _degrade(gt, 0.05, seed=3)
    rgb = _run(PSNR(test_y_channel=True), [_sample(pred, gt, channel_order='rgb')])
    bgr_sample = _sample(pred[..., ::-1], gt[..., ::-1], channel_order='bgr')
    bgr = _run(PSNR(test_y_channel=True), [bgr_sample])
    assert abs(rgb['PSNR'] - bgr['PSNR']) < 1e-10
    # Reading the BGR images as RGB weighs the channels wrongly: the order matters.
    wrong = _run(PSNR(test_y_channel=True),
                 [_sample(pred[..., ::-1], gt[..., ::-1], channel_order='rgb')])
    assert abs(wrong['PSNR'] - rgb['PSNR']) > 1e-3
    plain = _run(PSNR(), [_sample(pred, gt)])
    assert abs(plain['PSNR'] - rgb['PSNR']) > 1e-3


def test_crop_border_ignores_the_border():
    gt = _photo('astronaut', 200, 250)
    pred_u8 = _to_uint8(_degrade(gt, 0.03, seed=4))
    inner = (slice(4, -4), slice(4, -4))
    assert abs(F.psnr(pred_u8, gt, crop_border=4)
               - peak_signal_noise_ratio(gt[inner], pred_u8[inner], data_range=255)) < TOL
    assert abs(F.ssim(pred_u8, gt, crop_border=4) - _skimage_ssim(gt[inner], pred_u8[inner])) < TOL
    # A prediction wrong only in a 3-pixel frame is perfect once the frame is cropped.
    framed = gt.copy()
    framed[:3] = 0
    framed[:, -3:] = 255
    sample = _sample(framed.astype(np.float64) / 255.0, gt)
    assert _run(PSNR(crop_border=3), [sample])['PSNR'] == 100.0
    assert _run(SSIM(crop_border=3), [sample])['SSIM'] == pytest.approx(1.0, abs=1e-12)
    assert _run(PSNR(crop_border=2), [sample])['PSNR'] < 30
    with pytest.raises(ValueError, match='crop_border'):
        F.psnr(gt, gt, crop_border=24)


def test_prediction_is_rounded_to_uint8_first():
    gt = _photo('chelsea', 10, 10)
    gt_f = gt.astype(np.float64) / 255.0
    almost = np.clip(gt_f + 0.4 / 255.0, 0, 1)  # rounds back to gt everywhere
    assert F.psnr(gt, gt) == math.inf
    assert _run(PSNR(psnr_cap=None), [_sample(almost, gt)])['PSNR'] == math.inf
    assert _run(MAE(), [_sample(almost, gt)])['MAE'] == 0.0
    assert _run(SSIM(), [_sample(almost, gt)])['SSIM'] == pytest.approx(1.0, abs=1e-12)
    # 0.6 / 255 rounds to one grey level up: MSE = 1 where gt < 255.
    off_by_one = gt_f + 0.6 / 255.0
    mse = np.mean(gt < 255)
    expected = 10 * math.log10(255.0 ** 2 / mse)
    assert abs(_run(PSNR(), [_sample(off_by_one, gt)])['PSNR'] - expected) < 1e-10


def test_psnr_mean_caps_identical_images():
    gt = _photo('astronaut', 0, 0)
    noisy = _degrade(gt, 0.05, seed=5)
    noisy_psnr = peak_signal_noise_ratio(gt, _to_uint8(noisy), data_range=255)
    samples = [_sample(gt / 255.0, gt), _sample(noisy, gt)]
    assert abs(_run(PSNR(), samples)['PSNR'] - (100.0 + noisy_psnr) / 2) < TOL
    assert abs(_run(PSNR(psnr_cap=60.0), samples)['PSNR'] - (60.0 + noisy_psnr) / 2) < TOL
    assert _run(PSNR(psnr_cap=None), samples)['PSNR'] == math.inf


def _grouped_samples():
    """Six degraded crops in two levels; also the hand-computed per-sample PSNR/SSIM."""
    samples, refs = [], []
    for i, (level, noise) in enumerate([(1, .02), (3, .1), (1, .03), (3, .08), (3, .12),
                                        (1, .01)]):
        gt = _photo('astronaut' if i % 2 else 'coffee', 20 + 10 * i, 30 + 15 * i, size=32)
        pred = _degrade(gt, noise, seed=10 + i)
        sample = RestorationDataSample(metainfo=dict(
            channel_order='rgb', degradation_level=level, img_path=f'img{i}.png',
            degradation_name='gaussian_noise', degradation_params=dict(sigma=noise),
            task='noise' if i < 3 else 'other'))
        sample.pred_img = _chw(pred)
        sample.gt_img = _chw(gt / 255.0)
        samples.append(sample)
        pred_u8 = _to_uint8(pred)
        refs.append(dict(level=level, task=sample.task,
                         psnr=peak_signal_noise_ratio(gt, pred_u8, data_range=255),
                         ssim=_skimage_ssim(gt, pred_u8)))
    return samples, refs


def _hand_mean(refs, field, **where):
    return float(np.mean([r[field] for r in refs if all(r[k] == v for k, v in where.items())]))


def test_group_by_through_a_real_evaluator():
    samples, refs = _grouped_samples()
    evaluator = Evaluator([PSNR(group_by='degradation_level'),
                           SSIM(group_by=['degradation_level', ('task', 'degradation_level')],
                                prefix='val')])
    evaluator.process(data_samples=samples[:4])  # two batches, as a test loop does
    evaluator.process(data_samples=samples[4:])
    out = evaluator.evaluate(len(samples))
    expected = {
        'PSNR': _hand_mean(refs, 'psnr'),
        'PSNR/degradation_level=1': _hand_mean(refs, 'psnr', level=1),
        'PSNR/degradation_level=3': _hand_mean(refs, 'psnr', level=3),
        'val/SSIM': _hand_mean(refs, 'ssim'),
        'val/SSIM/degradation_level=1': _hand_mean(refs, 'ssim', level=1),
        'val/SSIM/degradation_level=3': _hand_mean(refs, 'ssim', level=3),
        'val/SSIM/task=noise,degradation_level=1': _hand_mean(refs, 'ssim', task='noise',
                                                              level=1),
        'val/SSIM/task=noise,degradation_level=3': _hand_mean(refs, 'ssim', task='noise',
                                                              level=3),
        'val/SSIM/task=other,degradation_level=1': _hand_mean(refs, 'ssim', task='other',
                                                              level=1),
        'val/SSIM/task=other,degradation_level=3': _hand_mean(refs, 'ssim', task='other',
                                                              level=3),
    }
    assert set(out) == set(expected)
    for key, value in expected.items():
        assert abs(out[key] - value) < TOL, key
    assert out['PSNR/degradation_level=1'] > out['PSNR/degradation_level=3'] + 3


def test_evaluator_builds_metrics_from_config_and_dotted_keys():
    samples, refs = _grouped_samples()
    with DefaultScope.overwrite_default_scope('irtoolbox'):
        evaluator = Evaluator([dict(type='MAE', group_by='degradation_params.sigma')])
    evaluator.process(data_samples=samples)
    out = evaluator.evaluate(len(samples))
    assert len(out) == 1 + len(samples)  # every sigma is its own group
    sigma = samples[1].degradation_params['sigma']
    gt = _to_uint8(samples[1].gt_img.numpy().transpose(1, 2, 0)).astype(np.float64)
    pred = _to_uint8(samples[1].pred_img.numpy().transpose(1, 2, 0)).astype(np.float64)
    expected = np.mean(np.abs(pred - gt)) / 255.0
    assert abs(out[f'MAE/degradation_params.sigma={sigma}'] - expected) < 1e-9
    assert isinstance(METRICS.build(dict(type='SSIM', crop_border=2)), SSIM)


def test_missing_gt_or_group_key_names_the_key():
    gt = _photo('coffee', 100, 100, size=16)
    sample = _sample(gt / 255.0, gt)
    no_gt = {k: v for k, v in sample.items() if k != 'gt_img'}
    with pytest.raises(KeyError, match="'gt_img'"):
        PSNR().process(None, [no_gt])
    with pytest.raises(KeyError, match="'degradation_level'"):
        PSNR(group_by='degradation_level').process(None, [sample])
    with pytest.raises(KeyError, match="'degradation_params.sigma'"):
        SSIM(group_by='degradation_params.sigma').process(None, [sample])
    with pytest.raises(ValueError, match='channel_order'):
        PSNR().process(None, [dict(sample, channel_order='rgbx')])
    with pytest.raises(ValueError, match='differ'):
        PSNR().process(None, [dict(sample, pred_img=sample['pred_img'][:, :8])])


def test_numpy_and_uint8_images_are_accepted():
    gt = _photo('chelsea', 50, 50, size=24)
    pred = _degrade(gt, 0.05, seed=6)
    tensor_psnr = _run(PSNR(), [_sample(pred, gt)])['PSNR']
    numpy_sample = dict(pred_img=pred.transpose(2, 0, 1), gt_img=gt.transpose(2, 0, 1))
    assert _run(PSNR(), [numpy_sample])['PSNR'] == tensor_psnr
    assert tensor_psnr == peak_signal_noise_ratio(gt, _to_uint8(pred), data_range=255)


def _dist_worker(rank: int, init_file: str, shares: list, queue) -> None:
    # A short timeout: a failing rank must not leave the other waiting in a barrier.
    torch_dist.init_process_group('gloo', init_method=f'file://{init_file}', rank=rank,
                                  world_size=2, timeout=datetime.timedelta(seconds=60))
    try:
        metric = PSNR(group_by='degradation_level')
        metric.process(None, shares[rank])
        result = metric.evaluate(size=sum(len(s) for s in shares))
        queue.put((rank, result))
    finally:
        torch_dist.destroy_process_group()


def test_records_are_plain_and_collect_across_two_ranks():
    samples, refs = _grouped_samples()
    dicts = [s.to_dict() for s in samples]
    metric = PSNR(group_by='degradation_level')
    metric.process(None, dicts)
    assert pickle.loads(pickle.dumps(metric.results)) == metric.results
    assert all(type(r['value']) is float and type(r['groups']['degradation_level']) is int
               for r in metric.results)
    # A real 2-process gloo group: mmengine's collect_results gathers the records.
    ctx = mp.get_context('spawn')
    queue = ctx.SimpleQueue()
    with tempfile.TemporaryDirectory() as tmp:
        mp.start_processes(_dist_worker, args=(os.path.join(tmp, 'init'),
                                               [dicts[0::2], dicts[1::2]], queue),
                           nprocs=2, start_method='spawn')
        results = dict(queue.get() for _ in range(2))
    for rank in (0, 1):  # mmengine broadcasts rank 0's metrics to every rank
        assert abs(results[rank]['PSNR'] - _hand_mean(refs, 'psnr')) < TOL
        assert abs(results[rank]['PSNR/degradation_level=3']
                   - _hand_mean(refs, 'psnr', level=3)) < TOL


def test_pred_key_scores_the_degraded_input():
    gt = skdata.astronaut()[100:164, 100:164].astype(np.float32) / 255
    noisy = np.clip(gt + np.random.default_rng(3).normal(0, 0.05, gt.shape), 0, 1)
    noisy = noisy.astype(np.float32)
    sample = dict(pred_img=_chw(gt), input_img=_chw(noisy), gt_img=_chw(gt))
    metric = PSNR(pred_key='input_img', prefix='degraded')
    metric.process(None, [sample])
    expected = peak_signal_noise_ratio(np.round(gt * 255).astype(np.uint8),
                                       np.round(noisy * 255).astype(np.uint8), data_range=255)
    assert metric.evaluate(1)['degraded/PSNR'] == pytest.approx(expected, abs=1e-4)
