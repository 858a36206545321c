"""Table 5's ResBlock baseline (``FDRNet(use_fdm=False)``) at initialisation.

With the ResBlocks' Kaiming init (std sqrt(2 / fan_out), fan_out = 9 C) each block
roughly triples the second moment of its input, so 4 blocks x 14 phases blew the
paper-size baseline up to RMS 3.9e5 before any training (issue 22).
``replacement_init_scale`` (0.1) scales the second convolution of each replacement
ResBlock once, in ``init_weights``. Checked against the Kaiming formula by hand and
against a depth bound on the untrained output.
"""
import math

import torch

from irtoolbox.models.backbones.fdrnet import FDRNet

C = 8
KAIMING_STD = math.sqrt(2 / (9 * C))  # kaiming normal, fan_out = C * 3 * 3, ReLU gain


def _baseline(**kwargs) -> FDRNet:
    torch.manual_seed(0)
    net = FDRNet(mid_channels=C, num_phases=14, use_fdm=False, num_replacement_blocks=4,
                 ca_reduction=4, **kwargs)
    net.init_weights()
    return net


def _second_convs(net):
    return [block.conv2.conv.weight for phase in net.phases for block in phase.lower]


def _first_convs(net):
    return [block.conv1.conv.weight for phase in net.phases for block in phase.lower]


def test_second_conv_scaled_once_first_conv_kaiming():
    net = _baseline()
    second = torch.cat([w.flatten() for w in _second_convs(net)])
    first = torch.cat([w.flatten() for w in _first_convs(net)])
    # 56 convolutions of 576 weights each: the sample std is within a few percent
    assert abs(second.std().item() / (0.1 * KAIMING_STD) - 1) < 0.05
    assert abs(first.std().item() / KAIMING_STD - 1) < 0.05
    before = [w.clone() for w in _second_convs(net)]
    net.init_weights()  # a repeated call initialises nothing and must not scale again
    assert all(torch.equal(a, b) for a, b in zip(before, _second_convs(net)))


def test_unscaled_option_is_plain_kaiming():
    net = _baseline(replacement_init_scale=1.0)
    second = torch.cat([w.flatten() for w in _second_convs(net)])
    assert abs(second.std().item() / KAIMING_STD - 1) < 0.05


def _untrained(net: FDRNet, x: torch.Tensor):
    """Feature growth over the phases (last / head RMS) and the RMS of the output residual."""
    with torch.no_grad():
        feats = net.features(x)
        growth = feats[-1].pow(2).mean().sqrt() / feats[0].pow(2).mean().sqrt()
        return float(growth), float((net(x) - x).pow(2).mean().sqrt())


def test_untrained_baseline_starts_where_fdrnet_starts():
    """At init the baseline's features and residual are of FDR-Net's own size (FDR-Net,
    same width and depth, trains from its init: README, "Paper scale"), not 1e4 times it."""
    torch.manual_seed(1)
    x = torch.rand(2, 3, 16, 16)
    torch.manual_seed(0)
    fdrnet = FDRNet(mid_channels=C, num_phases=14, ca_reduction=4)
    fdrnet.init_weights()
    ref_growth, ref_residual = _untrained(fdrnet, x)
    growth, residual = _untrained(_baseline(), x)
    assert growth < 2 * ref_growth and residual < 2 * ref_residual, (growth, residual,
                                                                    ref_growth, ref_residual)
    growth, residual = _untrained(_baseline(replacement_init_scale=1.0), x)
    assert growth > 1e3 * ref_growth and residual > 1e3 * ref_residual, (growth, residual)
