"""tools/data/prepare_demo.py writes the documented demo layout (small size)."""
import glob
import os.path as osp
import runpy

import cv2
import numpy as np
from skimage import data as skdata

from irtoolbox.datasets import PairedImageDataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = runpy.run_path(osp.join(REPO, 'tools', 'data', 'prepare_demo.py'))


def _names(folder):
    return sorted(osp.basename(p) for p in glob.glob(osp.join(folder, '*.png')))


def test_prepare_demo_layout_and_content(tmp_path, capsys):
    out = str(tmp_path / 'demo')
    TOOL['main'](['--out', out, '--size', '32'])
    printed = capsys.readouterr().out
    assert 'train/gt: 25 images' in printed and 'val/lq: 4 images' in printed
    val = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.png']
    assert _names(osp.join(out, 'val', 'gt')) == val == _names(osp.join(out, 'val', 'lq'))
    train = _names(osp.join(out, 'train', 'gt'))
    assert len(train) == 25 and not set(train) & set(val)
    for path in glob.glob(osp.join(out, '*', '*', '*.png')):
        assert cv2.imread(path).shape == (32, 32, 3), path
    # the center crop of chelsea (300 x 451): resized to 32 x 48, then columns 8..40
    expected = cv2.resize(skdata.chelsea()[..., ::-1], (48, 32), interpolation=cv2.INTER_AREA)
    np.testing.assert_array_equal(cv2.imread(osp.join(out, 'val', 'gt', 'chelsea.png')),
                                  expected[:, 8:40])
    meta = open(osp.join(out, 'val', 'gt', 'meta_info.txt')).read().splitlines()
    assert meta == [f'{name} (32,32,3) 1' for name in val]
    # lq is a degraded version: close to gt but not equal
    gt = cv2.imread(osp.join(out, 'val', 'gt', 'coffee.png')).astype(float)
    lq = cv2.imread(osp.join(out, 'val', 'lq', 'coffee.png')).astype(float)
    assert 1.0 < np.abs(gt - lq).mean() < 40.0
    # the paired validation set loads with the dataset
    ds = PairedImageDataset(data_root=osp.join(out, 'val'),
                            pipeline=[dict(type='LoadImageFromFile', key='img'),
                                      dict(type='LoadImageFromFile', key='gt'),
                                      dict(type='PackInputs')])
    assert len(ds) == 4 and ds[3]['inputs'].shape == (3, 32, 32)


def test_prepare_demo_is_idempotent(tmp_path):
    out = str(tmp_path / 'demo')
    TOOL['main'](['--out', out, '--size', '16'])
    first = {p: open(p, 'rb').read() for p in glob.glob(osp.join(out, '*', '*', '*'))}
    TOOL['main'](['--out', out, '--size', '16'])
    second = {p: open(p, 'rb').read() for p in glob.glob(osp.join(out, '*', '*', '*'))}
    assert first == second and len(first) == 25 + 4 + 4 + 3
