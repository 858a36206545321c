"""Bad files: one clear error (on_error='raise') or logged, counted skips ('skip')."""
import logging

import cv2
import numpy as np
import pytest
from mmengine.logging import MMLogger
from skimage import data as skdata

from irtoolbox.datasets import ImageDecodeError, SyntheticPairDataset

PIPELINE = [dict(type='LoadImageFromFile', key='gt'),
            dict(type='Degrade', degradation=dict(type='GaussianNoise')),
            dict(type='PackInputs')]


def _folder(root):
    """0_good, 1_garbage, 2_good, 3_truncated, 4_good (sorted order)."""
    gt = root / 'gt'
    gt.mkdir(parents=True)
    photo = skdata.coffee()[:20, :20, ::-1]
    for name in ('0_good', '2_good', '4_good'):
        cv2.imwrite(str(gt / f'{name}.png'), photo)
    (gt / '1_garbage.png').write_bytes(b'definitely not a PNG' * 10)
    full = cv2.imencode('.png', photo)[1].tobytes()
    (gt / '3_truncated.png').write_bytes(full[:len(full) // 2])
    return root


def _dataset(root, on_error, test_mode=True):
    return SyntheticPairDataset(data_root=str(root), data_prefix=dict(gt='gt'),
                                pipeline=PIPELINE, on_error=on_error, test_mode=test_mode)


@pytest.mark.parametrize('index, name', [(1, '1_garbage.png'), (3, '3_truncated.png')])
def test_raise_names_the_file(tmp_path, index, name):
    ds = _dataset(_folder(tmp_path), 'raise')
    with pytest.raises(ImageDecodeError) as info:
        ds[index]
    assert name in str(info.value) and 'decode' in str(info.value)
    assert ds[0]['inputs'].shape == (3, 20, 20)


def test_raise_on_file_deleted_after_listing(tmp_path):
    root = _folder(tmp_path)
    ds = _dataset(root, 'raise')
    (root / 'gt' / '2_good.png').unlink()
    with pytest.raises(FileNotFoundError, match='2_good.png'):
        ds[2]


def _capture_warnings():
    logger = MMLogger.get_current_instance()
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    logger.addHandler(handler)
    return logger, handler, records


def test_skip_returns_next_good_sample_counts_and_logs_once(tmp_path):
    root = _folder(tmp_path)
    ds = _dataset(root, 'skip')
    (root / 'gt' / '4_good.png').unlink()  # missing: wraps around to index 0
    reference = _dataset(_folder(tmp_path / 'clean'), 'raise')
    logger, handler, records = _capture_warnings()
    try:
        out1 = ds[1]
        out3 = ds[3]
        out4 = ds[4]
        again = ds[1]
    finally:
        logger.removeHandler(handler)
    assert out1['data_samples'].metainfo['sample_idx'] == 2
    assert out3['data_samples'].metainfo['sample_idx'] == 0
    assert out4['data_samples'].metainfo['sample_idx'] == 0
    # the substitute is exactly what its own index gives (same seeded degradation)
    np.testing.assert_array_equal(out1['inputs'].numpy(), reference[2]['inputs'].numpy())
    np.testing.assert_array_equal(again['inputs'].numpy(), out1['inputs'].numpy())
    assert ds.num_skipped == 3
    assert [p.rsplit('/', 1)[-1] for p in ds.skipped_paths] == \
        ['1_garbage.png', '3_truncated.png', '4_good.png']
    assert len(records) == 3  # once per bad file, even though index 1 was read twice
    assert '1_garbage.png' in records[0] and '1 bad file(s)' in records[0]
    assert '3 bad file(s)' in records[2] and '4_good.png' in records[2]


def test_skip_all_bad_raises(tmp_path):
    gt = tmp_path / 'gt'
    gt.mkdir()
    (gt / 'x.png').write_bytes(b'')
    ds = _dataset(tmp_path, 'skip')
    with pytest.raises(RuntimeError, match='Every sample'):
        ds[0]
    assert ds.num_skipped == 1


def test_skip_does_not_hide_bugs(tmp_path):
    ds = SyntheticPairDataset(data_root=str(_folder(tmp_path)), data_prefix=dict(gt='gt'),
                              on_error='skip',
                              pipeline=[dict(type='LoadImageFromFile', key='gt'),
                                        dict(type='PackInputs')])  # no 'img': a config bug
    with pytest.raises(KeyError, match="results\\['img'\\]"):
        ds[0]


def test_bad_arguments():
    with pytest.raises(ValueError, match='on_error'):
        SyntheticPairDataset(data_root='.', on_error='ignore')


def test_index_forms(tmp_path):
    ds = _dataset(_folder(tmp_path), 'raise', test_mode=False)
    np.testing.assert_array_equal(ds[-1]['inputs'].numpy(), ds[4]['inputs'].numpy())
    with pytest.raises(IndexError, match='out of range'):
        ds[5]
    with pytest.raises(TypeError, match='index, pass'):
        ds[(0, 1, 2)]
