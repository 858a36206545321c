"""DL-Net's data: fixed multi-level test sets (DegradedDataset) and the paper's
l1 / l2 of images scaled to [-1, 1]."""
import numpy as np
import pytest
import torch

from irtoolbox.datasets import DegradedDataset
from irtoolbox.evaluation.metrics import PSNR, SignedL1, SignedL2

LEVELS = {'s=10': dict(type='BoxMask', side_range=(10, 10)),
          's=20c': dict(type='BoxMask', side_range=(20, 20), shift_range=(0, 0))}


def _test_set(demo_data, copies=3):
    inner = dict(type='SyntheticPairDataset', data_root=str(demo_data),
                 data_prefix=dict(gt='val/gt'), test_mode=True,
                 pipeline=[dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
                           dict(type='CenterCrop', crop_size=48), dict(type='PackInputs')])
    return DegradedDataset(dataset=inner, levels=LEVELS, copies=copies)


def test_fixed_multi_level_test_set(demo_data):
    data = _test_set(demo_data)
    n_images = len(data.datasets[0])
    assert n_images == 4 and len(data) == 2 * 3 * n_images
    masks = []
    for i in range(len(data)):
        item = data[i]
        sample = item['data_samples']
        level, copy = divmod(i // n_images, 3)
        assert sample.test_level == list(LEVELS)[level]
        params = sample.degradation_params
        assert params['side'] == (10, 20)[level]
        if level == 1:
            assert params['shift'] == [0, 0]
        hole = torch.as_tensor(params['mask'] == 0)
        assert int(hole.sum()) == params['side'] ** 2
        assert torch.all(item['inputs'][:, hole] == 0)  # the saved mask is the input's hole
        masks.append(params['mask'])
    # the same image's copies differ (different shifts), and a new instance repeats them all
    assert not all(np.array_equal(masks[0], masks[k * n_images]) for k in (1, 2))
    again = _test_set(demo_data)
    assert all(np.array_equal(again[i]['data_samples'].degradation_params['mask'], masks[i])
               for i in range(len(data)))


def test_degraded_dataset_argument_errors(demo_data):
    inner = dict(type='SyntheticPairDataset', data_root=str(demo_data),
                 data_prefix=dict(gt='val/gt'), pipeline=[dict(type='PackInputs')])
    with pytest.raises(ValueError, match='exactly one'):
        DegradedDataset(dataset=inner)
    with pytest.raises(ValueError, match='already has a Degrade'):
        DegradedDataset(dataset=dict(inner, pipeline=[dict(type='Degrade', degradation=dict(
            type='BoxMask'))]), degradation=dict(type='BoxMask'))


def test_signed_l1_l2_on_minus_one_one():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 256, (3, 8, 8), dtype=np.uint8)
    pred = np.clip(gt.astype(int) + rng.integers(-9, 10, gt.shape), 0, 255).astype(np.uint8)
    sample = dict(pred_img=torch.from_numpy(pred), gt_img=torch.from_numpy(gt), test_level='a')
    values = {}
    for metric in (SignedL1(group_by='test_level'), SignedL2(), PSNR()):
        metric.process(None, [sample])
        values.update(metric.compute_metrics(metric.results))
    p, g = pred / 127.5 - 1, gt / 127.5 - 1  # 0..255 -> [-1, 1]
    assert values['l1'] == pytest.approx(np.abs(p - g).mean(), rel=1e-12)
    assert values['l1/test_level=a'] == values['l1']
    assert values['l2'] == pytest.approx(((p - g) ** 2).mean(), rel=1e-12)
    # on [-1, 1] with peak-to-peak 2 the PSNR is the usual one
    assert values['PSNR'] == pytest.approx(10 * np.log10(4 / values['l2']), rel=1e-9)
