"""Extending a finished run with ``--resume`` and a larger ``max_iters`` (issue 21,
item 4): mmengine restores the saved scheduler over the configured one, so the
learning rate would freeze after the old end. StrictLoadRunner refuses instead;
resuming with the schedule it was saved with still works."""
import os.path as osp

import pytest
from reliability_toys import CountingPairDataset, DropoutRegressor

from irtoolbox.engine.runner import StrictLoadRunner


def _runner(work_dir, max_iters, milestone, resume):
    return StrictLoadRunner(
        model=DropoutRegressor(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=CountingPairDataset(osp.join(work_dir, 'log.txt')),
                              batch_size=3, num_workers=0,
                              sampler=dict(type='ResumableInfiniteSampler', seed=5),
                              collate_fn=dict(type='default_collate')),
        train_cfg=dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        param_scheduler=[dict(type='MultiStepLR', by_epoch=False, milestones=[milestone],
                              gamma=0.5)],
        default_hooks=dict(checkpoint=dict(type='SafeCheckpointHook', interval=2,
                                           by_epoch=False),
                           logger=dict(type='LoggerHook', interval=100)),
        default_scope='irtoolbox', resume=resume, log_level='WARNING',
        experiment_name=f'{osp.basename(str(work_dir))}_{max_iters}_{resume}')


def test_resume_with_a_changed_schedule_is_refused(tmp_path):
    _runner(tmp_path, max_iters=4, milestone=2, resume=False).train()
    # the same run resumed as configured: fine (it is finished, nothing to do)
    _runner(tmp_path, max_iters=4, milestone=2, resume=True).train()
    # extended to 8 iterations, the milestone scaled to 4 (as max_iters=8 does)
    with pytest.raises(RuntimeError, match=r'schedule saved in the checkpoint.*milestones'):
        _runner(tmp_path, max_iters=8, milestone=4, resume=True).train()
