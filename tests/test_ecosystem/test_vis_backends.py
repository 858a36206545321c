"""Asking for TensorBoard without the package: tools/train.py stops before building
anything, with one line naming what to install (mmengine alone would fail at the
first logged scalar, with a traceback)."""
import importlib.util
import sys

import pytest
from conftest import DEMO_CONFIG, run_tool


@pytest.mark.skipif(importlib.util.find_spec('tensorboard') is not None,
                    reason='tensorboard is installed: the missing-package message cannot show')
def test_tensorboard_backend_without_tensorboard_is_one_line(tmp_path):
    config = tmp_path / 'tb.py'
    config.write_text(f'_base_ = [{DEMO_CONFIG!r}]\n'
                      "vis_backends = [dict(type='TensorboardVisBackend')]\n"
                      'visualizer = dict(vis_backends=vis_backends)\n')
    proc = run_tool([sys.executable, 'tools/train.py', str(config), '--work-dir',
                     str(tmp_path / 'work')], check=False)
    assert proc.returncode == 1, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if 'error' in line.lower()]
    assert len(errors) == 1 and 'Traceback' not in proc.stderr, proc.stderr[-2000:]
    assert 'TensorboardVisBackend' in errors[0] and 'pip install -e .[tensorboard]' in errors[0]
    assert not (tmp_path / 'work').exists()  # nothing built, no half-made work dir
