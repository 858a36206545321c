"""The released Restormer Gaussian-denoising test protocol: ``np.random.seed(0);
img += np.random.normal(0, sigma/255, img.shape)`` on each clean float32 image,
never clipped (swz30/Restormer ``Denoising/test_gaussian_{color,gray}_denoising.py``),
as GaussianNoise(fixed_seed=0, clip=False) in Degrade(clip=False), and the configs
of configs/restormer that use it. Expected values come from numpy's documented
seed-0 standard-normal stream (1.764052345967664, ..., -0.977277879876411), not
from the code under test."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine import Config
from skimage import data as skdata

from irtoolbox.datasets import SyntheticPairDataset
from irtoolbox.datasets.transforms import Degrade

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# np.random.seed(0); np.random.normal() x 6: the first six values of the legacy stream.
SEED0 = (1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458,
         1.8675579901499675, -0.977277879876411)


def released_noise(sigma, value):
    """What the released script feeds for a constant float32 image: float64 sum, float32."""
    return np.float32(np.float64(np.float32(value)) + np.array(SEED0) * (sigma / 255.0))


def degrade(sigma, clip, op_clip=False):
    return Degrade(dict(type='GaussianNoise', sigma_range=(sigma, sigma), clip=op_clip,
                        fixed_seed=0), clip=clip)


@pytest.mark.parametrize('value', [0.1, 0.9])
def test_fixed_seed_unclipped_is_the_released_noise(value):
    img = np.full((4, 5, 3), value, np.float32)
    np.random.seed(123)  # the dataset's per-sample state: fixed_seed must not depend on it
    out = degrade(50, clip=False)(dict(gt=img.copy()))['img']
    assert out.dtype == np.float32 and out.shape == img.shape
    # C order: the first six draws fill pixel (0, 0) and (0, 1), channels 0..2
    np.testing.assert_array_equal(out.reshape(-1)[:6], released_noise(50, value))
    # sigma 50: 0.9 + 1.764 * 50/255 > 1 and 0.1 - 0.977 * 50/255 < 0 stay as they are
    assert out.max() > 1.0 if value == 0.9 else out.min() < 0.0
    np.random.seed(7)
    again = degrade(50, clip=False)(dict(gt=img.copy()))['img']
    np.testing.assert_array_equal(again, out)  # the same map for every image of a shape


def test_default_degrade_still_clips():
    img = np.full((4, 5, 3), 0.9, np.float32)
    clipped = degrade(50, clip=True)(dict(gt=img.copy()))['img']
    assert clipped.max() == 1.0
    np.testing.assert_array_equal(clipped.reshape(-1)[:6],
                                  np.clip(released_noise(50, 0.9), 0, 1))
    # the operator's own clip (its default) also holds whatever Degrade says
    op_clipped = degrade(50, clip=False, op_clip=True)(dict(gt=img.copy()))['img']
    np.testing.assert_array_equal(op_clipped, clipped)


def test_per_sample_noise_unclipped_differs_per_state():
    """Without fixed_seed the map follows the sample's state (training), unclipped too."""
    img = np.full((16, 16, 3), 0.95, np.float32)
    op = dict(type='GaussianNoise', sigma_range=(50, 50), clip=False)
    outs = []
    for seed in (1, 2):
        np.random.seed(seed)
        outs.append(Degrade(op, clip=False)(dict(gt=img.copy()))['img'])
    assert not np.array_equal(outs[0], outs[1])
    assert outs[0].max() > 1.0
    assert abs(float((outs[0] - img).std()) - 50 / 255) < 0.03  # 768 draws of N(0, 0.196)


def test_fixed_seed_checked():
    with pytest.raises(ValueError, match='fixed_seed'):
        Degrade(dict(type='GaussianNoise', fixed_seed=-1))


@pytest.mark.parametrize('config,sigma,grey', [
    ('restormer_official-bf_1xb1_gaussian-color-denoise-s15.py', 15, False),
    ('restormer_official-bf_1xb1_gaussian-color-denoise-s50.py', 50, False),
    ('restormer_official-bf_1xb1_gaussian-color-denoise-blind.py', 25, False),
    ('restormer_official-bf-gray_1xb1_gaussian-gray-denoise-s50.py', 50, True),
])
def test_config_feeds_the_released_input(tmp_path, config, sigma, grey):
    """A real PNG through the config's test dataset equals the released script's input,
    computed here by hand: cv2 read (RGB or IMREAD_GRAYSCALE) / 255 in float32, plus
    RandomState(0).normal(0, sigma/255) in float64, stored float32, unclipped."""
    rgb = skdata.astronaut()[100:123, 150:181]  # 23 x 31: not a multiple of 8
    # the grey test sets are single-channel files (a colour file read as grey is converted
    # by cv2.cvtColor here, by libpng under IMREAD_GRAYSCALE: they can differ by 1/255)
    stored = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) if grey else rgb[..., ::-1]
    cv2.imwrite(str(tmp_path / 'a.png'), stored)
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'restormer', config))
    ds_cfg = dict(cfg.test_dataloader.dataset)
    assert ds_cfg.pop('type') == 'SyntheticPairDataset'
    ds_cfg['data_root'] = str(tmp_path)
    sample = SyntheticPairDataset(**ds_cfg)[0]

    if grey:
        clean = cv2.imread(str(tmp_path / 'a.png'), cv2.IMREAD_GRAYSCALE)[..., None]
    else:
        clean = cv2.cvtColor(cv2.imread(str(tmp_path / 'a.png')), cv2.COLOR_BGR2RGB)
    clean = np.float32(clean) / 255.
    noise = np.random.RandomState(0).normal(0, sigma / 255., clean.shape)
    expected = (clean.astype(np.float64) + noise).astype(np.float32)
    got = sample['inputs'].numpy().transpose(1, 2, 0)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(sample['data_samples'].gt_img.numpy().transpose(1, 2, 0),
                                  clean)
    assert got.min() < 0.0 or got.max() > 1.0  # unclipped (astronaut has dark pixels)
