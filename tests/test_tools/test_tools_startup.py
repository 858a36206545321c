"""The tools parse their arguments before loading torch and the models (issue 21 item 9:
every tool spent 3-10 s starting, even for ``--help`` or a bad flag).

``python -X importtime TOOL --help`` lists every module the interpreter imported;
torch, OpenCV and irtoolbox's models must not be among them (they were: the
tools imported them at module level, ``irtoolbox.utils`` imported its checkpoint
module and with it torch). What is still imported is mmengine's config module,
for ``--cfg-options``.
"""
import sys

import pytest
from conftest import run_tool

HEAVY = ('torch', 'cv2', 'irtoolbox.models', 'irtoolbox.datasets', 'mmengine.runner')


def _imported(tool: str) -> set:
    proc = run_tool([sys.executable, '-X', 'importtime', tool, '--help'], timeout=120)
    assert 'usage:' in proc.stdout
    names = set()
    for line in proc.stderr.splitlines():  # 'import time: self | cumulative | name'
        if line.startswith('import time:') and line.count('|') == 2:
            names.add(line.rsplit('|', 1)[1].strip())
    return names


@pytest.mark.parametrize('tool', ['tools/train.py', 'tools/test.py', 'tools/infer.py'])
def test_help_loads_no_heavy_module(tool):
    names = _imported(tool)
    assert 'mmengine.config' in names  # the listing worked
    assert not [n for n in names if n in HEAVY], sorted(n for n in names if n in HEAVY)
