"""Unconditional GAN training of a tiny StyleGAN2Generator: one train_step checked
against a direct computation of Eq. 1 (D then G, G's fake from before its update), two
iterations through the real tools/train.py whose checkpoint the latent restorer and the
sampling tool load, and kill -9 / --resume of the demo training giving bit-identical
weights."""
import copy
import glob
import json
import os.path as osp
import sys

import cv2
import pytest
import torch
import torch.nn.functional as F
from conftest import REPO_ROOT, reliability_helpers, run_tool
from mmengine.optim import OptimWrapper, OptimWrapperDict

import irtoolbox.models  # noqa: F401  (registers every part)
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample
from irtoolbox.utils.checkpoint import load_checkpoint_file

DEMO = osp.join(REPO_ROOT, 'configs', 'pixelcnn_degradation',
                'stylegan2-64_nsgan-r1_1xb16-600it_demo-crops.py')
TINY_G = dict(type='StyleGAN2Generator', resolution=16, z_dim=8, w_dim=8,
              mapping_layers=2, channel_base=64, channel_max=8)
TINY_D = dict(type='PatchDiscriminator', in_channels=3, base_channels=4, num_layers=2,
              norm_cfg=None)


def _model(gan_type='vanilla'):
    torch.manual_seed(0)
    model = MODELS.build(dict(type='UnconditionalGAN', generator=TINY_G, discriminator=TINY_D,
                              gan_loss=dict(type='GANLoss', gan_type=gan_type)))
    model.init_weights()
    return model


def _wrappers(model, g_lr=1e-2, d_lr=1e-2):
    return OptimWrapperDict(
        generator=OptimWrapper(torch.optim.Adam(model.backbone.parameters(), lr=g_lr)),
        discriminator=OptimWrapper(torch.optim.Adam(model.discriminator.parameters(), lr=d_lr)))


@pytest.mark.parametrize('gan_type', ['vanilla', 'lsgan'])
def test_train_step_matches_a_direct_computation(gan_type):
    model = _model(gan_type)
    before = copy.deepcopy(model)
    images = [torch.rand(3, 16, 16) for _ in range(3)]
    data = dict(inputs=images, data_samples=[RestorationDataSample() for _ in images])
    torch.manual_seed(1)
    logs = model.train_step(data, _wrappers(model))
    torch.manual_seed(1)  # the step's only random draw is z
    z = torch.randn(3, 8)
    real = torch.stack(images) * 2 - 1  # mean = std = 0.5
    with torch.no_grad():
        fake = before.backbone(z)

        def gan(logits, target):  # independent of GANLoss
            if gan_type == 'vanilla':
                return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))
            return F.mse_loss(logits, torch.full_like(logits, target))

        expected = dict(loss_d_real=gan(before.discriminator(real), 1.0),
                        loss_d_fake=gan(before.discriminator(fake), 0.0),
                        # G's step sees D after its update and G's fake before
                        loss_g_gan=gan(model.discriminator(fake), 1.0))
    for key, value in expected.items():
        assert torch.allclose(logs[key], value, atol=1e-5), (key, logs[key], value)
    assert torch.allclose(logs['loss_d'], expected['loss_d_real'] + expected['loss_d_fake'])
    # both networks moved; G's backward left nothing on D
    for name in ('backbone', 'discriminator'):
        old = dict(getattr(before, name).named_parameters())
        moved = [n for n, p in getattr(model, name).named_parameters()
                 if not torch.equal(p, old[n])]
        assert moved, f'{name} did not change'
    assert all(p.grad is None or not p.grad.any() for p in model.discriminator.parameters())
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_r1_penalty_matches_finite_differences():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='UnconditionalGAN', generator=TINY_G, discriminator=TINY_D,
                              r1_weight=3.0)).double()
    model.init_weights()
    real, fake = torch.randn(2, 3, 16, 16, dtype=torch.double), torch.randn(2, 3, 16, 16).double()
    losses = model.discriminator_losses(None, real, fake)
    assert set(losses) == {'loss_d_real', 'loss_d_fake', 'loss_d_r1'}
    eps, grad = 1e-6, torch.zeros_like(real)
    with torch.no_grad():
        for idx in range(real.numel()):
            step = torch.zeros(real.numel(), dtype=torch.double)
            step[idx] = eps
            step = step.view_as(real)
            grad.view(-1)[idx] = (model.discriminator(real + step).sum()
                                  - model.discriminator(real - step).sum()) / (2 * eps)
    expected = 0.5 * 3.0 * grad.pow(2).sum(dim=(1, 2, 3)).mean()
    assert torch.allclose(losses['loss_d_r1'], expected, rtol=1e-5)
    losses['loss_d_r1'].backward()  # the penalty trains D (double backward)
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for p in model.discriminator.parameters())
    with pytest.raises(ValueError, match='r1_weight'):
        MODELS.build(dict(type='UnconditionalGAN', generator=TINY_G, discriminator=TINY_D,
                          r1_weight=-1.0))


