"""FDR-Net backbone: Table 5 parameter counts, dual residuals, taps, plugins."""
import pytest
import torch

from irtoolbox.models.backbones.fdrnet import FDRNet
from irtoolbox.models.layers.fd_fa_layers import FDFABlock
from irtoolbox.registry import MODELS


def _params(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('kwargs, paper', [
    (dict(), 1.66e6),                    # FDM + Aux
    (dict(use_fdm=False), 1.62e6),       # FDM -> ResBlocks
    (dict(use_aux=False), 1.21e6),       # no auxiliary branch
], ids=['fdm+aux', 'resblocks+aux', 'fdm-only'])
def test_table5_parameter_counts_within_ten_percent(kwargs, paper):
    count = _params(FDRNet(**kwargs))
    assert abs(count / paper - 1) <= 0.10, f'{count} vs the paper\'s {paper:.0f}'


def test_phase_parameter_arithmetic_by_hand():
    # C = 32: conv3x3 32->32 = 9248, GDN = 32*32 + 32 = 1056, ResBlock = 2 * 9248,
    # CA(32, /16) = 32*2 + 2 + 2*32 + 32 = 162, CA(64, /16) = 580, fusion conv 64->32 = 18464.
    fd_layer, fa_layer = 9248 + 1056, 2 * 9248 + 162
    phase = 3 * (fd_layer + fa_layer) + 2 * 9248 + 580 + 18464
    head_tail = (3 * 9 * 32 + 32) + (32 * 9 * 3 + 3)
    assert _params(FDRNet()) == 13 * phase + head_tail
    # share_norm=False: each FA-layer learns its own w, b (+ 3 GDNs per phase)
    assert _params(FDRNet(share_norm=False)) == 13 * (phase + 3 * 1056) + head_tail


def test_dual_residual_recurrence():
    torch.manual_seed(0)
    net = FDRNet(mid_channels=4, num_phases=3, num_fd_layers=1, ca_reduction=2)
    net.init_weights()
    x = torch.randn(1, 3, 6, 6)
    feats = net.features(x)
    x0 = net.head(x)
    y0 = net.phases[0](x0)
    x1 = x0 + y0
    y1 = net.phases[1](x1)
    x2 = x1 + y1 + y0
    y2 = net.phases[2](x2)
    x3 = x2 + y2 + y1
    for got, want in zip(feats, [x0, x1, x2, x3]):
        assert torch.allclose(got, want, atol=1e-6)
    assert torch.allclose(net(x), x + net.tail(x3), atol=1e-6)


def test_shapes_and_fd_taps_through_the_restorer():
    model = MODELS.build(dict(
        type='Restorer',
        backbone=dict(type='FDRNet', mid_channels=4, num_phases=2, num_fd_layers=3,
                      ca_reduction=2),
        losses=dict(l1=dict(type='L1Loss'), svdo=dict(type='SVDOLoss', tap='fd')),
        feature_taps=dict(fd='backbone.**.fd_layers.*')))
    model.init_weights()
    with model.capture_taps() as taps:
        out = model.backbone(torch.rand(2, 3, 9, 11))
    assert out.shape == (2, 3, 9, 11)
    assert len(taps['fd']) == 2 * 3 and all(t.shape == (2, 4, 9, 11) for t in taps['fd'])


def test_infoaccum_in_front():
    net = FDRNet(mid_channels=4, num_phases=1, ca_reduction=2,
                 plugins=[dict(cfg=dict(type='InfoAccum', num_layers=2, growth=2),
                               position='input')])
    assert net.head.in_channels == 3 + 3 * 2 * 2
    assert net(torch.rand(1, 3, 8, 8)).shape == (1, 3, 8, 8)
    with pytest.raises(ValueError, match='position'):
        FDRNet(plugins=[dict(cfg=dict(type='InfoAccum'), position='enc1')])


def test_fdfa_block_with_zero_w_and_identity_process_is_attention_only():
    # w = 0, b = 1 and no process blocks: FD = conv, FA(x) = CA(x); with one layer the
    # block is CA(conv(x)), computed here independently.
    torch.manual_seed(0)
    block = FDFABlock(4, num_fd_layers=1, num_process_blocks=0, ca_reduction=2)
    block.init_weights()
    block.fd_layers[0].norm.gamma.set_value(torch.zeros(4, 4))
    x = torch.randn(2, 4, 5, 5)
    conv = block.fd_layers[0].conv(x)
    weights = block.fa_layers[0].attention.squeeze(conv)
    assert torch.allclose(block(x), conv * weights, atol=1e-6)
