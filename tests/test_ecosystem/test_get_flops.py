"""tools/analysis/get_flops.py: parameters and multiply-adds of a config's model.

Oracles: a hand count of the demo ResidualCNN's convolutions (MACs =
C_out * C_in * k^2 * H * W per conv, biases are parameters but no MACs);
Restormer's published size, 26.13 M parameters, and its published 140.99 G
"FLOPs" at 256 x 256, which its authors counted without the attention
products Q K^T and A V (2 * C^2 * HW / heads MACs per transformer block,
summed here by hand over the blocks of each level).
"""
import importlib.util
import os.path as osp
import sys

import pytest
from conftest import DEMO_CONFIG, REPO_ROOT, run_tool

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis', 'get_flops.py')
IDR_RESTORMER = osp.join(REPO_ROOT, 'configs', 'idr', 'restormer_d32_1xb8-300k_five-task.py')
PUBLISHED_RESTORMER = {'model.backbone.dim': 48, 'model.backbone.num_blocks': (4, 6, 6, 8),
                       'model.backbone.num_refinement_blocks': 4}


def _tool():
    spec = importlib.util.spec_from_file_location('get_flops', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_residual_cnn_counts_match_a_hand_count():
    mid, blocks, height, width = 4, 1, 16, 24
    proc = run_tool([sys.executable, TOOL, DEMO_CONFIG, '--shape', '3', str(height), str(width),
                     '--cfg-options', f'model.backbone.mid_channels={mid}',
                     f'model.backbone.num_blocks={blocks}'])
    convs = [(3, mid)] + [(mid, mid)] * (2 * blocks) + [(mid, 3)]  # head, blocks, tail
    macs = sum(c_in * c_out * 9 * height * width for c_in, c_out in convs)
    params = sum(c_in * c_out * 9 + c_out for c_in, c_out in convs)
    assert f'({macs:,})' in proc.stdout, proc.stdout
    assert f'Parameters: {params} ({params:,})' in proc.stdout, proc.stdout
    # the per-module table: one block conv is mid * mid * 9 * H * W = 55.296 K MACs
    row = next(line for line in proc.stdout.splitlines() if 'body.0.conv1' in line)
    assert row.split('|')[3].strip() == f'{mid * mid * 9 * height * width / 1e3:.3f}K', row


def _attention_macs(side: int) -> int:
    """Q K^T and A V of every Restormer block, levels 1-4 (dim 48, heads 1, 2, 4, 8)."""
    hw = side * side
    levels = [  # (channels, pixels, heads, blocks): encoder + decoder (+ refinement at level 1)
        (48, hw, 1, 4), (96, hw, 1, 4 + 4),  # level-1 decoder and refinement run at 2C
        (96, hw // 4, 2, 6 + 6), (192, hw // 16, 4, 6 + 6), (384, hw // 64, 8, 8)]
    return sum(2 * c * c * pixels // heads * n for c, pixels, heads, n in levels)


def test_published_restormer_size_and_macs():
    side = 32  # every count is linear in H * W: the 256 x 256 figure is 64 times this one
    _, shape, params, macs = _tool().count(IDR_RESTORMER, (3, side, side), PUBLISHED_RESTORMER)
    assert shape == (3, side, side)
    assert params == 26_126_644  # 26.13 M of the paper (configs/idr/README.md)
    published_256 = (macs - _attention_macs(side)) * (256 // side) ** 2
    assert abs(published_256 - 140.99e9) / 140.99e9 < 1e-3, published_256


def test_shape_not_a_multiple_of_the_size_divisor_is_refused():
    with pytest.raises(ValueError, match='multiples of 8'):
        _tool().check_shape((3, 30, 32), 8)