def test_predict_gives_samples_in_range():
    model = _model().eval()
    samples = model(torch.zeros(5, 3, 16, 16), mode='tensor')
    assert samples.shape == (5, 3, 16, 16)
    assert not torch.allclose(samples[0], samples[1])  # one z per image


def test_generator_without_z_dim_is_refused():
    with pytest.raises(TypeError, match='z_dim'):
        MODELS.build(dict(type='UnconditionalGAN',
                          generator=dict(type='ResidualCNN', mid_channels=4, num_blocks=1),
                          discriminator=TINY_D))


def test_two_iterations_through_tools_then_latent_restorer_and_sampler(tmp_path, demo_data):
    root = str(demo_data)
    config = tmp_path / 'tiny_ugan.py'
    config.write_text(f'''
_base_ = [{DEMO!r}]
model = dict(generator={TINY_G!r}, discriminator={TINY_D!r})
train_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb', to_float32=False),
    dict(type='RandomCrop', crop_size=16, keys=('img', )),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=4, dataset=dict(data_root={root!r},
                                                   pipeline=train_pipeline))
train_cfg = dict(max_iters=2)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
''')
    work = tmp_path / 'work'
    run_tool([sys.executable, 'tools/train.py', str(config), '--work-dir', str(work)])
    files = glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    assert files, f'no scalars.json under {work}'
    rows = [json.loads(line) for line in open(files[0]) if line.strip()]
    logged = [row for row in rows if 'loss_d_real' in row]
    assert [row['iter'] for row in logged] == [1, 2]
    for row in logged:
        for key in ('loss_d_real', 'loss_d_fake', 'loss_d', 'loss_g_gan', 'loss_g'):
            assert key in row and row[key] == row[key] and row[key] > 0, (key, row)
    checkpoint = str(work / 'iter_2.pth')

    # the latent restorer reads the generator (keys backbone.*) from this checkpoint
    restorer = MODELS.build(dict(type='LatentRestorer', generator=TINY_G,
                                 data_loss=dict(type='MSELoss'),
                                 generator_checkpoint=checkpoint))
    restorer.load_generator()
    state = torch.load(checkpoint, map_location='cpu', weights_only=False)['state_dict']
    for key, value in restorer.generator.state_dict().items():
        assert torch.equal(value, state['backbone.' + key]), key

    grid = tmp_path / 'grid.png'
    run_tool([sys.executable, 'tools/analysis/sample_generator.py', str(config), checkpoint,
              '--out', str(grid), '--rows', '2', '--cols', '3'])
    img = cv2.imread(str(grid))
    assert img.shape == (2 * 16 + 2, 3 * 16 + 4, 3)


@pytest.mark.slow
def test_kill9_then_resume_matches_uninterrupted(tmp_path, demo_data):
    # the demo config with the tiny networks; lazy R1 every 3rd step: resumed at 4, not a
    # multiple of 3, a step count restarted by the resume would regularise other steps;
    # the random noise inputs draw from the restored RNG
    max_iters, kill_at = 8, 6
    config = tmp_path / 'tiny_ugan_kill.py'
    config.write_text(f'''
_base_ = [{DEMO!r}]
custom_imports = dict(imports=['reliability_killer'], allow_failed_imports=False)
model = dict(generator={TINY_G!r}, discriminator={TINY_D!r}, r1_weight=1.0, r1_interval=3)
train_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb', to_float32=False),
    dict(type='RandomCrop', crop_size=16, keys=('img', )),
    dict(type='Flip', keys=('img', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(data_root={str(demo_data)!r},
                                                   pipeline=train_pipeline))
train_cfg = dict(max_iters={max_iters})
default_hooks = dict(logger=dict(interval=1000),
                     checkpoint=dict(interval=4, max_keep_ckpts=3, save_last=True))
custom_hooks = [dict(type='NonFiniteLossGuardHook'), dict(type='RNGStateHook'),
                dict(type='SelfKillHook')]
randomness = dict(seed=0, deterministic=True)
log_level = 'WARNING'
''')
    _, killed, reference = reliability_helpers().kill9_resume_matches(
        str(config), tmp_path, max_iters, kill_at, last_checkpoint_iter=4)
    # both networks trained after the resumed checkpoint, and w_avg was tracked
    start = load_checkpoint_file(osp.join(killed, 'iter_4.pth'))['state_dict']
    for prefix in ('backbone.', 'discriminator.', 'backbone.mapping.w_avg'):
        assert any(not torch.equal(start[k], reference[k]) for k in reference
                   if k.startswith(prefix)), prefix
