"""tools/analysis/fdm_correlation.py: its statistics against numpy, its PNGs from a checkpoint."""
import json
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, run_tool

sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis'))
from fdm_correlation import correlation_matrix, mean_abs_off_diagonal  # noqa: E402

CONFIG = osp.join(REPO_ROOT, 'configs', 'fdrnet', 'fdrnet_c16p2_1xb8-300it_demo-hybrid.py')
TINY = ['model.backbone.mid_channels=4', 'model.backbone.num_phases=2',
        'model.backbone.ca_reduction=2']


def test_correlation_equals_numpy_corrcoef():
    rng = np.random.default_rng(0)
    feats = rng.standard_normal((5, 200)) + rng.standard_normal((1, 200))  # shared part
    assert np.allclose(correlation_matrix(feats), np.corrcoef(feats), atol=1e-12)
    # hand example: [[1, .5], [-.5, 1]] -> mean |off-diagonal| 0.5
    assert mean_abs_off_diagonal(np.array([[1.0, 0.5], [-0.5, 1.0]])) == pytest.approx(0.5)
    constant = np.vstack([feats[:2], np.zeros((1, 200))])
    assert np.isfinite(correlation_matrix(constant)).all()


def test_tool_writes_its_pngs_from_a_checkpoint(tmp_path, demo_data):
    from irtoolbox.apis import init_model
    model = init_model(CONFIG, None, cfg_options={k: int(v) for k, v in
                                                  (kv.split('=') for kv in TINY)})
    ckpt = str(tmp_path / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=0)), ckpt)
    out = tmp_path / 'figs'
    proc = run_tool([sys.executable, 'tools/analysis/fdm_correlation.py', CONFIG, ckpt,
                     '--images', str(demo_data / 'val' / 'gt'), '--out-dir', str(out),
                     '--max-images', '2', '--crop', '32', '--block', '1', '--relative',
                     '--cfg-options', *TINY])
    assert 'fdm_correlation' in proc.stderr  # the progress bar
    for name in ('correlation_before_fdm.png', 'correlation_after_fdm.png',
                 'channel_response.png'):
        image = cv2.imread(str(out / name))
        assert image is not None and image.shape[0] > 100 and image.std() > 0, name
    summary = json.loads((out / 'fdm_correlation.json').read_text())
    assert summary['block'] == 1 and summary['images'] == 2 and summary['relative_to_clean']
    for key in ('before', 'after'):
        assert 0 <= summary[f'mean_abs_offdiag_{key}'] <= 1
    responses = {k: np.array(v) for k, v in summary['channel_response'].items()}
    assert set(responses) == {'blur', 'noise', 'jpeg'}
    assert all(r.shape == (10, 4) and np.isfinite(r).all() for r in responses.values())
    # relative to the clean image: noise of sigma ~47/255 moves the features far more than
    # a blur of sigma <= 0.5 px
    assert np.abs(responses['noise'][9]).sum() > np.abs(responses['blur'][0]).sum()
    bad = run_tool([sys.executable, 'tools/analysis/fdm_correlation.py', CONFIG, ckpt,
                    '--images', str(demo_data / 'val' / 'gt'), '--block', '5',
                    '--cfg-options', *TINY], check=False)
    assert bad.returncode != 0 and '--block 5 out of range' in bad.stderr
