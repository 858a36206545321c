"""tools/infer.py (the dual-pixel run as a subprocess, as users run it) with tiny
Restormers converted in-process from the oracle files: a 37 x 53 RGB image, and a
dual-pixel pair from two 16-bit PNGs."""
import importlib.util
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from irtoolbox.utils.model_conversion import build_model_from_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REF = osp.join(REPO, '..', 'shared', 'reference', 'restormer')
pytestmark = pytest.mark.skipif(not osp.isdir(REF), reason='needs ../shared/reference')
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from test_restormer_official import load_tool, restormer_config  # noqa: E402


def convert(tmp_path, name):
    oracle = torch.load(osp.join(REF, f'{name}.pth'), weights_only=True)
    torch.save(oracle['checkpoint'], tmp_path / 'official.pth')
    config = restormer_config(tmp_path, name, oracle['arguments'])
    ckpt = str(tmp_path / 'converted.pth')
    assert load_tool().main([str(tmp_path / 'official.pth'), ckpt, '--config', config]) == 0
    return config, ckpt


def expected(config, ckpt, rgb):
    """Independent of infer's padding: reflect-pad by hand to multiples of 8, run the
    backbone, crop back, clip to [0, 1], round to 16 bits."""
    model = build_model_from_config(config)
    model.load_state_dict(torch.load(ckpt, weights_only=True)['state_dict'])
    x = torch.from_numpy(rgb.astype(np.float32) / 65535).permute(2, 0, 1)[None]
    h, w = x.shape[-2:]
    x = F.pad(x, (0, (-w) % 8, 0, (-h) % 8), mode='reflect')
    with torch.no_grad():
        y = model.backbone.eval()(x)[..., :h, :w].clamp(0, 1)
    return (y[0].permute(1, 2, 0).numpy() * 65535).round().astype(np.int64)


def infer(config, ckpt, args, subprocess_run=True):
    """tools/infer.py as a subprocess, or (to keep the suite short) its main() in-process."""
    argv = [config, ckpt, *args, '--device', 'cpu']
    if not subprocess_run:
        spec = importlib.util.spec_from_file_location('infer_tool', osp.join(REPO, 'tools',
                                                                             'infer.py'))
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
        assert tool.main(argv) == 0
        return
    result = subprocess.run([sys.executable, 'tools/infer.py', *argv], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_rgb_37x53(tmp_path):
    config, ckpt = convert(tmp_path, 'tiny_withbias_rgb')
    rgb = np.random.default_rng(0).integers(0, 65536, (37, 53, 3), dtype=np.uint16)
    cv2.imwrite(str(tmp_path / 'in.png'), rgb[..., ::-1])
    infer(config, ckpt, [str(tmp_path / 'in.png'), str(tmp_path / 'out.png')],
          subprocess_run=False)
    out = cv2.imread(str(tmp_path / 'out.png'), cv2.IMREAD_UNCHANGED)
    assert out.dtype == np.uint16 and out.shape == (37, 53, 3)
    diff = np.abs(out[..., ::-1].astype(np.int64) - expected(config, ckpt, rgb))
    assert diff.max() <= 1, diff.max()


def test_dual_pixel_pair(tmp_path):
    config, ckpt = convert(tmp_path, 'tiny_dualpixel')
    rng = np.random.default_rng(1)
    left, right = (rng.integers(0, 65536, (37, 53, 3), dtype=np.uint16) for _ in range(2))
    cv2.imwrite(str(tmp_path / 'L.png'), left[..., ::-1])
    cv2.imwrite(str(tmp_path / 'R.png'), right[..., ::-1])
    infer(config, ckpt, [str(tmp_path / 'L.png'), str(tmp_path / 'out.png'),
                         '--right', str(tmp_path / 'R.png')])
    out = cv2.imread(str(tmp_path / 'out.png'), cv2.IMREAD_UNCHANGED)
    assert out.dtype == np.uint16 and out.shape == (37, 53, 3)
    diff = np.abs(out[..., ::-1].astype(np.int64) -
                  expected(config, ckpt, np.concatenate([left, right], axis=2)))
    assert diff.max() <= 1, diff.max()
