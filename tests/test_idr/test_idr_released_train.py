"""tools/train.py on the released-IDR demo config, made tiny (IDRReleased dim 8, one
block per level, 4 tokens, 16 px crops), across the stage switch:

- one process: the classification loss is logged in stage 1 and is 0 after the
  switch; in stage 2 the hub is detached (unchanged from the switch checkpoint to
  the last) while the SVD mixer trains (changed), as in the released code;
- two torchrun processes (gloo on CPU) with the config's DDP wrapper
  (``find_unused_parameters=True``: stage 1 runs one physics route);
- kill -9 after the stage switch and ``--resume`` from the stage-1 checkpoint
  give bit-identical weights to the uninterrupted run (the sampler resumes by
  position, the stage by the iteration).
"""
import glob
import json
import os.path as osp
import sys

import pytest
import torch
from conftest import REPO_ROOT, free_port, reliability_helpers, run_tool
from mmengine.config import Config

from irtoolbox.utils.checkpoint import load_checkpoint_file

RELIABILITY = reliability_helpers()  # the kill -9 hook and tool runner, not copied
DEMO = osp.join(REPO_ROOT, 'configs', 'idr', 'idr_released-d12_1xb5-400it_demo-five-tasks.py')


def _tiny_config(tmp_path, demo_data, max_iters=4, switch=2, **options):
    cfg = Config.fromfile(DEMO)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        for task in loader.dataset.tasks:
            task.dataset.data_root = str(demo_data)
            for step in task.dataset.pipeline:
                if step.type == 'RandomCrop':
                    step.crop_size = 16
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_dataloader.batch_size = 2
    cfg.train_dataloader.sampler.update(group_size=2, batch_size=2, stage2_from_iter=switch)
    cfg.model.backbone.update(dim=8, heads=(1, 1, 1, 1), num_tokens=4)
    cfg.model.stage_switch_iter = switch
    cfg.model.losses.cls.until_iter = switch
    cfg.train_cfg.update(max_iters=max_iters, val_interval=max_iters)
    cfg.param_scheduler[0].T_max = max_iters
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor.window_size = 1  # each iteration's own losses, not a running mean
    cfg.default_hooks.checkpoint.interval = switch
    cfg.merge_from_dict(options)
    path = tmp_path / 'tiny_idr_released.py'
    cfg.dump(str(path))
    return str(path)


def _train_records(work_dir):
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    assert files, f'no scalars.json under {work_dir}'
    with open(files[-1]) as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if 'loss_l1' in r], [r for r in records if 'PSNR' in r]


@pytest.mark.slow
def test_one_process_trains_across_the_stage_switch(demo_data, tmp_path):
    work_dir = tmp_path / 'work'
    run_tool([sys.executable, 'tools/train.py', _tiny_config(tmp_path, demo_data),
              '--work-dir', str(work_dir)], timeout=500)
    train, val = _train_records(work_dir)
    assert [r['loss_cls'] > 0 for r in train] == [True, True, False, False]
    assert all(r['loss_sam'] > 0 for r in train) and val and 'PSNR/task_name=deblur' in val[-1]
    at_switch = load_checkpoint_file(str(work_dir / 'iter_2.pth'))['state_dict']
    last = load_checkpoint_file(str(work_dir / 'iter_4.pth'))['state_dict']
    assert torch.equal(at_switch['backbone.hub'], last['backbone.hub'])  # detached in stage 2
    assert not torch.equal(at_switch['backbone.mixer.convU.weight'],
                           last['backbone.mixer.convU.weight'])


@pytest.mark.slow
def test_torchrun_two_processes_train_across_the_stage_switch(demo_data, tmp_path):
    work_dir = tmp_path / 'work'
    run_tool([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
              '--master_port', str(free_port()), 'tools/train.py',
              _tiny_config(tmp_path, demo_data), '--launcher', 'pytorch',
              '--work-dir', str(work_dir)], timeout=500)
    train, _ = _train_records(work_dir)
    assert len(train) == 4 and [r['loss_cls'] > 0 for r in train] == [True, True, False, False]
    assert (work_dir / 'iter_4.pth').is_file()


@pytest.mark.slow
def test_kill9_after_the_stage_switch_then_resume_is_bit_identical(demo_data, tmp_path):
    (tmp_path / 'reliability_killer.py').write_text(RELIABILITY._KILLER)
    config = _tiny_config(
        tmp_path, demo_data, max_iters=6, switch=3,
        custom_imports=dict(imports=['reliability_killer'], allow_failed_imports=False),
        train_cfg=dict(val_interval=100000), val_cfg=None, val_dataloader=None,
        val_evaluator=None, test_dataloader=None, test_cfg=None, test_evaluator=None,
        default_hooks=dict(checkpoint=dict(interval=2, max_keep_ckpts=3)),
        custom_hooks=[dict(type='RNGStateHook'), dict(type='SelfKillHook')],
        randomness=dict(seed=0, deterministic=True), log_level='WARNING')
    full, killed = str(tmp_path / 'full'), str(tmp_path / 'killed')
    proc, killed_proc = RELIABILITY._run_both(
        ['tools/train.py', config, '--work-dir', full],
        ['tools/train.py', config, '--work-dir', killed], tmp_path, kill_at=5)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert killed_proc.returncode == -9, killed_proc.stderr[-3000:]
    # resume from stage 1 (iteration 2): the resumed run crosses the switch itself
    proc = RELIABILITY._run(['tools/train.py', config, '--work-dir', killed, '--resume',
                             osp.join(killed, 'iter_2.pth')], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    reference = load_checkpoint_file(osp.join(full, 'iter_6.pth'))['state_dict']
    resumed = load_checkpoint_file(osp.join(killed, 'iter_6.pth'))['state_dict']
    assert reference.keys() == resumed.keys() and 'backbone.mixer.convU.weight' in reference
    for key, value in reference.items():
        assert torch.equal(resumed[key], value), key
