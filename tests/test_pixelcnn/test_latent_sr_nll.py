"""PULSE super-resolution with the degradation NLL: LatentRestorer hands every data term
the restoration after the known down-sampling D (average pooling by degradation_scale),
so the NLL is -log p(y | D(G(w))); the SR pair configs train the model on (y, D(x)) pairs."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config

from irtoolbox.degradations import Downsample
from irtoolbox.registry import DATASETS, MODELS
from irtoolbox.utils.setup_env import init_weights_quietly

CONFIGS = osp.join(REPO_ROOT, 'configs', 'pixelcnn_degradation')
GEN = dict(type='StyleGAN2Generator', resolution=16, z_dim=8, w_dim=8, mapping_layers=1,
           channel_base=64, channel_max=8, noise_mode='const')
NLL = dict(type='DegradationLikelihoodLoss',
           model=dict(type='ConditionalPixelCNN', channels=8, num_blocks=1, num_mix=2))


def _restorer(scale, data_loss=NLL):
    torch.manual_seed(0)
    model = MODELS.build(dict(type='LatentRestorer', generator=GEN, data_loss=data_loss,
                              degradation_scale=scale, num_steps=2, num_prior_samples=8,
                              num_mean_samples=16))
    init_weights_quietly(model)
    return model.eval()


def _latents_and_input(model, size):
    gen = torch.Generator().manual_seed(1)
    ws = torch.randn(model.generator.num_ws, 8, generator=gen)
    # an 8-bit image in [-1, 1], the data pipeline's y
    y = torch.randint(0, 256, (1, 3, size, size), generator=gen).float() / 127.5 - 1.0
    return ws, y


def _box_mean(image, s):
    """N x C x H x W -> N x C x H/s x W/s, the mean of each s x s block (by reshaping)."""
    n, c, h, w = image.shape
    return image.reshape(n, c, h // s, s, w // s, s).mean(dim=(3, 5))


def test_sr_nll_scores_y_against_the_pooled_restoration():
    model = _restorer(4)
    ws, y = _latents_and_input(model, 4)
    ws.requires_grad_(True)
    got = model.objective(ws, y, None)['loss_data']
    (grad_got,) = torch.autograd.grad(got, ws)
    # by hand: G(w) at 16 x 16, its 4 x 4 block means, the loss on (those, y)
    ws_ref = ws.detach().clone().requires_grad_(True)
    image = model.generator.synthesis(ws_ref[None])
    assert image.shape == (1, 3, 16, 16)
    expected = model.data_loss(_box_mean(image, 4), y)
    (grad_ref,) = torch.autograd.grad(expected, ws_ref)
    assert torch.allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert torch.allclose(grad_got, grad_ref, rtol=1e-4, atol=1e-7)
    # a whole restoration runs (4 x 4 y against a 16 x 16 G(w)) and returns the 16 x 16 image
    assert model.restore(y).shape == (1, 3, 16, 16)


def test_scale_1_nll_is_the_loss_on_the_unpooled_restoration():
    model = _restorer(1)
    ws, y = _latents_and_input(model, 16)
    got = model.objective(ws, y, None)['loss_data']
    expected = model.data_loss(model.generator.synthesis(ws[None]), y)
    assert torch.equal(got, expected)


def test_sr_l2_is_the_mean_squared_error_after_pooling():
    model = _restorer(4, data_loss=dict(type='MSELoss'))
    ws, y = _latents_and_input(model, 4)
    got = model.objective(ws, y, None)['loss_data']
    pooled = _box_mean(model.generator.synthesis(ws[None]), 4)
    assert torch.allclose(got, ((pooled - y) ** 2).mean(), rtol=1e-6)


def test_the_nll_sr32_config_is_pulse_with_the_sr_degradation_model():
    cfg = Config.fromfile(osp.join(CONFIGS, 'latent-stylegan2-nll-mmd-sph_1xb1-100step_'
                                            'ffhq1024-sr32.py'))
    model = cfg.model
    assert model.data_loss.type == 'DegradationLikelihoodLoss'
    assert (model.degradation_scale, model.num_prior_samples, model.num_steps) == (32, 1000, 100)
    assert model.mmd_loss.gamma == 512.0 and model.spherical and model.cross_weight == 0.05
    # the checkpoint is the last one the SR degradation-model config writes
    name = 'pixelcnn-cond_b6-c100-mix10_1xb32-100k_ffhq1024-sr32'
    density = Config.fromfile(osp.join(CONFIGS, name + '.py'))
    assert model.data_loss.checkpoint == (f'work_dirs/{name}/'
                                          f'iter_{density.train_cfg.max_iters}.pth')
    for key in ('channels', 'num_blocks', 'num_mix'):
        assert model.data_loss.model[key] == density.model.density[key]
    # and it builds without the checkpoint files (read at the first restoration)
    with torch.device('meta'):
        MODELS.build(model)


@pytest.mark.parametrize('split', ['train', 'val'])
def test_demo_sr_pairs_are_bicubic_input_and_box_averaged_clean(demo_data, split):
    cfg = Config.fromfile(osp.join(CONFIGS, 'pixelcnn-cond_b2-c32-mix5_1xb8-400it_demo-sr4.py'))
    dataset_cfg = cfg[f'{split}_dataloader'].dataset
    dataset_cfg.data_root = str(demo_data)
    for step in dataset_cfg.pipeline:
        if step['type'] == 'RandomCrop':  # the 64 px demo data: 32 px crops, 8 x 8 pairs
            step['crop_size'] = 32
        if step['type'] == 'Flip':
            step['flip_ratio'] = 0.0
    sample = DATASETS.build(dataset_cfg)[0]
    lq = sample['inputs'].numpy().transpose(1, 2, 0).astype(np.float64)
    clean = sample['data_samples'].gt_img.numpy().transpose(1, 2, 0).astype(np.float64)
    hr = cv2.imread(sample['data_samples'].metainfo['gt_path'])[..., ::-1] / 255.0
    if split == 'train':
        top, left, bottom, right = sample['data_samples'].metainfo['crop_bbox']
        hr = hr[top:bottom, left:right]
    h, w = hr.shape[0] // 4, hr.shape[1] // 4
    assert lq.shape == clean.shape == (h, w, 3)
    np.testing.assert_allclose(clean, hr.reshape(h, 4, w, 4, 3).mean(axis=(1, 3)), atol=1e-6)
    bicubic = Downsample(scale=4).apply(hr.astype(np.float32), dict(scale=4.0, blur=None))
    np.testing.assert_allclose(lq, np.clip(bicubic, 0, 1), atol=1e-6)
