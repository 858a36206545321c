"""Gradient accumulation through tools/train.py: batch 2 with accumulative_counts=2 for two
iterations is one SGD step on the mean gradient of the same four samples, i.e. what
batch 4 for one iteration does (the independent run; plain SGD makes the step linear
in the gradient, so the two must agree to float rounding). Seen failing with
accumulative_counts=1 in the first run (two plain steps of batch 2)."""
import os.path as osp

import torch
from conftest import reliability_helpers

from irtoolbox.utils.checkpoint import load_checkpoint_file


def _config(tmp_path, demo_data, batch, counts, iters):
    root = str(demo_data)
    text = f'''
_base_ = [{reliability_helpers().DEMO!r}]
train_dataloader = dict(batch_size={batch}, num_workers=0, dataset=dict(data_root={root!r}))
model = dict(backbone=dict(mid_channels=8, num_blocks=1))
optim_wrapper = dict(_delete_=True, type='OptimWrapper', accumulative_counts={counts},
                     optimizer=dict(type='SGD', lr=0.5))
param_scheduler = []
train_cfg = dict(max_iters={iters}, val_interval=100000)
val_cfg = None
val_dataloader = None
val_evaluator = None
default_hooks = dict(checkpoint=dict(interval={iters}), logger=dict(interval=1000))
custom_hooks = [dict(type='RNGStateHook')]
randomness = dict(seed=0, deterministic=True)
'''
    path = tmp_path / f'acc_b{batch}_c{counts}.py'
    path.write_text(text)
    return str(path)


def test_accumulated_batches_equal_one_large_batch(tmp_path, demo_data):
    helpers = reliability_helpers()
    weights = {}
    for batch, counts, iters in ((2, 2, 2), (4, 1, 1)):
        work = str(tmp_path / f'b{batch}c{counts}')
        proc = helpers._run(['tools/train.py', _config(tmp_path, demo_data, batch, counts, iters),
                             '--work-dir', work], tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
        weights[batch, counts] = load_checkpoint_file(
            osp.join(work, f'iter_{iters}.pth'))['state_dict']
    accumulated, large = weights[2, 2], weights[4, 1]
    for key, value in large.items():
        torch.testing.assert_close(accumulated[key], value, rtol=1e-4, atol=1e-5)  # float order
