"""End-to-end runs of tools/train.py and tools/test.py on real demo images,
one process and two torchrun processes (gloo on CPU)."""
import glob
import json
import os
import os.path as osp
import sys
import textwrap

import cv2
import numpy as np
import pytest
from conftest import DEMO_CONFIG, REPO_ROOT, free_port, run_tool
from skimage import data as skdata


def _short_run_options(demo_root, work_dir, iters=4):
    return ['--work-dir', str(work_dir), '--cfg-options',
            f'train_dataloader.dataset.data_root={demo_root}',
            f'val_dataloader.dataset.data_root={demo_root}',
            f'test_dataloader.dataset.data_root={demo_root}',
            f'train_cfg.max_iters={iters}', f'train_cfg.val_interval={iters}',
            'train_dataloader.batch_size=2',
            f'default_hooks.checkpoint.interval={iters}', 'default_hooks.logger.interval=1',
            'model.backbone.mid_channels=8', 'model.backbone.num_blocks=1']


def _scalars(work_dir):
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    assert files, f'no scalars.json under {work_dir}'
    with open(files[-1]) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_train_then_test_one_process(demo_data, tmp_path):
    work_dir = tmp_path / 'work'
    run_tool([sys.executable, 'tools/train.py', DEMO_CONFIG,
              *_short_run_options(demo_data, work_dir)])
    ckpt = work_dir / 'iter_4.pth'
    assert ckpt.is_file()
    val = [r for r in _scalars(work_dir) if 'PSNR' in r]
    assert val, 'validation wrote no PSNR'
    assert np.isfinite(val[-1]['PSNR']) and np.isfinite(val[-1]['degraded/PSNR'])

    out_dir = tmp_path / 'restored'
    run_tool([sys.executable, 'tools/test.py', DEMO_CONFIG, str(ckpt), '--out-dir', str(out_dir),
              *_short_run_options(demo_data, tmp_path / 'test_work')])
    val_images = sorted(glob.glob(str(demo_data / 'val' / 'gt' / '*.png')))
    written = sorted(glob.glob(str(out_dir / '*.png')))
    assert len(written) == len(val_images)
    gt = cv2.imread(val_images[0])
    restored = cv2.imread(written[0])
    assert restored.shape == gt.shape
    _assert_written_equals_direct_restoration(ckpt, demo_data, out_dir)


def _assert_written_equals_direct_restoration(ckpt, demo_root, out_dir):
    """What tools/test.py wrote equals the model applied directly (apis path) to
    the same fixed degraded input, within uint8 rounding."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from irtoolbox.apis import init_model, restore_image
    from irtoolbox.registry import DATASETS

    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict({'model.backbone.mid_channels': 8, 'model.backbone.num_blocks': 1})
    model = init_model(cfg, str(ckpt))
    with DefaultScope.overwrite_default_scope('irtoolbox'):
        dataset_cfg = dict(cfg.test_dataloader.dataset, data_root=str(demo_root))
        dataset = DATASETS.build(dataset_cfg)
    sample = dataset[0]
    degraded = sample['inputs'].numpy().transpose(1, 2, 0)
    expected_rgb = restore_image(model, degraded)
    stem = osp.splitext(osp.basename(sample['data_samples'].gt_path))[0]
    written_bgr = cv2.imread(str(out_dir / f'{stem}.png'))
    difference = np.abs(written_bgr[..., ::-1].astype(int) - expected_rgb.astype(int))
    assert difference.max() <= 1, difference.max()


TRACE_PLUGIN = '''
"""Test plugin: records which rank saves checkpoints and which val samples
the metric sees, while the real save and the real metric still run."""
import json
import os
import os

import torch
from mmengine.evaluator import BaseMetric

from irtoolbox.registry import METRICS

_real_save = torch.save


def _traced_save(obj, f, *args, **kwargs):
    if isinstance(obj, dict) and 'state_dict' in obj:
        with open(os.path.join(os.environ['TRACE_DIR'], 'saves.txt'), 'a') as log:
            log.write(os.environ.get('RANK', '0') + '\\n')
    return _real_save(obj, f, *args, **kwargs)


torch.save = _traced_save


@METRICS.register_module()
class SampleIndexRecorder(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results.extend(s['sample_idx'] for s in data_samples)

    def compute_metrics(self, results):
        with open(os.path.join(os.environ['TRACE_DIR'], 'val_indices.json'), 'w') as f:
            json.dump(results, f)
        return dict(num_samples=len(results))
'''


def _write_val_folder(root, count):
    photos = [skdata.astronaut(), skdata.chelsea(), skdata.coffee(), skdata.rocket(),
              skdata.immunohistochemistry()]
    folder = root / 'val' / 'gt'
    folder.mkdir(parents=True)
    for i in range(count):
        crop = photos[i % len(photos)][:48, :48, ::-1]
        cv2.imwrite(str(folder / f'val_{i:02d}.png'), np.ascontiguousarray(crop))
    return folder


def test_torchrun_two_processes_count_each_val_image_once(demo_data, tmp_path):
    plugin_dir = tmp_path / 'plugin'
    plugin_dir.mkdir()
    (plugin_dir / 'trace_plugin.py').write_text(TRACE_PLUGIN)
    trace_dir = tmp_path / 'trace'
    trace_dir.mkdir()
    val_root = tmp_path / 'valdata'
    _write_val_folder(val_root, count=5)  # odd: the sampler pads one rank
    config = tmp_path / 'traced_demo.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = ['{DEMO_CONFIG}']
        custom_imports = dict(imports=['trace_plugin'], allow_failed_imports=False)
        val_evaluator = [dict(type='SampleIndexRecorder'), dict(type='PSNR')]
        test_evaluator = val_evaluator
    '''))
    work_dir = tmp_path / 'work'
    options = _short_run_options(demo_data, work_dir, iters=2)
    options += [f'val_dataloader.dataset.data_root={val_root}']
    # The launch script users run (torchrun underneath), with the interpreter running the tests.
    env = dict(PYTHONPATH=str(plugin_dir), TRACE_DIR=str(trace_dir), PORT=str(free_port()),
               PATH=f'{osp.dirname(sys.executable)}:{os.environ["PATH"]}')
    proc = run_tool(['bash', 'tools/dist_train.sh', str(config), '2', *options], env=env)
    with open(trace_dir / 'val_indices.json') as f:
        indices = json.load(f)
    assert sorted(indices) == list(range(5)), indices
    saves = (trace_dir / 'saves.txt').read_text().split()
    assert saves and set(saves) == {'0'}, saves
    assert (work_dir / 'iter_2.pth').is_file()
    # the runtime environment is in the log file (the console names it; --verbose prints it)
    log = ''.join(open(path).read() for path in work_dir.glob('*/*.log'))
    assert 'gloo' in log or 'world_size: 2' in log, proc.stdout[-2000:]

    # dist_test.sh: every test image restored and counted once across the two ranks.
    (trace_dir / 'val_indices.json').unlink()
    out_dir = tmp_path / 'restored'
    env['PORT'] = str(free_port())
    run_tool(['bash', 'tools/dist_test.sh', str(config), str(work_dir / 'iter_2.pth'), '2',
              '--work-dir', str(tmp_path / 'test_work'), '--out-dir', str(out_dir),
              '--cfg-options', f'test_dataloader.dataset.data_root={val_root}',
              'model.backbone.mid_channels=8', 'model.backbone.num_blocks=1'], env=env)
    with open(trace_dir / 'val_indices.json') as f:
        assert sorted(json.load(f)) == list(range(5))
    assert len(list(out_dir.glob('*.png'))) == 5


THIRD_PARTY_PACKAGE = '''
"""A user's own package: registers a backbone and a loss with irtoolbox."""
import torch
import torch.nn as nn

