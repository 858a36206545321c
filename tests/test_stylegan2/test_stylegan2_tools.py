"""tools/test.py restores the demo JPEGs through LatentRestorer with a tiny real
StyleGAN2Generator and a tiny degradation model (both from checkpoint files)."""
import os.path as osp
import re
import sys

import cv2
import pytest
import torch
from conftest import REPO_ROOT, run_tool

from irtoolbox.models.density import ConditionalPixelCNN
from irtoolbox.models.generators.stylegan2 import StyleGAN2Generator

NLL = osp.join(REPO_ROOT, 'configs', 'pixelcnn_degradation',
               'latent-stylegan2-nll-mmd-sph_1xb1-100step_demo-jpeg.py')
GEN = dict(resolution=64, z_dim=16, w_dim=16, mapping_layers=2, channel_base=256,
           channel_max=16)


@pytest.mark.slow
def test_tools_test_restores_with_tiny_stylegan2(tmp_path, demo_data) -> None:
    torch.manual_seed(0)
    gen = StyleGAN2Generator(**GEN)
    gen.init_weights()
    gen_ckpt, den_ckpt = tmp_path / 'gen.pth', tmp_path / 'density.pth'
    torch.save(gen.state_dict(), gen_ckpt)
    torch.save(ConditionalPixelCNN(channels=8, num_blocks=1, num_mix=2).state_dict(), den_ckpt)
    gen_cfg = ', '.join(f'{k}={v!r}' for k, v in GEN.items())
    config = tmp_path / 'tiny_latent.py'
    config.write_text(f'''
_base_ = [{NLL!r}]
test_dataloader = dict(dataset=dict(data_root={str(demo_data)!r}))
model = dict(generator=dict(_delete_=True, type='StyleGAN2Generator', {gen_cfg},
                            noise_mode='const'),
             generator_checkpoint={str(gen_ckpt)!r},
             data_loss=dict(model=dict(channels=8, num_blocks=1, num_mix=2),
                            checkpoint={str(den_ckpt)!r}),
             mmd_loss=dict(gamma=16.0), num_steps=2, num_prior_samples=16, num_mean_samples=16)
log_level = 'INFO'
''')
    out = tmp_path / 'restored'
    # 'none': the restorer has no weights of its own; its parts read the files above
    proc = run_tool([sys.executable, 'tools/test.py', str(config), 'none',
                     '--work-dir', str(tmp_path / 'work'), '--out-dir', str(out)])
    text = proc.stdout + proc.stderr
    assert re.search(r'psnr\S*: [0-9.]+', text, re.I), text[-3000:]
    images = sorted(out.rglob('*.png'))
    assert images and all(cv2.imread(str(p)).shape == (64, 64, 3) for p in images)
