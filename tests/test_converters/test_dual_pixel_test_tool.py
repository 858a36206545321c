"""tools/test.py (a subprocess, as users run it) scores a DPDD-layout folder of 16-bit
PNGs with the dual-pixel Restormer config, its network shrunk to the tiny oracle's
size by --cfg-options and its weights converted from the oracle's official-format
checkpoint. The reported PSNR must equal the one computed here by hand: the two
views read with cv2.IMREAD_UNCHANGED / 65535 and stacked, reflect-padded to a
multiple of 8, the backbone run, cropped back and clipped, then PSNR on the
unrounded float images (10 log10(1 / MSE), the released DPDD scripts' scoring,
the config's ``protocol='float'``), averaged over the images."""
import os.path as osp
import re
import sys

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import run_tool

from irtoolbox.utils.model_conversion import build_model_from_config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from test_infer_converted import REF, REPO, convert  # noqa: E402

pytestmark = pytest.mark.skipif(not osp.isdir(REF), reason='needs ../shared/reference')
CONFIG = osp.join(REPO, 'configs', 'restormer',
                  'restormer_official-dp_1xb1_dpdd-dual-pixel-defocus.py')


def read16(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)[..., ::-1].astype(np.float32) / 65535


def hand_psnr(config, ckpt, root, names):
    model = build_model_from_config(config)
    model.load_state_dict(torch.load(ckpt, weights_only=True)['state_dict'])
    values = []
    for name in names:
        views = np.concatenate([read16(root / 'inputL' / name), read16(root / 'inputR' / name)],
                               axis=2)
        x = torch.from_numpy(views).permute(2, 0, 1)[None]
        h, w = x.shape[-2:]
        x = F.pad(x, (0, (-w) % 8, 0, (-h) % 8), mode='reflect')
        with torch.no_grad():
            y = model.backbone.eval()(x)[0, :, :h, :w].clamp(0, 1).permute(1, 2, 0).numpy()
        gt = np.clip(read16(root / 'target' / name).astype(np.float64), 0, 1)
        values.append(10 * np.log10(1.0 / np.mean((y.astype(np.float64) - gt) ** 2)))
    return float(np.mean(values))


@pytest.mark.slow
def test_tools_test_scores_dpdd_folder(tmp_path):
    config, ckpt = convert(tmp_path, 'tiny_dualpixel')
    root = tmp_path / 'DPDD' / 'test'
    rng = np.random.default_rng(0)
    names = ('p1.png', 'p2.png')
    smooth = cv2.GaussianBlur(rng.random((19, 21, 3)), (0, 0), 2)  # an image-like target
    for folder, shift in (('inputL', 0.02), ('inputR', -0.02), ('target', 0.0)):
        (root / folder).mkdir(parents=True)
        for k, name in enumerate(names):
            img = np.clip(smooth + shift + 0.05 * k + 0.01 * rng.standard_normal(smooth.shape),
                          0, 1)
            assert cv2.imwrite(str(root / folder / name), (img * 65535).round().astype(np.uint16))
    proc = run_tool([
        sys.executable, 'tools/test.py', CONFIG, ckpt, '--work-dir', str(tmp_path / 'work'),
        '--cfg-options', 'model.backbone.dim=8', 'model.backbone.num_blocks=[1,1,1,2]',
        'model.backbone.num_refinement_blocks=1', f'test_dataloader.dataset.data_root={root}',
        'test_dataloader.num_workers=0', 'log_level=INFO'])
    text = proc.stdout + proc.stderr
    reported = [float(v) for v in re.findall(r'\bPSNR: ([-0-9.]+)', text)]
    assert reported, text[-2000:]
    assert abs(reported[-1] - hand_psnr(config, ckpt, root, names)) < 1e-3, text[-2000:]
