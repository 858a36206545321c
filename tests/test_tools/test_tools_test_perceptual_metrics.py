"""tools/test.py (a subprocess, as users run it) with the perceptual and
no-reference metrics in a config's ``test_evaluator``: LPIPS (full reference),
NIQE, CNNIQA and RankIQA (no reference), beside PSNR, with local weight files.

Oracle: each metric computed here, image by image, on the PNGs that the same
run wrote with ``--out-dir`` and on the ground-truth PNGs read from disk (RGB
from OpenCV's BGR), then averaged. The run's figures must equal those means:
the evaluator reaching the metrics with the predictions it saved, in the
channel order and range each metric expects. The metrics themselves are
checked against the reference packages in tests/test_evaluation/. Weights are
seeded (no download): LPIPS's AlexNet and heads, CNNIQA's network, a narrow
RankIQA VGG16 (the metric reads the widths from the file), and a unit NIQE
model (zero mean, identity covariance).
"""
import glob
import json
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from conftest import DEMO_CONFIG, REPO_ROOT, run_tool

sys.path.insert(0, osp.join(REPO_ROOT, 'tests', 'test_evaluation'))
from seeded_weights import (  # noqa: E402
    ALEX_FEATURE_SHAPES,
    ALEX_WIDTHS,
    seeded_lpips_heads,
    seeded_state_dict,
)

from irtoolbox.evaluation.metrics import CNNIQA, LPIPS, NIQE, RankIQA  # noqa: E402
from irtoolbox.evaluation.metrics.cnniqa import CNNIQANet  # noqa: E402
from irtoolbox.evaluation.metrics.rankiqa import RankIQANet  # noqa: E402


@pytest.fixture(scope='module')
def demo192(tmp_path_factory):
    """The demo photographs at 192 px (NIQE needs two 96 x 96 blocks or more)."""
    out = tmp_path_factory.mktemp('demo192') / 'demo'
    run_tool([sys.executable, 'tools/data/prepare_demo.py', '--out', str(out), '--size', '192'])
    return out


@pytest.fixture(scope='module')
def metric_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp('metric_weights')
    files = dict(alex=folder / 'alexnet.pth', heads=folder / 'alex_heads.pth',
                 cnniqa=folder / 'cnniqa.pth', niqe=folder / 'niqe_unit.npz',
                 rankiqa=folder / 'rankiqa.pth')
    torch.save(seeded_state_dict(ALEX_FEATURE_SHAPES, seed=0), files['alex'])
    torch.save(seeded_lpips_heads(ALEX_WIDTHS, seed=0), files['heads'])
    shapes = {k: tuple(v.shape) for k, v in CNNIQANet().state_dict().items()}
    torch.save({'params': seeded_state_dict(shapes, seed=1)}, files['cnniqa'])
    shapes = {k: tuple(v.shape) for k, v in RankIQANet((4, 8, 8, 8, 8), 16).state_dict().items()}
    torch.save(seeded_state_dict(shapes, seed=2), files['rankiqa'])
    np.savez(files['niqe'], mu_pris_param=np.zeros((1, 36)), cov_pris_param=np.eye(36))
    return {k: str(v) for k, v in files.items()}


def _config(tmp_path, demo_root, files):
    path = tmp_path / 'perceptual.py'
    path.write_text(f"""_base_ = [{DEMO_CONFIG!r}]
model = dict(backbone=dict(mid_channels=8, num_blocks=1))
test_dataloader = dict(dataset=dict(data_root={str(demo_root)!r}), num_workers=0)
test_evaluator = [
    dict(type='PSNR'),
    dict(type='LPIPS', backbone_path={files['alex']!r}, head_path={files['heads']!r}),
    dict(type='NIQE', params_path={files['niqe']!r}),
    dict(type='CNNIQA', weights_path={files['cnniqa']!r}),
    dict(type='RankIQA', weights_path={files['rankiqa']!r}, num_crops=3, resize=256),
]
""")
    return str(path)


def _checkpoint(config, tmp_path):
    from irtoolbox.apis.inference import init_model
    from irtoolbox.utils.setup_env import init_weights_quietly
    torch.manual_seed(0)
    model = init_model(config)
    init_weights_quietly(model)
    path = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return path


def _rgb(path):
    return np.ascontiguousarray(cv2.imread(path)[..., ::-1])


def test_tools_test_reports_the_metrics_of_what_it_saved(demo192, tmp_path, metric_files):
    config = _config(tmp_path, demo192, metric_files)
    ckpt = _checkpoint(config, tmp_path)
    out_dir, work_dir = tmp_path / 'restored', tmp_path / 'work'
    run_tool([sys.executable, 'tools/test.py', config, ckpt, '--out-dir', str(out_dir),
              '--work-dir', str(work_dir)])
    reports = glob.glob(str(work_dir / '*' / '*.json'))
    assert len(reports) == 1, reports
    with open(reports[0]) as f:
        reported = json.load(f)

    gts = sorted(glob.glob(str(demo192 / 'val' / 'gt' / '*.png')))
    preds = [str(out_dir / osp.basename(p)) for p in gts]
    assert len(gts) == 4 and all(osp.isfile(p) for p in preds), sorted(out_dir.iterdir())
    lpips = LPIPS(backbone_path=metric_files['alex'], head_path=metric_files['heads'])
    niqe = NIQE(params_path=metric_files['niqe'])
    cnniqa = CNNIQA(weights_path=metric_files['cnniqa'])
    rankiqa = RankIQA(weights_path=metric_files['rankiqa'], num_crops=3, resize=256)
    expected = {
        'LPIPS': np.mean([lpips.compute_image(_rgb(p), _rgb(g), 'rgb')
                          for p, g in zip(preds, gts)]),
        'NIQE': np.mean([niqe.compute_image(_rgb(p), None, 'rgb') for p in preds]),
        'CNNIQA': np.mean([cnniqa.compute_image(_rgb(p), None, 'rgb') for p in preds]),
        'RankIQA': np.mean([rankiqa.compute_image(_rgb(p), None, 'rgb') for p in preds]),
    }
    for name, value in expected.items():
        assert reported[name] == pytest.approx(value, rel=1e-6, abs=1e-9), (name, reported)
    # the seeded networks discriminate: the restorations and the targets differ
    assert reported['LPIPS'] > 1e-3
    assert niqe.compute_image(_rgb(gts[0]), None, 'rgb') != pytest.approx(
        niqe.compute_image(_rgb(preds[0]), None, 'rgb'))
