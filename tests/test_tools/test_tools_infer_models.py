"""tools/infer.py serves every model type or refuses it up front (issue 21, item 3):
the latent restorer restores through it (``--cfg-options`` for its weights), the
degradation density model is refused naming the tool that serves it."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, load_tool_module
from skimage import data as skdata

from irtoolbox.apis import init_model

LATENT = osp.join(REPO_ROOT, 'configs', 'pixelcnn_degradation',
                  'latent-stylegan2-l2-sph_1xb1-100step_demo-jpeg.py')
PIXELCNN = osp.join(REPO_ROOT, 'configs', 'pixelcnn_degradation',
                    'pixelcnn-cond_b2-c32-mix5_1xb8-400it_demo-jpeg.py')
OPTIONS = {'model.generator_checkpoint': None, 'model.num_steps': 0,
           'model.num_mean_samples': 8}


@pytest.fixture(scope='module')
def infer_main():
    main = load_tool_module('tools/infer.py').main
    return lambda *args: main([str(a) for a in args])


def test_latent_restorer_restores_through_infer(infer_main, tmp_path):
    torch.manual_seed(0)
    model = init_model(LATENT, cfg_options=OPTIONS)
    checkpoint = tmp_path / 'latent.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    photo = tmp_path / 'photo.png'
    cv2.imwrite(str(photo), cv2.resize(skdata.astronaut()[..., ::-1], (64, 64)))
    out = tmp_path / 'restored.png'
    options = [f'{k}={v}' for k, v in OPTIONS.items()]
    assert infer_main(LATENT, checkpoint, photo, out, '--cfg-options', *options) == 0
    # by hand, with 0 steps: the generator's image of the mean latent f(z), z ~ N(0, I)
    # drawn from a generator seeded by the model's seed (PULSE's starting point)
    g = model.generator
    z = torch.randn(8, g.z_dim, generator=torch.Generator().manual_seed(model.seed))
    with torch.no_grad():
        ws = g.mapping(z).mean(0).expand(g.num_ws, -1)[None]
        expected = ((g.synthesis(ws)[0] * 0.5 + 0.5).clamp(0, 1) * 255).round()
    expected = expected.permute(1, 2, 0).numpy()[..., ::-1]
    written = cv2.imread(str(out)).astype(np.float32)
    assert written.shape == (64, 64, 3)
    assert np.abs(written - expected).max() <= 1


def test_density_model_refused_before_building(infer_main, tmp_path, capsys):
    assert infer_main(PIXELCNN, tmp_path / 'never_read.pth', osp.join(REPO_ROOT, 'README.md'),
                      tmp_path / 'out.png') == 1
    assert 'use tools/analysis/sample_degradations.py' in capsys.readouterr().err
