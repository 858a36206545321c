"""DL-Net through the real tools: tools/train.py on one process and under
2-process torchrun, tools/test.py reporting the paper's metrics per level,
kill -9 and --resume giving bit-identical weights, and the likelihood head on
the U-Net of the InfoAccum family and on FDR-Net trained for a few iterations."""
import glob
import json
import os.path as osp
import re
import sys

import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, free_port, reliability_helpers, run_tool
from mmengine.config import Config

from irtoolbox.utils.checkpoint import load_checkpoint_file

DLNET = osp.join(REPO_ROOT, 'configs', 'dlnet')
DEMO = osp.join(DLNET, 'dlnet_contextencoder-k5_1xb16-300it_demo64-inpaint.py')
MAX_ITERS, KILL_AT = 8, 6
LEVELS = ('s=10', 's=20', 's=20c', 's=30')


def _config(tmp_path, demo_data, base=DEMO, model=None, iters=4, kill_hook=False, val=True,
            name='tiny_dlnet.py'):
    """The demo config with its data under ``demo_data``, a tiny model and a short run,
    written out whole."""
    cfg = Config.fromfile(base)
    root = str(demo_data)
    cfg.train_dataloader.batch_size = 4
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.dataset.dataset.data_root = root
    cfg.merge_from_dict(model or dict(model=dict(backbone=dict(channels=(8, 8, 8, 8)),
                                                 head=dict(output_layer=dict(in_channels=8)))))
    cfg.train_cfg.max_iters = iters
    cfg.train_cfg.val_interval = iters
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.update(interval=4, max_keep_ckpts=3, save_last=True)
    cfg.default_hooks.logger.interval = 1
    cfg.randomness = dict(seed=0, deterministic=True)
    if kill_hook:
        cfg.custom_imports = dict(imports=['reliability_killer'], allow_failed_imports=False)
        cfg.custom_hooks = [dict(type='NonFiniteLossGuardHook'), dict(type='RNGStateHook'),
                            dict(type='SelfKillHook')]
    if not val:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    path = tmp_path / name
    cfg.dump(str(path))
    return str(path)


def _losses(work_dir):
    files = sorted(glob_scalars(work_dir))
    assert files, f'no scalars.json under {work_dir}'
    with open(files[-1]) as f:
        records = [json.loads(line) for line in f if line.strip()]
    return records


def glob_scalars(work_dir):
    return glob.glob(osp.join(str(work_dir), '*', 'vis_data', 'scalars.json'))


@pytest.mark.slow
def test_train_then_test_reports_metrics_per_level(tmp_path, demo_data):
    config = _config(tmp_path, demo_data)
    work = tmp_path / 'work'
    run_tool([sys.executable, 'tools/train.py', config, '--work-dir', str(work)])
    records = _losses(work)
    losses = [r['loss_rec'] for r in records if 'loss_rec' in r]
    assert len(losses) == 4 and all(np.isfinite(losses))
    assert any('PSNR/test_level=s=10' in r for r in records), 'validation gave no per-level PSNR'
    # tools/test.py on the fixed test set (10 saved degradations per image and level)
    proc = run_tool([sys.executable, 'tools/test.py', config, str(work / 'iter_4.pth'),
                     '--work-dir', str(tmp_path / 'test'), '--cfg-options', 'log_level=INFO'])
    text = proc.stdout + proc.stderr
    # the test's metrics as the json log keeps them (the console prints levels as a table)
    (json_file,) = glob.glob(osp.join(str(tmp_path / 'test'), '*', '*.json'))
    with open(json_file) as f:
        reported = json.loads(f.read().splitlines()[-1])
    got = {(m, lv): float(v) for key, v in reported.items()
           for m, lv in re.findall(r'^(l1|l2|PSNR|SSIM)/test_level=(s=\d+c?)$', key)}
    metrics = ('l1', 'l2', 'PSNR', 'SSIM')
    assert set(got) == {(m, lv) for m in metrics for lv in LEVELS}, text[-2000:]
    overall = {m: float(reported[m]) for m in metrics}
    for metric in ('l1', 'l2', 'PSNR', 'SSIM'):
        # every level has the same number of samples (4 images x 10 copies)
        assert abs(np.mean([got[(metric, lv)] for lv in LEVELS]) - overall[metric]) < 2e-4
    # the paper's l2 on [-1, 1] is 4x the [0, 1] MSE, whose PSNR is reported beside it
    assert all(0 < got[('l2', lv)] < 4 for lv in LEVELS)


@pytest.mark.slow
def test_train_torchrun_two_processes(tmp_path, demo_data):
    config = _config(tmp_path, demo_data, iters=2, val=False)
    work = tmp_path / 'work'
    run_tool([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
              '--master_port', str(free_port()), 'tools/train.py', config,
              '--launcher', 'pytorch', '--work-dir', str(work)], timeout=400)
    losses = [r['loss_rec'] for r in _losses(work) if 'loss_rec' in r]
    assert len(losses) == 2 and all(np.isfinite(losses))
    assert osp.isfile(work / 'iter_2.pth')


@pytest.mark.slow
def test_kill9_then_resume_matches_uninterrupted(tmp_path, demo_data):
    config = _config(tmp_path, demo_data, iters=MAX_ITERS, kill_hook=True, val=False)
    full, _, reference = reliability_helpers().kill9_resume_matches(config, tmp_path,
                                                                    MAX_ITERS, KILL_AT)
    # the run really trained (weights moved from the first checkpoint)
    first = load_checkpoint_file(osp.join(full, 'iter_4.pth'))['state_dict']
    assert not torch.equal(first['head.output_layer.conv.weight'],
                           reference['head.output_layer.conv.weight'])


@pytest.mark.slow
@pytest.mark.parametrize('name, model', [
    ('dlnet_unet-d4-c16-k5_1xb16-300it_demo64-inpaint.py',
     dict(model=dict(backbone=dict(backbone=dict(base_channels=4)),
                     head=dict(output_layer=dict(in_channels=8))))),
    ('dlnet_fdrnet-c16p2-k5_1xb16-300it_demo64-inpaint.py',
     dict(model=dict(backbone=dict(backbone=dict(mid_channels=8, num_phases=1)),
                     head=dict(output_layer=dict(in_channels=8))))),
])
def test_head_on_other_backbones_trains(tmp_path, demo_data, name, model):
    config = _config(tmp_path, demo_data, base=osp.join(DLNET, name), model=model, iters=3,
                     val=False)
    work = tmp_path / 'work'
    run_tool([sys.executable, 'tools/train.py', config, '--work-dir', str(work)])
    losses = [r['loss_rec'] for r in _losses(work) if 'loss_rec' in r]
    assert len(losses) == 3 and all(np.isfinite(losses))
    state = load_checkpoint_file(str(work / 'iter_3.pth'))['state_dict']
    assert 'head.output_layer.conv.weight' in state
    # h lives in the head only: the cut backbone kept none of the wrapped h
    assert not [k for k in state if k.startswith('backbone.backbone.decoders.0.')
                or k.startswith('backbone.backbone.tail.')]
