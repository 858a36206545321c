"""Crop / flip / transpose / Degrade / PackInputs on real photographs."""
import numpy as np
import pytest
import torch
from skimage import data as skdata

from irtoolbox.datasets.image_io import ImageSizeError
from irtoolbox.datasets.transforms import (
    Degrade,
    Flip,
    PackInputs,
    PairedRandomCrop,
    RandomCrop,
    RandomTranspose,
)
from irtoolbox.registry import TRANSFORMS
from irtoolbox.structures.data_sample import RestorationDataSample

GT = (skdata.astronaut()[:40, :48] / 255.0).astype(np.float32)


def _pair(scale=1):
    return dict(img=GT[::scale, ::scale].copy(), gt=GT.copy(), img_path='lq/a.png',
                gt_path='gt/a.png')


@pytest.mark.parametrize('scale', [1, 2, 4])
def test_paired_crop_keeps_alignment(scale):
    crop = PairedRandomCrop(16, scale=scale)
    for seed in range(5):
        np.random.seed(seed)
        out = crop(_pair(scale))
        assert out['gt'].shape == (16, 16, 3)
        assert out['img'].shape == (16 // scale, 16 // scale, 3)
        top, left, bottom, right = out['crop_bbox']
        np.testing.assert_array_equal(out['gt'], GT[top:bottom, left:right])
        # the input was made by taking every scale-th pixel: still true after cropping
        np.testing.assert_array_equal(out['img'], out['gt'][::scale, ::scale])


def test_crop_positions_vary_with_seed():
    boxes = set()
    for seed in range(20):
        np.random.seed(seed)
        boxes.add(PairedRandomCrop(8)(_pair())['crop_bbox'])
    assert len(boxes) > 5


def test_crop_larger_than_image_error_names_file_and_sizes():
    with pytest.raises(ImageSizeError) as info:
        PairedRandomCrop(64)(_pair())
    msg = str(info.value)
    assert 'gt/a.png' in msg and '(40, 48)' in msg and '(64, 64)' in msg
    with pytest.raises(ImageSizeError, match='gt/a.png'):
        RandomCrop(50, keys=('gt',))(dict(gt=GT, gt_path='gt/a.png'))


def test_crop_pads_by_reflection_when_asked():
    out = RandomCrop((48, 48), keys=('gt',), pad_if_smaller=True)(dict(gt=GT.copy()))
    assert out['gt'].shape == (48, 48, 3)
    np.testing.assert_array_equal(out['gt'][:40], GT)
    # rows 40..47 mirror rows 38..31 (reflection without repeating the edge)
    np.testing.assert_array_equal(out['gt'][40:], GT[38:30:-1])
    np.random.seed(0)
    pair = PairedRandomCrop(48, scale=2, pad_if_smaller=True)(_pair(2))
    np.testing.assert_array_equal(pair['img'].shape, (24, 24, 3))
    np.testing.assert_array_equal(pair['gt'].shape, (48, 48, 3))


def test_paired_crop_rejects_mismatched_pair():
    bad = dict(img=GT[:39], gt=GT, img_path='lq/a.png', gt_path='gt/a.png')
    with pytest.raises(ImageSizeError) as info:
        PairedRandomCrop(16)(bad)
    assert 'lq/a.png' in str(info.value) and 'gt/a.png' in str(info.value)
    assert '(39, 48, 3)' in str(info.value)


@pytest.mark.parametrize('direction, axis', [('horizontal', 1), ('vertical', 0)])
def test_flip_same_decision_for_all_keys(direction, axis):
    flip = Flip(keys=('img', 'gt'), flip_ratio=0.5, direction=direction)
    seen = set()
    for seed in range(12):
        np.random.seed(seed)
        out = flip(dict(img=GT.copy(), gt=GT.copy()))
        np.testing.assert_array_equal(out['img'], out['gt'])
        expected = np.flip(GT, axis=axis) if out['flip'] else GT
        np.testing.assert_array_equal(out['gt'], expected)
        seen.add(out['flip'])
    assert seen == {True, False}


def test_flip_ratio_bounds():
    always = Flip(keys=('gt',), flip_ratio=1.0)(dict(gt=GT.copy()))
    np.testing.assert_array_equal(always['gt'], GT[:, ::-1])
    with pytest.raises(ValueError, match='flip_ratio'):
        Flip(flip_ratio=1.5)


def test_transpose_same_for_all_keys():
    seen = set()
    for seed in range(12):
        np.random.seed(seed)
        out = RandomTranspose(keys=('img', 'gt'))(dict(img=GT.copy(), gt=GT.copy()))
        np.testing.assert_array_equal(out['img'], out['gt'])
        expected = np.swapaxes(GT, 0, 1) if out['transpose'] else GT
        np.testing.assert_array_equal(out['gt'], expected)
        seen.add(out['transpose'])
    assert seen == {True, False}


def test_pack_inputs_shapes_and_metainfo():
    results = dict(_pair(), sample_idx=7, channel_order='rgb', ori_shape=GT.shape,
                   unrelated='x')
    packed = PackInputs()(results)
    inputs, sample = packed['inputs'], packed['data_samples']
    assert isinstance(sample, RestorationDataSample)
    assert inputs.shape == (3, 40, 48) and inputs.dtype == torch.float32
    # C x H x W: channel c of the tensor is channel c of the H x W x C array
    np.testing.assert_array_equal(inputs[1].numpy(), GT[..., 1])
    np.testing.assert_array_equal(sample.gt_img.permute(1, 2, 0).numpy(), GT)
    assert sample.metainfo['sample_idx'] == 7 and sample.metainfo['img_path'] == 'lq/a.png'
    assert sample.metainfo['ori_shape'] == (40, 48, 3) and 'unrelated' not in sample.metainfo


def test_pack_inputs_without_gt_and_sr_pair():
    packed = PackInputs()(dict(img=GT, img_path='user.png'))
    assert 'gt_img' not in packed['data_samples']
    sr = PackInputs()(_pair(scale=2))
    assert sr['inputs'].shape == (3, 20, 24) and sr['data_samples'].gt_img.shape == (3, 40, 48)


def test_pack_inputs_rejects_size_mismatch_naming_both():
    with pytest.raises(ImageSizeError) as info:
        PackInputs()(dict(img=GT[:, :47], gt=GT, img_path='lq/a.png', gt_path='gt/a.png'))
    msg = str(info.value)
    assert 'lq/a.png' in msg and 'gt/a.png' in msg and '(40, 47, 3)' in msg


def test_degrade_records_params_and_uses_global_seed():
    degrade = TRANSFORMS.build(dict(type='Degrade', degradation=dict(type='GaussianNoise'),
                                    level=4))
    np.random.seed(3)
    out = degrade(dict(gt=GT))
    params = out['degradation_params']
    assert out['degradation_name'] == 'GaussianNoise' and out['degradation_level'] == 4
    assert 15.0 <= params['sigma'] <= 20.0  # level 4 of the table 0:5:50
    # the documented noise model redrawn from the recorded params: y = clip(x + n),
    # n = sigma / 255 * standard normal from default_rng(seed)
    noise = np.random.default_rng(params['seed']).standard_normal(GT.shape, dtype=np.float32)
    expected = np.clip(GT.astype(np.float64) + noise * params['sigma'] / 255.0, 0, 1)
    np.testing.assert_allclose(out['img'], expected, atol=1e-7)
    assert out['img'].dtype == np.float32 and out['gt'] is GT
    np.random.seed(3)
    np.testing.assert_array_equal(degrade(dict(gt=GT))['img'], out['img'])
    np.random.seed(4)
    assert not np.array_equal(degrade(dict(gt=GT))['img'], out['img'])


def test_degrade_chain_and_levels_drawn_per_sample():
    chain = [dict(type='GaussianBlur'), dict(type='GaussianNoise')]
    degrade = Degrade(chain, levels=[1, (2, 3)])
    seen = set()
    for seed in range(10):
        np.random.seed(seed)
        out = degrade(dict(gt=GT))
        assert out['degradation_name'] == 'GaussianBlur+GaussianNoise'
        assert len(out['degradation_params']['ops']) == 2
        seen.add(out['degradation_level'])
    assert seen == {1, (2, 3)}
    with pytest.raises(ValueError, match='one entry per operator'):
        Degrade(chain, level=[1, 2, 3])
    with pytest.raises(ValueError, match='either level'):
        Degrade(chain, level=1, levels=[1])
