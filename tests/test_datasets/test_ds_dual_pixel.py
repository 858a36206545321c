"""DualPixelPairDataset + PackDualPixelInputs through the dual-pixel Restormer config's
test loader, on real 16-bit PNGs written in tmp_path: the 6-channel input must equal
the two views read by hand (cv2.IMREAD_UNCHANGED, BGR -> RGB, / 65535), stacked
[left, right], as the released test script builds it."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine import Config

from irtoolbox.datasets import DualPixelPairDataset
from irtoolbox.datasets.image_io import ImageSizeError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', 'restormer',
                  'restormer_official-dp_1xb1_dpdd-dual-pixel-defocus.py')
NAMES = ('scene_b.png', 'scene_a.png')


def write_dpdd(root, shape=(5, 7, 3), names=NAMES, skip=None):
    """inputL/, inputR/, target/ 16-bit PNGs of random values (distinct per view)."""
    rng = np.random.default_rng(0)
    for folder in ('inputL', 'inputR', 'target'):
        (root / folder).mkdir(exist_ok=True)
        for name in names:
            if (folder, name) == skip:
                continue
            img = rng.integers(0, 65536, size=shape, dtype=np.uint16)
            assert cv2.imwrite(str(root / folder / name), img)


def hand_read(path):
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert raw.dtype == np.uint16  # really a 16-bit file
    return raw[..., ::-1].astype(np.float64) / 65535


def config_dataset(root, **overrides):
    ds_cfg = dict(Config.fromfile(CONFIG).test_dataloader.dataset)
    assert ds_cfg.pop('type') == 'DualPixelPairDataset'
    ds_cfg.update(data_root=str(root), **overrides)
    return DualPixelPairDataset(**ds_cfg)


def test_six_channels_match_hand_normalised_views(tmp_path):
    write_dpdd(tmp_path)
    ds = config_dataset(tmp_path)
    assert len(ds) == 2
    for idx, name in enumerate(sorted(NAMES)):  # listed by name
        sample = ds[idx]
        left, right = (hand_read(tmp_path / f / name) for f in ('inputL', 'inputR'))
        expected = np.concatenate([left, right], axis=2).transpose(2, 0, 1)
        got = sample['inputs'].numpy()
        assert got.shape == (6, 5, 7) and got.dtype == np.float32
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7)
        np.testing.assert_allclose(sample['data_samples'].gt_img.numpy(),
                                   hand_read(tmp_path / 'target' / name).transpose(2, 0, 1),
                                   rtol=0, atol=1e-7)
        meta = sample['data_samples'].metainfo
        assert meta['img_path'].endswith(osp.join('inputL', name))
        assert meta['img_right_path'].endswith(osp.join('inputR', name))


def test_released_layout_and_ann_file(tmp_path):
    """The released test layout by data_prefix, a subset by ann_file."""
    write_dpdd(tmp_path, names=('x.png', 'y.png'))
    for src, dst in (('inputL', 'test_l'), ('inputR', 'test_r'), ('target', 'test_c')):
        (tmp_path / dst).mkdir()
        (tmp_path / src).rename(tmp_path / dst / ('target' if src == 'target' else 'source'))
    (tmp_path / 'indoor.txt').write_text('y.png\n')
    ds = config_dataset(tmp_path, ann_file='indoor.txt', data_prefix=dict(
        img='test_l/source', img_right='test_r/source', gt='test_c/target'))
    assert len(ds) == 1
    np.testing.assert_allclose(ds[0]['inputs'].numpy()[3:],
                               hand_read(tmp_path / 'test_r/source/y.png').transpose(2, 0, 1),
                               rtol=0, atol=1e-7)


def test_missing_view_named(tmp_path):
    write_dpdd(tmp_path, skip=('inputR', 'scene_a.png'))
    with pytest.raises(FileNotFoundError, match=r"no img_right view in .*inputR.*scene_a\.png"):
        config_dataset(tmp_path)


def test_views_of_other_sizes_refused(tmp_path):
    write_dpdd(tmp_path)
    rng = np.random.default_rng(1)
    cv2.imwrite(str(tmp_path / 'inputR' / 'scene_a.png'),
                rng.integers(0, 65536, size=(5, 8, 3), dtype=np.uint16))
    with pytest.raises(ValueError, match='the views differ'):
        config_dataset(tmp_path)[0]
    cv2.imwrite(str(tmp_path / 'inputR' / 'scene_a.png'),
                rng.integers(0, 65536, size=(5, 7, 3), dtype=np.uint16))
    cv2.imwrite(str(tmp_path / 'target' / 'scene_a.png'),
                rng.integers(0, 65536, size=(6, 7, 3), dtype=np.uint16))
    with pytest.raises(ImageSizeError, match='Size mismatch'):
        config_dataset(tmp_path)[0]


def test_prefix_keys_checked():
    with pytest.raises(ValueError, match='img, img_right and gt'):
        DualPixelPairDataset(data_prefix=dict(img='inputL', gt='target'), lazy_init=True)


def test_train_pipeline_crops_the_three_images_alike(tmp_path):
    """The config's fine-tuning pipeline: one crop box and flip for both views and the target."""
    write_dpdd(tmp_path, shape=(131, 140, 3), names=('a.png',))
    ds_cfg = dict(Config.fromfile(CONFIG).train_dataloader.dataset)
    assert ds_cfg.pop('type') == 'DualPixelPairDataset'
    ds = DualPixelPairDataset(**dict(ds_cfg, data_root=str(tmp_path)))
    for pass_ in range(3):
        sample = ds[(0, pass_)]
        meta = sample['data_samples'].metainfo
        top, left, bottom, right = meta['crop_bbox']
        views = [hand_read(tmp_path / f / 'a.png')[top:bottom, left:right]
                 for f in ('inputL', 'inputR', 'target')]
        if meta['flip']:
            views = [v[:, ::-1] for v in views]
        got = np.concatenate([sample['inputs'].numpy(), sample['data_samples'].gt_img.numpy()])
        assert got.shape == (9, 128, 128)
        np.testing.assert_allclose(got, np.concatenate(views, axis=2).transpose(2, 0, 1),
                                   rtol=0, atol=1e-7)
