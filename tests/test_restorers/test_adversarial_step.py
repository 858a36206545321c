"""One adversarial step for both GANs (``restorers/adversarial.py``), one meaning of
"generator" (backbone -> [neck] -> [head]), and R1 as an option of the shared step.

- ``GANRestorer`` and ``UnconditionalGAN`` run the same ``train_step``; the
  unconditional GAN is no subclass of the conditional one.
- ``generator_pretrained`` loads every part of the generator (here backbone and
  head) from a ``Restorer`` checkpoint: compared with the saved tensors.
- The conditional R1 penalty with a 1x1-convolution D on ``cat(x, y)`` pairs is by
  hand ``gamma / 2 * H * W * ||w_y||^2`` (``w_y`` the weights on y's channels).
"""
import torch
from mmengine.logging import MessageHub

import irtoolbox.models  # noqa: F401  (registers every part)
from irtoolbox.models.restorers import GANRestorer, Restorer, UnconditionalGAN
from irtoolbox.models.restorers.adversarial import AdversarialStep
from irtoolbox.registry import MODELS

BACKBONE = dict(type='ResidualCNN', mid_channels=4, num_blocks=1)
HEAD = dict(type='Conv2d', in_channels=3, out_channels=3, kernel_size=1)
PAIR_D = dict(type='Conv2d', in_channels=6, out_channels=1, kernel_size=1)


def test_both_gans_share_one_step():
    assert GANRestorer.train_step is AdversarialStep.train_step
    assert UnconditionalGAN.train_step is AdversarialStep.train_step
    assert GANRestorer.discriminator_losses is UnconditionalGAN.discriminator_losses
    assert not issubclass(UnconditionalGAN, (GANRestorer, Restorer))


def test_generator_pretrained_loads_backbone_and_head(tmp_path):
    torch.manual_seed(0)
    source = MODELS.build(dict(type='Restorer', backbone=BACKBONE, head=HEAD))
    path = tmp_path / 'restorer.pth'
    torch.save(dict(state_dict=source.state_dict()), path)
    torch.manual_seed(1)
    model = MODELS.build(dict(type='GANRestorer', backbone=BACKBONE, head=HEAD,
                              discriminator=PAIR_D, generator_pretrained=str(path)))
    model.init_weights()
    assert len(model.generator) == 2  # backbone and head: what the 'generator' optimizer gets
    for name in ('backbone', 'head'):
        expected = getattr(source, name).state_dict()
        for key, value in getattr(model, name).state_dict().items():
            assert torch.equal(value, expected[key]), (name, key)


def test_conditional_r1_by_hand():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='GANRestorer', backbone=BACKBONE, discriminator=PAIR_D,
                              r1_weight=4.0)).double()
    cond, real, fake = (torch.randn(2, 3, 5, 5, dtype=torch.double) for _ in range(3))
    MessageHub.get_current_instance().update_info('iter', 0)
    losses = model.discriminator_losses(cond, real, fake)
    w_y = model.discriminator.weight.detach()[:, 3:]
    assert torch.allclose(losses['loss_d_r1'], 4.0 / 2 * 5 * 5 * w_y.pow(2).sum())
    # pix2pix's 1/2 on the real and fake terms (Eq. 17), LSGAN by hand
    pred_real = model.discriminator(torch.cat([cond, real], 1))
    assert torch.allclose(losses['loss_d_real'], 0.5 * (pred_real - 1).pow(2).mean())
