"""One wording for a config path that names no file, in every tool and in init_model
(issue 21: it was ``error: Config not found:`` in the API and
``train.py: error: FileNotFoundError: config file not found:`` in the tools), with one
prefix, argparse's ``TOOL.py: error:`` (infer.py printed a bare ``error:``)."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
from conftest import run_tool

from irtoolbox.apis import init_model


def _expected(tool: str, path: str) -> str:
    # written out by hand: the line each tool must print
    return f"{tool}error: config file not found: '{path}'"


def test_every_tool_prints_the_same_line(tmp_path):
    missing = str(tmp_path / 'no_such_config.py')
    image = str(tmp_path / 'in.png')  # a real image: only the config is missing
    cv2.imwrite(image, np.full((8, 8, 3), 128, np.uint8))
    commands = {
        'train.py: ': ['tools/train.py', missing],
        'test.py: ': ['tools/test.py', missing, str(tmp_path / 'ckpt.pth')],
        'infer.py: ': ['tools/infer.py', missing, str(tmp_path / 'ckpt.pth'), image,
             str(tmp_path / 'out.png')],
    }
    for prefix, args in commands.items():
        proc = run_tool([sys.executable, *args], check=False, timeout=120)
        assert proc.returncode == 1, args[0]
        lines = [line for line in proc.stderr.splitlines() if 'error:' in line]
        assert lines == [_expected(prefix, missing)], (args[0], proc.stderr[-2000:])
        assert 'Traceback' not in proc.stderr
    assert not osp.exists(tmp_path / 'out.png')


def test_init_model_raises_the_same_message(tmp_path):
    missing = str(tmp_path / 'no_such_config.py')
    with pytest.raises(FileNotFoundError) as info:
        init_model(missing)
    assert str(info.value) == f"config file not found: '{missing}'"
