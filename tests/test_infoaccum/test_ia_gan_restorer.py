"""GANRestorer (pix2pix training of the InfoAccum paper, Eq. 16-18).

One ``train_step`` with plain SGD (different learning rates for G and D) is
compared with the same step written out by hand: D's update from Eq. (17) with
the fake detached, then G's update from Eq. (16) + lambda * L1 through the
already-updated D. Exact agreement shows that each optimizer moved only its own
network, by its own gradient.
"""
import copy
import os.path as osp

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.optim import build_optim_wrapper as mmengine_build_optim_wrapper
from mmengine.registry import DefaultScope

from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample


def build_optim_wrapper(model, cfg):
    """mmengine's builder under the irtoolbox scope, as the Runner calls it."""
    with DefaultScope.overwrite_default_scope('irtoolbox'):
        return mmengine_build_optim_wrapper(model, cfg)


LR_G, LR_D, LAMBDA = 0.05, 0.02, 100.0
DEMO_GAN_CONFIG = 'infoaccum_unet5-c16-ia15k2-subpix-lsgan_1xb2-1000it_demo-blur-noise-jpeg.py'


def _model(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='GANRestorer',
        backbone=dict(type='UNetGenerator', depth=3, base_channels=4, norm_cfg=None),
        discriminator=dict(type='PatchDiscriminator', base_channels=4, num_layers=2,
                           norm_cfg=None),
        gan_loss=dict(type='GANLoss', gan_type='lsgan'),
        **{'losses': dict(pixel=dict(type='L1Loss', loss_weight=LAMBDA)), **kwargs}))


def _wrappers(model):
    return build_optim_wrapper(model, dict(
        constructor='MultiOptimWrapperConstructor',
        generator=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=LR_G)),
        discriminator=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=LR_D))))


def _batch():
    g = torch.Generator().manual_seed(1)
    lq = [torch.rand(3, 16, 16, generator=g) for _ in range(2)]
    gt = [torch.rand(3, 16, 16, generator=g) for _ in range(2)]
    return lq, gt


def _expected_step(model, lq, gt):
    """Hand-written pix2pix/LSGAN step on copies of the networks."""
    G, D = copy.deepcopy(model.backbone), copy.deepcopy(model.discriminator)
    x = (torch.stack(lq) - 0.5) / 0.5
    y = (torch.stack(gt) - 0.5) / 0.5
    fake = G(x)
    d_real = D(torch.cat([x, y], 1))
    d_fake = D(torch.cat([x, fake.detach()], 1))
    loss_d = 0.5 * ((d_real - 1) ** 2).mean() + 0.5 * (d_fake ** 2).mean()
    grads_d = torch.autograd.grad(loss_d, list(D.parameters()))
    with torch.no_grad():
        for p, g in zip(D.parameters(), grads_d):
            p -= LR_D * g
    loss_g = ((D(torch.cat([x, fake], 1)) - 1) ** 2).mean() + LAMBDA * (fake - y).abs().mean()
    grads_g = torch.autograd.grad(loss_g, list(G.parameters()))
    with torch.no_grad():
        for p, g in zip(G.parameters(), grads_g):
            p -= LR_G * g
    return G, D, loss_d.item(), loss_g.item()


def test_train_step_updates_each_network_with_its_own_optimizer():
    model = _model()
    wrappers = _wrappers(model)
    assert set(wrappers.keys()) == {'generator', 'discriminator'}
    lq, gt = _batch()
    exp_G, exp_D, exp_loss_d, exp_loss_g = _expected_step(model, lq, gt)
    g_before = [p.detach().clone() for p in model.backbone.parameters()]
    data = dict(inputs=lq, data_samples=[RestorationDataSample(gt_img=t) for t in gt])
    log = model.train_step(data, wrappers)

    assert log['loss_d'].item() == pytest.approx(exp_loss_d, rel=1e-5)
    assert log['loss_g'].item() == pytest.approx(exp_loss_g, rel=1e-5)
    for got, exp in zip(model.discriminator.parameters(), exp_D.parameters()):
        torch.testing.assert_close(got, exp, rtol=1e-5, atol=1e-6)
    for got, exp in zip(model.backbone.parameters(), exp_G.parameters()):
        torch.testing.assert_close(got, exp, rtol=1e-5, atol=1e-6)
    assert any(not torch.equal(p, b) for p, b in zip(model.backbone.parameters(), g_before))
    # no gradient of the G step is left on D (it would leak into the next D update)
    assert all(p.grad is None or not p.grad.any() for p in model.discriminator.parameters())
    assert all(p.requires_grad for p in model.discriminator.parameters())


