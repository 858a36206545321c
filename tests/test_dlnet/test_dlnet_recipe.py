"""DL-Net's training recipe as released (issue 22): the gradient Adam receives
from the configs' loss and weight decay equals, on a tiny autoencoder, the
gradient of the released objective written out here by hand,

    sum((x_hat - x)^2) / N / 2 + 1e-4 * sum over conv weights of ||w||^2 / 2,

and the schedules follow Sec. IV-A (250 / 500 epochs of 1000 iterations)."""
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from torch import nn

from irtoolbox.models.backbones import ContextEncoderAE
from irtoolbox.registry import MODELS

JOINT = 'configs/dlnet/contextencoder_joint_1xb100-500k_celeba64-inpaint.py'


def _released_objective(model, x_hat, x):
    conv_w = [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    return (((x_hat - x) ** 2).sum() / x.shape[0] / 2
            + 1e-4 * sum((w ** 2).sum() for w in conv_w) / 2)


def test_config_loss_and_decay_give_the_released_gradient():
    cfg = Config.fromfile(JOINT)
    torch.manual_seed(0)
    model = ContextEncoderAE(channels=(4, 4, 4, 4))
    model.init_weights()
    with torch.no_grad():                         # BN affine away from 1 / 0: decay would show
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    loss_fn = MODELS.build(cfg.model.losses.rec)

    model.zero_grad()
    loss_fn(model(x), x).backward()
    # torch Adam's coupled weight decay: the gradient it uses is grad + wd * p
    ours = {}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            ours[p] = p.grad + group['weight_decay'] * p.detach()

    model.zero_grad()
    _released_objective(model, model(x), x).backward()
    for name, p in model.named_parameters():
        torch.testing.assert_close(ours[p], p.grad, rtol=1e-4, atol=1e-8, msg=name)


@pytest.mark.parametrize('name,iters,milestones,start', [
    ('contextencoder_default-s32_1xb100-250k_celeba64-inpaint', 250000, [100000, 200000], None),
    ('contextencoder_default-r75_1xb100-250k_celeba64-interp', 250000, [100000, 200000], None),
    ('contextencoder_joint_1xb100-500k_celeba64-inpaint', 500000, [200000, 400000],
     'contextencoder_default-s32_1xb100-250k_celeba64-inpaint/iter_250000.pth'),
    ('dlnet_contextencoder-k5_1xb100-500k_sun397-64-interp', 500000, [200000, 400000],
     'contextencoder_joint_1xb100-500k_sun397-64-interp/iter_500000.pth'),
])
def test_schedules_and_starting_points_follow_sec_iv_a(name, iters, milestones, start):
    cfg = Config.fromfile(f'configs/dlnet/{name}.py')
    assert cfg.train_cfg.max_iters == iters
    assert cfg.param_scheduler[0]['milestones'] == milestones
    assert cfg.get('load_from') == (None if start is None else f'work_dirs/{start}')
    assert cfg.train_dataloader.batch_size == 100
