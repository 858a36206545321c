"""Issue 22 readings of FDR-Net: SVDO with the Gram over its mean eigenvalue
(against numpy) and the plain phase residual (against a hand unroll)."""
import numpy as np
import pytest
import torch

from irtoolbox.models.backbones import FDRNet
from irtoolbox.models.losses.svdo_loss import SVDOLoss, svdo


def test_trace_normalised_svdo_equals_numpy_and_is_scale_free():
    torch.manual_seed(0)
    features = torch.randn(2, 5, 4, 6, dtype=torch.float64)
    want = []
    for f in features.numpy():
        flat = f.reshape(5, -1)
        gram = flat @ flat.T
        eig = np.linalg.eigvalsh(gram / (np.trace(gram) / 5))
        want.append((eig.max() - eig.min()) ** 2)
    assert np.allclose(svdo(features, normalize='trace').numpy(), want, rtol=1e-10)
    assert np.allclose(svdo(40.0 * features, normalize='trace').numpy(), want, rtol=1e-10)
    with pytest.raises(ValueError, match='normalize'):
        SVDOLoss(normalize='layer')


def test_plain_phase_residual_is_x_plus_phase_of_x():
    torch.manual_seed(1)
    net = FDRNet(mid_channels=8, num_phases=3, phase_residual='plain')
    net.init_weights()
    x = torch.rand(1, 3, 12, 12)
    with torch.no_grad():
        h = net.head(x)
        for phase in net.phases:
            h = h + phase(h)
        want = x + net.tail(h)
        torch.testing.assert_close(net(x), want, rtol=0, atol=1e-6)
        net.phase_residual = 'dual'                     # the default differs after phase 2
        assert (net(x) - want).abs().max() > 1e-4
    with pytest.raises(ValueError, match='phase_residual'):
        FDRNet(phase_residual='triple')


def test_paper_configs_fit_table5_counts_in_the_papers_order():
    """Table 5: FDM + Aux 1.66 M > ResBlocks + Aux 1.62 M > FDM only 1.21 M, each
    within 5.5 % (the re-fit: +5.0 / -3.5 / +0.7 %); Table 6 counts rise with the
    number of FD-layers and with the width."""
    from mmengine.config import Config

    from irtoolbox.registry import MODELS

    def count(name):
        cfg = Config.fromfile(f'configs/fdrnet/{name}_1xb28-180k_did-hy.py')
        return sum(p.numel() for p in MODELS.build(cfg.model.backbone).parameters())
    rows = [count(n) for n in ('fdrnet_c32p14', 'fdrnet-resblocks_c32p14', 'fdrnet-noaux_c32p14')]
    assert rows[0] > rows[1] > rows[2]
    for got, paper in zip(rows, (1.66e6, 1.62e6, 1.21e6)):
        assert abs(got / paper - 1) < 0.055, (got, paper)
    layers = [count(f'fdrnet-fd{k}_c32p14') for k in (1, 2)] + [rows[0]] + \
        [count(f'fdrnet-fd{k}_c32p14') for k in (4, 5)]
    widths = [count(f'fdrnet_c{c}p14') for c in (16, 32, 48, 64)]
    assert layers == sorted(layers) and widths == sorted(widths)
