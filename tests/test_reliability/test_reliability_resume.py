"""Exact, replay-free resume through a real mmengine Runner.

Reference: an uninterrupted run. A second run resumes from that run's
iteration-4 checkpoint (as after a crash) and must end with bit-identical
weights, loading only the samples after the checkpoint.
"""
import os.path as osp

import pytest
import torch
from reliability_toys import CountingPairDataset, make_runner, weights

MAX_ITERS, BATCH = 10, 3


def _reference(tmp_path, num_workers=0):
    work = str(tmp_path / 'full')
    data = CountingPairDataset(str(tmp_path / 'full.log'))
    runner = make_runner(work, data, MAX_ITERS, interval=4, num_workers=num_workers)
    runner.train()
    return work, weights(runner), data.loaded()


def _resumed(tmp_path, ckpt, name, num_workers=0, custom_hooks=None):
    data = CountingPairDataset(str(tmp_path / f'{name}.log'))
    extra = {} if custom_hooks is None else dict(custom_hooks=custom_hooks)
    runner = make_runner(str(tmp_path / name), data, MAX_ITERS, interval=4, resume=True,
                         load_from=ckpt, num_workers=num_workers, **extra)
    runner.train()
    return weights(runner), data.loaded()


def test_resume_is_exact_and_loads_no_trained_sample(tmp_path):
    work, full_weights, full_loaded = _reference(tmp_path)
    assert len(full_loaded) == MAX_ITERS * BATCH
    got, loaded = _resumed(tmp_path, osp.join(work, 'iter_4.pth'), 'resumed')
    # no replay: exactly the samples of iterations 5..10, in the reference order
    assert loaded == full_loaded[4 * BATCH:]
    assert got.keys() == full_weights.keys()
    for key in full_weights:
        assert torch.equal(got[key], full_weights[key]), key


def test_without_rng_state_dropout_diverges(tmp_path):
    """Control: the equality above depends on the restored random states."""
    work, full_weights, _ = _reference(tmp_path)
    got, _ = _resumed(tmp_path, osp.join(work, 'iter_4.pth'), 'no_rng',
                      custom_hooks=[dict(type='NonFiniteLossGuardHook')])
    assert any(not torch.equal(got[k], full_weights[k]) for k in full_weights)


@pytest.mark.slow
def test_resume_is_exact_with_workers(tmp_path):
    work, full_weights, full_loaded = _reference(tmp_path, num_workers=2)
    got, loaded = _resumed(tmp_path, osp.join(work, 'iter_8.pth'), 'workers', num_workers=2)
    # workers log concurrently and prefetch past the end: compare as sets
    needed = set(full_loaded[8 * BATCH:MAX_ITERS * BATCH])
    assert needed <= set(loaded)
    assert not set(loaded) & set(full_loaded[:8 * BATCH])
    for key in full_weights:
        assert torch.equal(got[key], full_weights[key]), key
