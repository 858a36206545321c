"""PairedImageDataset and SyntheticPairDataset on real PNG files."""
import cv2
import numpy as np
import pytest
import torch
from skimage import data as skdata

from irtoolbox.datasets import PairedImageDataset, SyntheticPairDataset
from irtoolbox.registry import DATASETS

PHOTOS = {'astronaut': skdata.astronaut(), 'chelsea': skdata.chelsea(),
          'coffee': skdata.coffee()}


def _write(path, rgb):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb[..., ::-1]))


def _paired_root(root, names=('a', 'b.v2', 'c'), lq_tmpl='{}', size=24):
    """gt = a crop of a photo; lq = the same crop darkened (so they differ)."""
    for name, photo in zip(names, PHOTOS.values()):
        gt = photo[50:50 + size, 60:60 + size]
        _write(root / 'gt' / f'{name}.png', gt)
        _write(root / 'lq' / f'{lq_tmpl.format(name)}.png', gt // 2)
    return root


PIPELINE = [dict(type='LoadImageFromFile', key='img'), dict(type='LoadImageFromFile', key='gt'),
            dict(type='PackInputs')]


def test_pairs_from_listing_and_values(tmp_path):
    root = _paired_root(tmp_path)
    ds = PairedImageDataset(data_root=str(root), pipeline=PIPELINE, metainfo=dict(task='x'))
    assert len(ds) == 3
    info = ds.get_data_info(1)
    assert info['gt_path'] == str(root / 'gt' / 'b.v2.png')
    assert info['img_path'] == str(root / 'lq' / 'b.v2.png')
    assert info['sample_idx'] == 1 and info['task'] == 'x'
    out = ds[1]
    gt = PHOTOS['chelsea'][50:74, 60:84]
    np.testing.assert_allclose(out['data_samples'].gt_img.permute(1, 2, 0).numpy(), gt / 255.0,
                               atol=1e-7)
    np.testing.assert_allclose(out['inputs'].permute(1, 2, 0).numpy(), (gt // 2) / 255.0,
                               atol=1e-7)
    assert out['data_samples'].metainfo['channel_order'] == 'rgb'


def test_filename_template_and_build_from_config(tmp_path):
    root = _paired_root(tmp_path, lq_tmpl='{}x4')
    ds = DATASETS.build(dict(type='PairedImageDataset', data_root=str(root),
                             filename_tmpl='{}x4', pipeline=PIPELINE))
    assert [d['img_path'].rsplit('/', 1)[-1] for d in ds.data_list] == \
        ['ax4.png', 'b.v2x4.png', 'cx4.png']


def test_missing_partners_listed(tmp_path):
    root = _paired_root(tmp_path)
    (root / 'lq' / 'a.png').unlink()
    (root / 'lq' / 'c.png').unlink()
    with pytest.raises(FileNotFoundError) as info:
        PairedImageDataset(data_root=str(root), pipeline=PIPELINE)
    msg = str(info.value)
    assert '2 ground-truth image(s)' in msg and 'a.png' in msg and 'c.png' in msg
    assert 'b.v2' not in msg


def test_missing_folder_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        PairedImageDataset(data_root=str(tmp_path), data_prefix=dict(img='nowhere', gt='gt'))


def test_ann_file_two_names_and_meta_info(tmp_path):
    root = _paired_root(tmp_path)
    (root / 'pairs.txt').write_text('# lq gt\nc.png c.png\n\na.png a.png\n')
    ds = PairedImageDataset(data_root=str(root), ann_file='pairs.txt', pipeline=PIPELINE)
    assert [d['gt_path'][-5:] for d in ds.data_list] == ['c.png', 'a.png']
    (root / 'meta_info.txt').write_text('b.v2.png (24,24,3) 1\na.png (24,24,3) 1\n')
    ds = PairedImageDataset(data_root=str(root), ann_file='meta_info.txt', pipeline=PIPELINE)
    assert [d['gt_path'].rsplit('/', 1)[-1] for d in ds.data_list] == ['b.v2.png', 'a.png']
    assert ds[0]['inputs'].shape == (3, 24, 24)


def test_lmdb_backend_needs_meta_info_and_uses_keys(tmp_path):
    """A real LMDB read through mmengine's ``lmdb`` backend: it cannot be listed,
    so names come from meta_info.txt, and keys are names without the last
    extension (dots kept), as BasicSR/mmagic store them."""
    import lmdb
    root = _paired_root(tmp_path / 'files')
    db_path = tmp_path / 'gt.lmdb'
    env = lmdb.open(str(db_path), map_size=1 << 24)
    with env.begin(write=True) as txn:
        for name in ('a', 'b.v2'):
            txn.put(name.encode(), (root / 'gt' / f'{name}.png').read_bytes())
    env.close()
    args = dict(backend='lmdb', db_path=str(db_path))
    pipeline = [dict(type='LoadImageFromFile', key='gt', backend_args=args),
                dict(type='PackInputs', keys=('gt', 'gt'))]
    with pytest.raises(FileNotFoundError, match='meta_info.txt'):
        SyntheticPairDataset(data_root=str(tmp_path), data_prefix=dict(gt='gt.lmdb'),
                             backend_args=args)
    (db_path / 'meta_info.txt').write_text(
        'a.png (24,24,3) 1\nb.v2.png (24,24,3) 1\nmissing.png (24,24,3) 1\n')
    ds = SyntheticPairDataset(data_root=str(tmp_path), data_prefix=dict(gt='gt.lmdb'),
                              backend_args=args, pipeline=pipeline)
    assert [d['gt_path'] for d in ds.data_list] == ['a', 'b.v2', 'missing']
    gt = PHOTOS['chelsea'][50:74, 60:84]
    np.testing.assert_allclose(ds[1]['inputs'].permute(1, 2, 0).numpy(), gt / 255.0, atol=1e-7)
    with pytest.raises(FileNotFoundError, match="'missing'"):
        ds[2]


def _synthetic(root, test_mode, seed=0):
    pipeline = [dict(type='LoadImageFromFile', key='gt'),
                dict(type='RandomCrop', crop_size=16, keys=('gt',)),
                dict(type='Flip', keys=('gt',)),
                dict(type='Degrade', degradation=[dict(type='GaussianBlur'),
                                                  dict(type='GaussianNoise')]),
                dict(type='PackInputs')]
    return SyntheticPairDataset(data_root=str(root), data_prefix=dict(gt='gt'), seed=seed,
                                pipeline=pipeline, test_mode=test_mode)


def test_synthetic_test_split_fixed_per_index(tmp_path):
    root = _paired_root(tmp_path)
    first, second = _synthetic(root, True), _synthetic(root, True)
    a, b = first[2], second[2]
    torch.testing.assert_close(a['inputs'], b['inputs'], rtol=0, atol=0)
    torch.testing.assert_close(first[2]['inputs'], a['inputs'], rtol=0, atol=0)
    # test mode ignores the pass
    torch.testing.assert_close(first[(2, 5)]['inputs'], a['inputs'], rtol=0, atol=0)
    assert a['data_samples'].metainfo['degradation_params'] == \
        b['data_samples'].metainfo['degradation_params']
    # a different seed or index gives a different degradation
    assert not torch.equal(_synthetic(root, True, seed=1)[2]['inputs'], a['inputs'])
    assert first[1]['data_samples'].metainfo['degradation_params'] != \
        a['data_samples'].metainfo['degradation_params']


def test_synthetic_training_passes_differ_and_repeat(tmp_path):
    root = _paired_root(tmp_path)
    ds = _synthetic(root, False)
    p0, p1 = ds[(0, 0)], ds[(0, 1)]
    assert not torch.equal(p0['inputs'], p1['inputs'])
    torch.testing.assert_close(ds[0]['inputs'], p0['inputs'], rtol=0, atol=0)
    torch.testing.assert_close(_synthetic(root, False)[(0, 1)]['inputs'], p1['inputs'],
                               rtol=0, atol=0)
    # the input really is a degraded version of the (cropped) ground truth
    gt = p0['data_samples'].gt_img
    assert 0 < (p0['inputs'] - gt).abs().mean() < 0.5


def test_caller_random_state_untouched(tmp_path):
    import random
    ds = _synthetic(_paired_root(tmp_path), False)
    np.random.seed(123)
    random.seed(123)
    ds[(1, 3)]
    after_np, after_py = np.random.rand(), random.random()
    np.random.seed(123)
    random.seed(123)
    assert (np.random.rand(), random.random()) == (after_np, after_py)
