"""tools/train.py on the demo all-in-one IDR config, made tiny (Restormer dim 8,
one block per level, 4-token hubs, 16 px crops):

- two torchrun processes (gloo on CPU): trains across the stage switch with the
  default DDP wrapper (``find_unused_parameters=False``: every parameter takes
  part in every step, or DDP fails at the second iteration), logs the
  classifier's loss, validates each (task, image) once and reports PSNR per task;
- kill -9 after the stage switch and ``--resume`` from the stage-1 checkpoint
  give bit-identical weights to the uninterrupted run.
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
_KILLER, _run, _run_both = RELIABILITY._KILLER, RELIABILITY._run, RELIABILITY._run_both

DEMO = osp.join(REPO_ROOT, 'configs', 'idr',
                'idr_restormer-d12-2e1d-n24_1xb5-400it_demo-five-tasks.py')
TASKS = ('denoise', 'derain', 'dehaze', 'deblur', 'lowlight')

RECORDER = '''
"""Records which (task, image) each rank's metric saw, next to the real metrics."""
import json
import os

from mmengine.evaluator import BaseMetric

from irtoolbox.registry import METRICS


@METRICS.register_module()
class TaskSampleRecorder(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results.extend((s['task_name'], s['gt_path']) for s in data_samples)

    def compute_metrics(self, results):
        with open(os.path.join(os.environ['TRACE_DIR'], 'val_seen.json'), 'w') as f:
            json.dump(results, f)
        return dict(num_samples=len(results))
'''


def _tiny_config(tmp_path, demo_data, max_iters, switch, **options):
    """The demo config with a tiny model and demo_data, written as one file."""
    cfg = Config.fromfile(DEMO)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        for task in loader.dataset.tasks:
            task.dataset.data_root = str(demo_data)
            for step in task.dataset.pipeline:
                if step.type == 'RandomCrop':
                    step.crop_size = 16
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_dataloader.batch_size = 2
    backbone = cfg.model.backbone
    backbone.update(dim=8, heads=(1, 1, 1, 1))
    for plugin in backbone.plugins:
        plugin.cfg.num_tokens = 4
    cfg.model.stage_switch_iter = switch
    cfg.train_cfg.max_iters = max_iters
    cfg.param_scheduler[0].T_max = max_iters
    cfg.default_hooks.logger.interval = 1
    cfg.merge_from_dict(options)
    path = tmp_path / 'tiny_idr.py'
    cfg.dump(str(path))
    return str(path)


def _scalars(work_dir):
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    assert files, f'no scalars.json under {work_dir}'
    with open(files[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_torchrun_two_processes_train_across_the_stage_switch(demo_data, tmp_path):
    (tmp_path / 'idr_recorder.py').write_text(RECORDER)
    config = _tiny_config(
        tmp_path, demo_data, max_iters=4, switch=2,
        custom_imports=dict(imports=['idr_recorder'], allow_failed_imports=False),
        train_cfg=dict(val_interval=4), default_hooks=dict(checkpoint=dict(interval=4)))
    cfg = Config.fromfile(config, import_custom_modules=False)
    cfg.val_evaluator = list(cfg.val_evaluator) + [dict(type='TaskSampleRecorder')]
    cfg.dump(config)
    work_dir = tmp_path / 'work'
    run_tool([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
              '--master_port', str(free_port()), 'tools/train.py', config,
              '--launcher', 'pytorch', '--work-dir', str(work_dir)],
             env={'PYTHONPATH': f'{tmp_path}:{REPO_ROOT}', 'TRACE_DIR': str(tmp_path)},
             timeout=500)
    records = _scalars(work_dir)
    train = [r for r in records if 'loss_l1' in r]
    assert len(train) == 4 and all('loss_cls' in r and 'loss_sdam' in r for r in train)
    val = [r for r in records if 'PSNR' in r]
    assert val, 'validation wrote no PSNR'
    for task in TASKS:
        assert f'PSNR/task_name={task}' in val[-1] and f'degraded/PSNR/task_name={task}' in val[-1]
    seen = [tuple(s) for s in json.loads((tmp_path / 'val_seen.json').read_text())]
    n_val = sum(1 for p in (demo_data / 'val' / 'gt').iterdir() if p.suffix == '.png')
    assert len(seen) == len(set(seen)) == len(TASKS) * n_val  # each image once
    assert (work_dir / 'iter_4.pth').is_file()


@pytest.mark.slow
@pytest.mark.parametrize('later_mixture_source', ['own', 'first'])
def test_kill9_after_the_stage_switch_then_resume_is_bit_identical(demo_data, tmp_path,
                                                                   later_mixture_source):
    """Also for the mixfirst demo (enc2/dec3 mix by enc1's prediction from the batch
    context, which must not outlive a forward)."""
    (tmp_path / 'reliability_killer.py').write_text(_KILLER)
    config = _tiny_config(
        tmp_path, demo_data, max_iters=6, switch=3,
        custom_imports=dict(imports=['reliability_killer'], allow_failed_imports=False),
        train_cfg=dict(val_interval=100000), val_cfg=None, val_dataloader=None,
        val_evaluator=None, test_dataloader=None, test_cfg=None, test_evaluator=None,
        default_hooks=dict(checkpoint=dict(interval=2, max_keep_ckpts=3)),
        custom_hooks=[dict(type='NonFiniteLossGuardHook'), dict(type='RNGStateHook'),
                      dict(type='SelfKillHook')],
        randomness=dict(seed=0, deterministic=True), log_level='WARNING')
    cfg = Config.fromfile(config, import_custom_modules=False)  # the killer imports at run time
    for plugin in cfg.model.backbone.plugins[1:]:
        plugin.cfg.mixture_source = later_mixture_source
    cfg.dump(config)
    full, killed = str(tmp_path / 'full'), str(tmp_path / 'killed')
    proc, killed_proc = _run_both(
        ['tools/train.py', config, '--work-dir', full],
        ['tools/train.py', config, '--work-dir', killed], tmp_path, kill_at=5)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert killed_proc.returncode == -9, killed_proc.stderr[-3000:]
    with open(osp.join(killed, 'last_checkpoint')) as f:
        assert f.read() == osp.join(killed, 'iter_4.pth')  # one stage-2 iteration saved
    # resume from stage 1 (iteration 2): the resumed run crosses the switch itself
    proc = _run(['tools/train.py', config, '--work-dir', killed, '--resume',
                 osp.join(killed, 'iter_2.pth')], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    reference = load_checkpoint_file(osp.join(full, 'iter_6.pth'))['state_dict']
    resumed = load_checkpoint_file(osp.join(killed, 'iter_6.pth'))['state_dict']
    assert reference.keys() == resumed.keys()
    assert any('hubs' in key for key in reference)
    classifiers = {key.split('degradation_classifier')[0] for key in reference
                   if 'degradation_classifier' in key}
    assert len(classifiers) == (3 if later_mixture_source == 'own' else 1)  # the variant ran
    for key, value in reference.items():
        assert torch.equal(resumed[key], value), key
