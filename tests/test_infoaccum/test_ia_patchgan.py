"""PatchDiscriminator (pix2pix PatchGAN, the InfoAccum paper's 5-layer discriminator)."""
import torch
import torch.nn as nn

from irtoolbox.models.discriminators.patchgan import PatchDiscriminator


def test_five_convs_and_30x30_map():
    net = PatchDiscriminator(in_channels=6, base_channels=4)
    assert sum(isinstance(m, nn.Conv2d) for m in net.modules()) == 5
    assert net(torch.rand(1, 6, 256, 256)).shape == (1, 1, 30, 30)


def test_receptive_field_is_70():
    net = PatchDiscriminator(in_channels=1, base_channels=2, norm_cfg=None)
    with torch.no_grad():  # positive weights: no cancellation shrinks the support
        for p in net.parameters():
            p.copy_(torch.rand_like(p) + 0.1)
    x = torch.zeros(1, 1, 160, 160, requires_grad=True)
    out = net(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = torch.nonzero(x.grad[0, 0].abs().sum(1))
    # a LeakyReLU network has a non-zero gradient on its whole receptive field
    assert int(rows.max() - rows.min() + 1) == 70


def test_pix2pix_normal_init():
    net = PatchDiscriminator(in_channels=6, base_channels=64)
    net.init_weights()  # what the Runner calls; building alone keeps PyTorch's init
    big = [m for m in net.modules() if isinstance(m, nn.Conv2d)][3]  # 256 -> 512, 2M weights
    assert abs(big.weight.std().item() - 0.02) < 1e-3 and abs(big.weight.mean().item()) < 1e-3
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    weights = torch.cat([b.weight.detach() for b in bns])
    assert abs(weights.mean().item() - 1.0) < 5e-3 and abs(weights.std().item() - 0.02) < 5e-3
    assert all(torch.all(b.bias == 0) for b in bns)