@MODELS.register_module(force=True)
class _InputFidelityLoss(torch.nn.Module):
    """``loss_weight * mean |pred - lq|``: a loss that reads the degraded input."""

    loss_inputs = ('pred', 'lq')

    def __init__(self, loss_weight=1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, pred, lq):
        return self.loss_weight * (pred - lq).abs().mean()


def test_named_losses_reach_the_generator_with_their_inputs():
    """A loss added by config is called with the context entries it declares, logged
    loss_<name>, and adds to G's total; values compared with the terms by hand."""
    model = _model(losses=dict(pixel=dict(type='L1Loss', loss_weight=LAMBDA),
                               fidelity=dict(type='_InputFidelityLoss', loss_weight=3.0)))
    lq, gt = _batch()
    data = model.data_preprocessor(
        dict(inputs=lq, data_samples=[RestorationDataSample(gt_img=t) for t in gt]), True)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert set(losses) == {'loss_d_real', 'loss_d_fake', 'loss_g_gan', 'loss_pixel',
                           'loss_fidelity'}
    x, y = (torch.stack(lq) - 0.5) / 0.5, (torch.stack(gt) - 0.5) / 0.5
    with torch.no_grad():
        fake = model.backbone(x)
        g_gan = ((model.discriminator(torch.cat([x, fake], 1)) - 1) ** 2).mean()
    assert losses['loss_pixel'].item() == pytest.approx(LAMBDA * (fake - y).abs().mean().item(),
                                                        rel=1e-5)
    assert losses['loss_fidelity'].item() == pytest.approx(3.0 * (fake - x).abs().mean().item(),
                                                           rel=1e-5)
    wrappers = _wrappers(model)
    log = model.train_step(dict(inputs=lq, data_samples=[RestorationDataSample(gt_img=t)
                                                         for t in gt]), wrappers)
    # D is updated first, so loss_g_gan is recomputed; the named terms use the same G(x)
    assert log['loss_g'].item() == pytest.approx(
        log['loss_g_gan'].item() + losses['loss_pixel'].item() + losses['loss_fidelity'].item(),
        rel=1e-5)
    assert losses['loss_g_gan'].item() == pytest.approx(g_gan.item(), rel=1e-5)


def test_loss_names_that_clash_with_the_adversarial_terms():
    with pytest.raises(ValueError, match="loss names \\['g_gan'\\]"):
        _model(losses=dict(g_gan=dict(type='L1Loss')))


def test_wrong_optim_wrapper_is_one_clear_error():
    model = _model()
    wrapper = build_optim_wrapper(model, dict(type='OptimWrapper',
                                              optimizer=dict(type='SGD', lr=0.1)))
    lq, gt = _batch()
    data = dict(inputs=lq, data_samples=[RestorationDataSample(gt_img=t) for t in gt])
    with pytest.raises(KeyError, match="MultiOptimWrapperConstructor"):
        model.train_step(data, wrapper)


def test_predict_crops_padding_and_is_in_unit_range():
    model = _model().eval()
    x = torch.rand(3, 13, 21)
    out = model.val_step(dict(inputs=[x], data_samples=[RestorationDataSample(gt_img=x)]))
    assert out[0].pred_img.shape == (3, 13, 21)
    assert 0 <= out[0].pred_img.min() and out[0].pred_img.max() <= 1


def _recon_checkpoint(tmp_path, seed=5):
    """A Restorer checkpoint with a generator-shaped backbone (what Section V pre-trains)."""
    torch.manual_seed(seed)
    restorer = MODELS.build(dict(
        type='Restorer', backbone=dict(type='UNetGenerator', depth=3, base_channels=4,
                                       norm_cfg=None),
        losses=dict(l1=dict(type='L1Loss'))))
    path = str(tmp_path / 'recon.pth')
    torch.save(dict(meta=dict(iter=10), state_dict=restorer.state_dict()), path)
    return path, restorer.backbone.state_dict()


