"""MultiTaskDataset on the demo photographs: task tags, ratio balance, each
evaluation image once, samples a pure function of (index, pass)."""
import collections

import pytest
import torch

from irtoolbox.registry import DATASETS

TRAIN_HEAD = [dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
              dict(type='RandomCrop', crop_size=16, keys=('gt', ))]


def _task(name, index, root, folder, op, ratio=1.0, head=TRAIN_HEAD):
    return dict(name=name, index=index, ratio=ratio, dataset=dict(
        type='SyntheticPairDataset', data_root=str(root), data_prefix=dict(gt=folder),
        pipeline=head + [dict(type='Degrade', degradation=op), dict(type='PackInputs')]))


def _dataset(root, ratios=(1.0, 1.0), balance=True, test_mode=False):
    tasks = [_task('denoise', 0, root, 'train/gt', dict(type='GaussianNoise'), ratios[0]),
             _task('dehaze', 2, root, 'val/gt', dict(type='Haze'), ratios[1])]
    data = DATASETS.build(dict(type='MultiTaskDataset', tasks=tasks, balance=balance,
                               test_mode=test_mode))
    data.full_init()
    return data


def _count(folder):
    return sum(1 for p in folder.iterdir() if p.suffix == '.png')


@pytest.mark.parametrize('ratios', [(1.0, 1.0), (2.0, 1.0), (1.0, 3.0)])
def test_balance_follows_the_ratios(demo_data, ratios):
    n_train, n_val = _count(demo_data / 'train' / 'gt'), _count(demo_data / 'val' / 'gt')
    data = _dataset(demo_data, ratios)
    unit = max(n_train / ratios[0], n_val / ratios[1])  # hand computation of the docstring
    assert data.slots == [round(unit * ratios[0]), round(unit * ratios[1])]
    names = collections.Counter(data[i]['data_samples'].task_name for i in range(len(data)))
    assert names == {'denoise': data.slots[0], 'dehaze': data.slots[1]}


def test_samples_are_tagged_and_repeats_differ_but_are_reproducible(demo_data):
    data = _dataset(demo_data)
    n_val = _count(demo_data / 'val' / 'gt')
    start = data.slots[0]
    first, repeat = data[start], data[start + n_val]  # the same val image, two slots
    assert first['data_samples'].task_name == 'dehaze' and first['data_samples'].task_idx == 2
    assert first['data_samples'].gt_path == repeat['data_samples'].gt_path
    assert not torch.equal(first['inputs'], repeat['inputs'])  # a new crop/haze per repeat
    again = _dataset(demo_data)[(start + n_val, 3)]
    assert torch.equal(again['inputs'], _dataset(demo_data)[(start + n_val, 3)]['inputs'])
    assert not torch.equal(again['inputs'], repeat['inputs'])  # another pass, new draws


def test_evaluation_concatenates_every_image_once(demo_data):
    head = [dict(type='LoadImageFromFile', key='gt', channel_order='rgb')]
    ops = [('denoise', dict(type='GaussianNoise')), ('rain', dict(type='RainStreaks'))]
    tasks = [_task(name, i, demo_data, 'val/gt', op, head=head)
             for i, (name, op) in enumerate(ops)]
    data = DATASETS.build(dict(type='MultiTaskDataset', tasks=tasks, test_mode=True))
    seen = [(data[i]['data_samples'].task_name, data[i]['data_samples'].gt_path)
            for i in range(len(data))]
    n_val = _count(demo_data / 'val' / 'gt')
    assert len(seen) == len(set(seen)) == 2 * n_val
    assert torch.equal(data[1]['inputs'], data[1]['inputs'])  # fixed test degradation


def test_bad_task_configs_give_clear_errors(demo_data):
    with pytest.raises(ValueError, match='unique'):
        DATASETS.build(dict(type='MultiTaskDataset', tasks=[
            _task('a', 0, demo_data, 'val/gt', dict(type='Haze'))] * 2))
    with pytest.raises(ValueError, match='ratio'):
        DATASETS.build(dict(type='MultiTaskDataset', tasks=[
            _task('a', 0, demo_data, 'val/gt', dict(type='Haze'), ratio=0)]))
