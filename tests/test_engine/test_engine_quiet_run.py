"""The README demo config trains and tests with a short, readable console (issue 21).

``tools/train.py`` runs the demo config for 2 iterations (validation and a
checkpoint at iteration 2) on the demo photographs, once for the module. Its
console output:

* has no warning line (mmengine's ``- WARNING -`` log lines, Python's
  ``...Warning:`` lines) unless it matches ALLOWED below, where each entry says
  why it is not caused by irtoolbox's configuration;
* has fewer than 40 lines before the first training iteration (it had ~400: the
  environment, the config and the hook order), while the log file keeps them;
  ``--verbose`` puts them back on the console;
* starts with the error when the config names a type that does not exist.

``tools/test.py`` on the checkpoint with a metric grouped by image prints the
groups as a table, one row per group, with the values the run's json log holds.
"""
import glob
import json
import os.path as osp
import re
import sys

import pytest
from conftest import DEMO_CONFIG, run_tool

# Warnings that come from the machine, not from the config. None are needed on
# the CPU test machines today; a GPU-less or multi-GPU environment could add
# some here, each with the reason.
ALLOWED: tuple = ()

WARNING_LINE = re.compile(r' - WARNING - |\b\w*Warning: ')
FIRST_ITER = 'Iter(train) [1/2]'
#: the most console lines before the first training iteration (issue 21 asks < 40)
MAX_STARTUP_LINES = 39


def _data_options(demo_data):
    return [f'train_dataloader.dataset.data_root={demo_data}',
            f'val_dataloader.dataset.data_root={demo_data}',
            f'test_dataloader.dataset.data_root={demo_data}']


@pytest.fixture(scope='module')
def demo_run(demo_data, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('quiet') / 'work'
    proc = run_tool([sys.executable, 'tools/train.py', DEMO_CONFIG, '--work-dir', str(work_dir),
                     '--cfg-options', *_data_options(demo_data),
                     'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
                     'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1'])
    return work_dir, proc


def test_demo_config_runs_without_warnings(demo_run):
    work_dir, proc = demo_run
    assert (work_dir / 'iter_2.pth').is_file()  # the run saved (the warnings came from there)
    output = proc.stdout + proc.stderr
    assert 'Iter(val)' in output  # and validated
    warnings = [line for line in output.splitlines()
                if WARNING_LINE.search(line) and not any(a in line for a in ALLOWED)]
    assert warnings == [], '\n'.join(warnings)


def test_few_console_lines_before_the_first_iteration(demo_run):
    work_dir, proc = demo_run
    # stderr first: it holds anything printed before the logger starts
    lines = (proc.stderr + proc.stdout).splitlines()
    first = [i for i, line in enumerate(lines) if FIRST_ITER in line]
    assert first, proc.stdout[-3000:]
    assert first[0] <= MAX_STARTUP_LINES, '\n'.join(lines[:first[0]])
    console = proc.stdout + proc.stderr
    for report in ('System environment:', 'Config:', 'Hooks will be executed'):
        assert report not in console
    (log_file,) = glob.glob(str(work_dir / '*' / '*.log'))
    assert osp.basename(log_file) in console  # the console names the file that has them
    with open(log_file) as f:
        log = f.read()
    for report in ('System environment:', 'Config:', 'Hooks will be executed', 'SyncBatchNorm',
                   "type='ResidualCNN'", FIRST_ITER):
        assert report in log, report


def test_verbose_prints_the_report_on_the_console(demo_run, demo_data, tmp_path):
    work_dir, _ = demo_run
    proc = run_tool([sys.executable, 'tools/test.py', DEMO_CONFIG, str(work_dir / 'iter_2.pth'),
                     '--work-dir', str(tmp_path / 'test'), '--verbose',
                     '--cfg-options', *_data_options(demo_data)])
    for report in ('System environment:', 'Config:', 'Hooks will be executed'):
        assert report in proc.stdout, report


def test_a_config_error_is_the_first_line(demo_data, tmp_path):
    proc = run_tool([sys.executable, 'tools/train.py', DEMO_CONFIG,
                     '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                     *_data_options(demo_data),
                     'train_dataloader.dataset.type=SyntheticPairDatset'], check=False)
    assert proc.returncode == 1
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert lines[0].startswith('train.py: error:') and 'SyntheticPairDatset' in lines[0], \
        '\n'.join(lines[:10])


def test_grouped_metrics_print_as_a_table(demo_run, demo_data, tmp_path):
    work_dir, _ = demo_run
    out = tmp_path / 'test'
    proc = run_tool([sys.executable, 'tools/test.py', DEMO_CONFIG, str(work_dir / 'iter_2.pth'),
                     '--work-dir', str(out), '--cfg-options', *_data_options(demo_data),
                     'test_evaluator.0.group_by=sample_idx',
                     'test_evaluator.2.group_by=sample_idx'])
    (json_file,) = glob.glob(str(out / '*' / '*.json'))
    with open(json_file) as f:
        metrics = json.loads(f.read().splitlines()[-1])
    # the json log keeps every key, as the evaluator returned them
    assert {f'PSNR/sample_idx={i}' for i in range(4)} <= set(metrics)
    lines = proc.stdout.splitlines()
    (head,) = [i for i, line in enumerate(lines) if 'Iter(test) [4/4]' in line]
    assert 'sample_idx' not in lines[head]  # the one-line summary has the overall means
    assert re.search(rf'PSNR: {metrics["PSNR"]:.4f}\b', lines[head])
    assert lines[head + 1].split() == ['group', 'PSNR', 'degraded/PSNR']
    for i in range(4):  # one row per image, the json's values to 4 decimals
        assert lines[head + 2 + i].split() == [
            f'sample_idx={i}', f'{metrics[f"PSNR/sample_idx={i}"]:.4f}',
            f'{metrics[f"degraded/PSNR/sample_idx={i}"]:.4f}']


def test_metrics_table_layout_by_hand():
    from irtoolbox.engine.runner.metrics_table import split_group, with_metrics_table
    tag = {'PSNR': 30.0, 'PSNR/task=rain': 31.25, 'PSNR/task=a/b': 29.5,
           'degraded/PSNR/task=rain': 20.0, 'time': 0.5}
    assert split_group('degraded/PSNR/task=a/b') == ('degraded/PSNR', 'task=a/b')
    assert split_group('degraded/PSNR') == ('degraded/PSNR', None)
    text = with_metrics_table(tag, 'Iter(val) [2/2]    (mmengine line)', num_digits=2)
    assert text.splitlines() == [
        'Iter(val) [2/2]    PSNR: 30.00  time: 0.50',
        # group column 9 wide (task=rain), PSNR 5 (31.25), degraded/PSNR 13; 2 between
        '    group' + ' ' * 7 + 'PSNR  degraded/PSNR',
        '    task=rain  31.25' + ' ' * 10 + '20.00',
        '    task=a/b   29.50' + ' ' * 14 + '-']
    plain = {'PSNR': 30.0, 'time': 0.5}
    assert with_metrics_table(plain, 'unchanged line') == 'unchanged line'