class _CountingLoader:
    """The real checkpoint loader, counting its calls (how often the file is read)."""

    def __init__(self, monkeypatch):
        from irtoolbox.models.restorers import gan_restorer
        self.real, self.calls = gan_restorer.load_checkpoint_file, 0
        monkeypatch.setattr(gan_restorer, 'load_checkpoint_file', self)

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.real(*args, **kwargs)


def test_generator_pretrained_is_loaded_once_in_init_weights(tmp_path, monkeypatch):
    path, expected = _recon_checkpoint(tmp_path)
    loader = _CountingLoader(monkeypatch)
    model = _model(generator_pretrained=path)
    assert loader.calls == 0  # building does not read the file
    assert not all(torch.equal(a, b) for a, b in zip(model.backbone.state_dict().values(),
                                                     expected.values()))
    model.init_weights()  # what the Runner does before training
    assert loader.calls == 1
    for got, exp in zip(model.backbone.state_dict().values(), expected.values()):
        assert torch.equal(got, exp)  # G's random init came first, the checkpoint last
    model.init_weights()  # a second call only warns (mmengine): nothing re-read or re-drawn
    assert loader.calls == 1
    for got, exp in zip(model.backbone.state_dict().values(), expected.values()):
        assert torch.equal(got, exp)

    torch.save(dict(state_dict={'head.w': torch.zeros(1)}), path)
    with pytest.raises(KeyError, match=r"no weights under any of the prefixes "
                       r"\['backbone\.'\]; first keys: \['head\.w'\]"):
        _model(generator_pretrained=path).init_weights()


def test_generator_pretrained_after_runner_train_setup(tmp_path, monkeypatch, demo_data):
    """A real Runner: after its setup and one iteration at learning rate 0, G holds
    the checkpoint's weights and the file was read once."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    path, expected = _recon_checkpoint(tmp_path)
    loader = _CountingLoader(monkeypatch)
    demo = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'infoaccum', DEMO_GAN_CONFIG))
    train_dataloader = demo.train_dataloader
    train_dataloader.dataset.data_root = str(demo_data)
    adam_lr0 = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=0.0))
    runner = Runner(
        model=dict(type='GANRestorer', generator_pretrained=path,
                   backbone=dict(type='UNetGenerator', depth=3, base_channels=4,
                                 norm_cfg=None),
                   discriminator=dict(type='PatchDiscriminator', base_channels=4,
                                      num_layers=1)),
        work_dir=str(tmp_path / 'work'), default_scope='irtoolbox',
        train_dataloader=train_dataloader,
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=1),
        optim_wrapper=dict(constructor='MultiOptimWrapperConstructor',
                           generator=adam_lr0, discriminator=adam_lr0),
        default_hooks=dict(checkpoint=None), randomness=dict(seed=0))
    assert loader.calls == 0
    runner.train()
    assert loader.calls == 1
    params = dict(runner.model.backbone.named_parameters())
    assert params
    for name, value in params.items():  # Adam at lr 0 leaves the loaded parameters
        assert torch.equal(value.detach(), expected[name]), name


def test_multi_optim_constructor_shared_keys_and_unknown_part():
    model = _model()
    wrappers = build_optim_wrapper(model, dict(
        constructor='MultiOptimWrapperConstructor', clip_grad=dict(max_norm=1.0),
        generator=dict(optimizer=dict(type='SGD', lr=LR_G)),
        discriminator=dict(optimizer=dict(type='Adam', lr=LR_D))))
    # top-level keys (as tools/train.py --amp sets them) apply to every part
    assert wrappers['generator'].clip_grad_kwargs == dict(max_norm=1.0)
    assert wrappers['discriminator'].clip_grad_kwargs == dict(max_norm=1.0)
    g_params = {id(p) for p in wrappers['generator'].optimizer.param_groups[0]['params']}
    assert g_params == {id(p) for p in model.backbone.parameters()}
    d_params = {id(p) for p in wrappers['discriminator'].optimizer.param_groups[0]['params']}
    assert d_params == {id(p) for p in model.discriminator.parameters()}
    with pytest.raises(KeyError, match="part 'critic'"):
        build_optim_wrapper(model, dict(constructor='MultiOptimWrapperConstructor',
                                        critic=dict(optimizer=dict(type='SGD', lr=0.1))))
