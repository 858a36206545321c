"""tools/analysis/plot_curves.py on handcrafted scalars.json files with known values.

(The file written by a real Runner run is plotted in test_vis_hooks.py.)
"""
import importlib.util
import json
import os.path as osp
import subprocess
import sys

import cv2
import pytest
from conftest import REPO_ROOT

SCRIPT = osp.join(REPO_ROOT, 'tools', 'analysis', 'plot_curves.py')
_spec = importlib.util.spec_from_file_location('irtoolbox_plot_curves', SCRIPT)
plot_curves = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plot_curves)


def _write_run(work_dir, stamp, lines):
    folder = work_dir / stamp / 'vis_data'
    folder.mkdir(parents=True)
    with open(folder / 'scalars.json', 'w') as f:
        f.writelines(json.dumps(line) + '\n' for line in lines)


def _train(step, loss):
    return {'lr': 1e-3, 'data_time': 0.01, 'loss': loss, 'loss_l1': loss, 'time': 0.1,
            'iter': step, 'memory': 10, 'step': step}


# Iteration-based run as mmengine logs it by default: metrics at step 0 (the epoch).
RUN_A = [_train(1, 0.5), _train(2, 0.25), {'PSNR': 20.0, 'SSIM': 0.5, 'time': 0.2, 'step': 0},
         _train(3, 0.125), _train(4, 0.0625), {'PSNR': 24.0, 'SSIM': 0.7, 'time': 0.2, 'step': 0}]
RUN_B = [_train(5, 0.05), {'PSNR': 25.0, 'SSIM': 0.75, 'step': 0}]


def test_series_place_metrics_at_the_preceding_iteration(tmp_path):
    _write_run(tmp_path, '20240101_000000', RUN_A)
    series = plot_curves.read_series(plot_curves.find_scalar_files(str(tmp_path)))
    assert series['PSNR'] == ([2, 4], [20.0, 24.0])
    assert series['loss_l1'] == ([1, 2, 3, 4], [0.5, 0.25, 0.125, 0.0625])
    assert plot_curves.default_keys(series) == ['loss', 'loss_l1', 'PSNR', 'SSIM']


def test_newest_run_or_all_runs(tmp_path):
    _write_run(tmp_path, '20240101_000000', RUN_A)
    _write_run(tmp_path, '20240102_000000', RUN_B)
    newest = plot_curves.read_series(plot_curves.find_scalar_files(str(tmp_path)))
    assert newest['PSNR'] == ([5], [25.0])
    joined = plot_curves.read_series(plot_curves.find_scalar_files(str(tmp_path), True))
    assert joined['PSNR'] == ([2, 4, 5], [20.0, 24.0, 25.0])


def test_plot_has_one_panel_per_group_and_draws_lines(tmp_path):
    _write_run(tmp_path, '20240101_000000', RUN_A)
    out = plot_curves.plot_curves(str(tmp_path), width=640, panel_height=200)
    assert out == str(tmp_path / 'curves.png')
    image = cv2.imread(out)
    assert image.shape == (3 * 200, 640, 3)  # panels: loss, PSNR, SSIM
    for k in range(3):  # every panel has coloured (line) pixels, not only white and gray
        panel = image[k * 200:(k + 1) * 200].astype(int)
        saturation = panel.max(axis=2) - panel.min(axis=2)
        assert (saturation > 100).sum() > 50, f'panel {k} has no coloured line'


def test_keys_option_selects_panels(tmp_path):
    _write_run(tmp_path, '20240101_000000', RUN_A)
    out = str(tmp_path / 'lr.png')
    plot_curves.main([str(tmp_path), '--keys', 'lr', 'PSNR', '--out', out,
                      '--panel-height', '150'])
    assert cv2.imread(out).shape == (2 * 150, 800, 3)
    with pytest.raises(KeyError, match="'psnr'.*available"):
        plot_curves.plot_curves(str(tmp_path), keys=['psnr'])


def test_empty_folder_fails_clearly_naming_it(tmp_path):
    proc = subprocess.run([sys.executable, SCRIPT, str(tmp_path)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert f'no scalars.json in {str(tmp_path)!r}' in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert not osp.exists(tmp_path / 'curves.png')



def test_prefixed_and_grouped_metrics_share_the_metric_panel():
    keys = ['loss', 'loss_l1', 'PSNR', 'degraded/PSNR', 'PSNR/degradation_level=3', 'SSIM']
    series = {key: ([1.0], [1.0]) for key in keys}
    groups = dict(plot_curves.group_keys(keys, series))
    assert groups == {'loss': ['loss', 'loss_l1'],
                      'PSNR': ['PSNR', 'degraded/PSNR', 'PSNR/degradation_level=3'],
                      'SSIM': ['SSIM']}