from irtoolbox.registry import MODELS


@MODELS.register_module()
class ThirdPartyNet(nn.Module):
    def __init__(self, channels=3, width=4):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(width, channels, 3, padding=1))

    def forward(self, x):
        return x + self.body(x)


@MODELS.register_module()
class ThirdPartyL2Loss(nn.Module):
    def __init__(self, loss_weight=1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred, target):
        return self.loss_weight * torch.mean((pred - target) ** 2)
'''


def test_third_party_package_with_custom_imports(demo_data, tmp_path):
    package = tmp_path / 'outside' / 'my_restoration_parts'
    package.mkdir(parents=True)
    (package / '__init__.py').write_text(THIRD_PARTY_PACKAGE)
    config = tmp_path / 'my_config.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = ['{DEMO_CONFIG}']
        custom_imports = dict(imports=['my_restoration_parts'], allow_failed_imports=False)
        model = dict(backbone=dict(_delete_=True, type='ThirdPartyNet', width=4),
                     losses=dict(_delete_=True, l2=dict(type='ThirdPartyL2Loss')))
    '''))
    work_dir = tmp_path / 'work'
    options = [o for o in _short_run_options(demo_data, work_dir, iters=2)
               if not o.startswith('model.backbone')]
    run_tool([sys.executable, 'tools/train.py', str(config), *options],
             env=dict(PYTHONPATH=f'{tmp_path / "outside"}:{REPO_ROOT}'))
    train_logs = [r for r in _scalars(work_dir) if 'loss_l2' in r]
    assert train_logs, 'the third-party loss was not logged under its name'
    assert (work_dir / 'iter_2.pth').is_file()


@pytest.mark.parametrize('override, expected', [
    ('model.backbone.type=ResidualCN', "Unknown model type 'ResidualCN'"),
    ('model.backbone.foo=3', 'foo'),
    ('model.losses.l1.type=L1Los', 'Did you mean: L1Loss'),
])
def test_config_errors_are_one_clear_line(demo_data, tmp_path, override, expected):
    options = _short_run_options(demo_data, tmp_path / 'work')
    proc = run_tool([sys.executable, 'tools/train.py', DEMO_CONFIG, *options, override],
                    check=False)
    assert proc.returncode == 1
    assert expected in proc.stderr
    assert 'Traceback' not in proc.stderr
    if override.startswith('model.backbone.foo'):
        assert 'ResidualCNN' in proc.stderr


def test_missing_config_and_undecodable_image(demo_data, tmp_path):
    proc = run_tool([sys.executable, 'tools/train.py', str(tmp_path / 'nope.py')], check=False)
    assert proc.returncode == 1 and 'nope.py' in proc.stderr and 'Traceback' not in proc.stderr

    val_root = tmp_path / 'valdata'
    folder = _write_val_folder(val_root, count=2)
    (folder / 'broken.png').write_bytes(b'this is not a png')
    options = _short_run_options(demo_data, tmp_path / 'work', iters=1)
    options += [f'val_dataloader.dataset.data_root={val_root}']
    proc = run_tool([sys.executable, 'tools/train.py', DEMO_CONFIG, *options], check=False)
    assert proc.returncode == 1
    assert 'broken.png' in proc.stderr
    assert 'Traceback' not in proc.stderr
