"""tools/train.py on the InfoAccum demo GAN config: one process and two torchrun
processes (gloo on CPU). The distributed run also checks that the separately
DDP-wrapped generator and discriminator stay identical on both ranks, although
each rank trains on different samples (so gradients really were averaged)."""
import glob
import json
import os.path as osp
import sys
import textwrap

import numpy as np
import torch
from conftest import REPO_ROOT, free_port, run_tool

GAN_CONFIG = osp.join(REPO_ROOT, 'configs', 'infoaccum',
                      'infoaccum_unet5-c16-ia15k2-subpix-lsgan_1xb2-1000it_demo-blur-noise-jpeg.py')

PROBE_PLUGIN = '''
"""After training, each rank writes a checksum of G's and D's weights."""
import json
import os

from mmengine.hooks import Hook

from irtoolbox.registry import HOOKS


@HOOKS.register_module()
class IAWeightProbeHook(Hook):
    def after_train(self, runner):
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        sums = {name: float(sum(p.detach().double().sum() for p in part.parameters()))
                for name, part in (('g', model.backbone), ('d', model.discriminator))}
        rank = os.environ.get('RANK', '0')
        with open(os.path.join(os.environ['PROBE_DIR'], f'rank{rank}.json'), 'w') as f:
            json.dump(sums, f)
'''


def _config(tmp_path):
    (tmp_path / 'ia_probe_plugin.py').write_text(PROBE_PLUGIN)
    cfg = tmp_path / 'ia_gan_probe.py'
    cfg.write_text(textwrap.dedent(f'''
        _base_ = [{GAN_CONFIG!r}]
        custom_imports = dict(imports=['ia_probe_plugin'], allow_failed_imports=False)
        custom_hooks = [dict(type='NonFiniteLossGuardHook'), dict(type='IAWeightProbeHook')]
        # a 3-layer InfoAccum keeps the test quick; the rest is the demo config
        model = dict(backbone=dict(plugins=[dict(
            cfg=dict(type='InfoAccum', num_layers=3, growth=2), position='input')]))
        '''))
    return str(cfg)


def _options(demo_root, work_dir, iters=2):
    return ['--work-dir', str(work_dir), '--cfg-options',
            f'train_dataloader.dataset.data_root={demo_root}',
            f'val_dataloader.dataset.data_root={demo_root}',
            f'test_dataloader.dataset.data_root={demo_root}',
            f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
            f'default_hooks.checkpoint.interval={iters}', 'default_hooks.logger.interval=1']


def _env(tmp_path):
    return {'PYTHONPATH': f'{tmp_path}:{REPO_ROOT}', 'PROBE_DIR': str(tmp_path)}


def _check_run(work_dir):
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    assert files, f'no scalars.json under {work_dir}'
    with open(files[-1]) as f:
        records = [json.loads(line) for line in f if line.strip()]
    train = [r for r in records if 'loss_g' in r]
    assert train and all(np.isfinite(r[k]) for r in train
                         for k in ('loss_d_real', 'loss_d_fake', 'loss_g_gan', 'loss_pixel'))
    assert any('PSNR' in r for r in records), 'validation wrote no PSNR'
    ckpt = torch.load(osp.join(work_dir, 'iter_2.pth'), map_location='cpu', weights_only=False)
    # one optimizer state per network
    assert set(ckpt['optimizer']) >= {'generator', 'discriminator'}


def test_gan_demo_train_one_process(demo_data, tmp_path):
    work_dir = tmp_path / 'work'
    run_tool([sys.executable, 'tools/train.py', _config(tmp_path),
              *_options(demo_data, work_dir)], env=_env(tmp_path))
    _check_run(work_dir)
    assert (tmp_path / 'rank0.json').is_file()


def test_gan_demo_train_torchrun_two_processes(demo_data, tmp_path):
    work_dir = tmp_path / 'work'
    run_tool([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
              '--master_port', str(free_port()), 'tools/train.py', _config(tmp_path),
              '--launcher', 'pytorch', *_options(demo_data, work_dir)],
             env=_env(tmp_path), timeout=400)
    _check_run(work_dir)
    ranks = [json.loads((tmp_path / f'rank{r}.json').read_text()) for r in (0, 1)]
    assert ranks[0]['g'] == ranks[1]['g'] and ranks[0]['d'] == ranks[1]['d']
