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
