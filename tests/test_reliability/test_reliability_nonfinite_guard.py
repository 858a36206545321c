"""NonFiniteLossGuardHook: stop at the first NaN loss, keep the last good checkpoint."""
import os
import os.path as osp

import pytest
import torch
from reliability_toys import CountingPairDataset, DropoutRegressor, make_runner

from irtoolbox.engine.hooks.nonfinite_guard_hook import NonFiniteLossError, NonFiniteLossGuardHook
from irtoolbox.utils.checkpoint import load_checkpoint_file


def test_nan_loss_stops_before_checkpointing(tmp_path):
    work = str(tmp_path / 'run')
    runner = make_runner(work, CountingPairDataset(str(tmp_path / 'log')), max_iters=8,
                         interval=1, model=DropoutRegressor(nan_at_call=6))
    with pytest.raises(NonFiniteLossError, match=r'iteration 6: loss, loss_mse \(NaN/Inf\)'):
        runner.train()
    ckpts = sorted(f for f in os.listdir(work) if f.endswith('.pth'))
    assert ckpts == [f'iter_{i}.pth' for i in range(1, 6)]
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read() == osp.join(work, 'iter_5.pth')
    state = load_checkpoint_file(osp.join(work, 'iter_5.pth'))['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values())


def test_guard_runs_before_checkpoint_hook():
    from mmengine.hooks import CheckpointHook
    from mmengine.runner.priority import get_priority
    assert get_priority(NonFiniteLossGuardHook.priority) < get_priority(CheckpointHook.priority)


def test_finite_and_nested_outputs():
    hook = NonFiniteLossGuardHook()

    class _Runner:
        work_dir = '/w'

    hook.after_train_iter(_Runner(), 0, outputs=dict(loss=torch.tensor(1.0), lr=float('nan')))
    with pytest.raises(NonFiniteLossError, match=r'iteration 3: gen.loss_gan \(NaN/Inf\)'):
        hook.after_train_iter(_Runner(), 2, outputs=dict(
            gen=dict(loss_gan=torch.tensor([1.0, float('inf')])), loss_pix=0.5))


def test_guard_names_the_checkpoint_that_exists_or_says_none(tmp_path):
    hook = NonFiniteLossGuardHook()

    class _Runner:
        work_dir = str(tmp_path)

    nan = dict(loss=torch.tensor(float('nan')))
    with pytest.raises(NonFiniteLossError, match='no checkpoint has been saved in'):
        hook.after_train_iter(_Runner(), 0, outputs=nan)
    checkpoint = tmp_path / 'iter_4.pth'
    checkpoint.write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text(str(checkpoint))
    with pytest.raises(NonFiniteLossError, match=r'iter_4\.pth is the last good state'):
        hook.after_train_iter(_Runner(), 5, outputs=nan)
