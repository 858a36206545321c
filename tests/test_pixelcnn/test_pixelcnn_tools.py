"""The degradation model through the real tools: tools/train.py then tools/test.py
(paired / unpaired bits/dim checked against a direct computation), kill -9 and
--resume giving bit-identical weights, and a 2-process torchrun training."""
import math
import os
import os.path as osp
import re
import sys

import cv2
import pytest
import torch
from conftest import REPO_ROOT, free_port, reliability_helpers, run_tool
from mmengine.config import Config

from irtoolbox.registry import DATASETS, MODELS
from irtoolbox.utils.checkpoint import load_checkpoint_file

DEMO = osp.join(REPO_ROOT, 'configs', 'pixelcnn_degradation',
                'pixelcnn-cond_b2-c32-mix5_1xb8-400it_demo-jpeg.py')
MAX_ITERS, KILL_AT = 8, 6


def _config(tmp_path, demo_data, kill_hook=False):
    root = str(demo_data)
    imports = "custom_imports = dict(imports=['reliability_killer'], allow_failed_imports=False)"
    hooks = ("custom_hooks = [dict(type='NonFiniteLossGuardHook'), dict(type='RNGStateHook'), "
             "dict(type='SelfKillHook')]")
    text = f'''
_base_ = [{DEMO!r}]
{imports if kill_hook else ''}
train_dataloader = dict(batch_size=2, dataset=dict(data_root={root!r}))
val_dataloader = dict(dataset=dict(data_root={root!r}))
test_dataloader = val_dataloader
model = dict(density=dict(channels=8, num_blocks=1, num_mix=2))
train_cfg = dict(max_iters={MAX_ITERS}, val_interval=100000)
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, T_max={MAX_ITERS},
                        eta_min=1e-5)]
default_hooks = dict(checkpoint=dict(interval=4, max_keep_ckpts=3, save_last=True),
                     logger=dict(interval=1000))
{hooks if kill_hook else ''}
randomness = dict(seed=0, deterministic=True)
log_level = 'WARNING'
'''
    path = tmp_path / 'tiny_pixelcnn.py'
    path.write_text(text)
    return str(path)


def _direct_bits_per_dim(config, checkpoint):
    """Paired and unpaired bits/dim of the test split computed here, without the Runner."""
    cfg = Config.fromfile(config)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    model = MODELS.build(cfg.model)
    model.load_state_dict(load_checkpoint_file(checkpoint)['state_dict'])
    model.eval()
    paired, unpaired = [], []
    size = cfg.test_dataloader.batch_size
    for start in range(0, len(dataset), size):
        items = [dataset[i] for i in range(start, min(start + size, len(dataset)))]
        degraded = torch.stack([it['inputs'] for it in items]) * 2 - 1
        clean = torch.stack([it['data_samples'].gt_img for it in items]) * 2 - 1
        with torch.no_grad():
            for cond, out in ((clean, paired), (torch.roll(clean, 1, 0), unpaired)):
                params = model.density(degraded, cond)
                nll = model.nll.per_image_nll(params, degraded)
                out += (nll / (degraded[0].numel() * math.log(2))).tolist()
    return sum(paired) / len(paired), sum(unpaired) / len(unpaired)


@pytest.mark.slow
def test_train_then_test_reports_paired_and_unpaired_bits_per_dim(tmp_path, demo_data):
    config = _config(tmp_path, demo_data)
    work = tmp_path / 'work'
    run_tool([sys.executable, 'tools/train.py', config, '--work-dir', str(work)])
    ckpt = str(work / f'iter_{MAX_ITERS}.pth')
    proc = run_tool([sys.executable, 'tools/test.py', config, ckpt,
                     '--work-dir', str(tmp_path / 'test'), '--cfg-options', 'log_level=INFO'])
    text = proc.stdout + proc.stderr
    got = {k: float(v) for k, v in re.findall(r'(bpd_paired|bpd_unpaired): ([0-9.]+)', text)}
    assert set(got) == {'bpd_paired', 'bpd_unpaired'}, text[-3000:]
    paired, unpaired = _direct_bits_per_dim(config, ckpt)
    assert abs(got['bpd_paired'] - paired) < 1e-3
    assert abs(got['bpd_unpaired'] - unpaired) < 1e-3
    assert 0 < paired < 16 and paired != unpaired
    # samples of the trained model, beside the clean and the real degraded image (Fig. 5)
    out = tmp_path / 'samples'
    run_tool([sys.executable, 'tools/analysis/sample_degradations.py', config, ckpt,
              '--out-dir', str(out), '--num-images', '1', '--num-samples', '2', '--size', '8'])
    rows = sorted(p.name for p in out.glob('*.png'))
    stem = rows[0].split('_')[0]
    assert rows == sorted(f'{stem}_{n}.png' for n in ('clean', 'degraded', 'row', 'sample0',
                                                       'sample1'))
    row = cv2.imread(str(out / f'{stem}_row.png'))
    assert row.shape == (8, 4 * 8 + 3 * 2, 3)


@pytest.mark.slow
def test_kill9_then_resume_matches_uninterrupted(tmp_path, demo_data):
    config = _config(tmp_path, demo_data, kill_hook=True)
    _, killed, reference = reliability_helpers().kill9_resume_matches(config, tmp_path,
                                                                      MAX_ITERS, KILL_AT)
    # the run did train: weights moved away from those at the resumed checkpoint
    start = load_checkpoint_file(osp.join(killed, 'iter_4.pth'))['state_dict']
    assert any(not torch.equal(start[k], reference[k]) for k in reference)


@pytest.mark.slow
def test_torchrun_two_processes_train(tmp_path, demo_data):
    config = _config(tmp_path, demo_data)
    work = tmp_path / 'dist'
    env = dict(PORT=str(free_port()), PATH=f'{osp.dirname(sys.executable)}:{os.environ["PATH"]}')
    proc = run_tool(['bash', 'tools/dist_train.sh', config, '2', '--work-dir', str(work),
                     '--cfg-options', 'train_cfg.max_iters=4', 'log_level=INFO'], env=env)
    # the runtime environment is in the log file (the console names it; --verbose prints it)
    text = ''.join(open(path).read() for path in work.glob('*/*.log'))
    assert 'world_size: 2' in text or 'gloo' in text, proc.stdout[-3000:]
    state = load_checkpoint_file(str(work / 'iter_4.pth'))['state_dict']
    assert all(torch.isfinite(v).all() for v in state.values())
