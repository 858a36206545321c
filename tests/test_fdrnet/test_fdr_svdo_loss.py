"""SVDO loss (FDR-Net Eq. 5) against numpy's eigenvalues and hand-made features."""
import numpy as np
import pytest
import torch

from irtoolbox.models.losses.svdo_loss import SVDOLoss, svdo


def _numpy_spread(features):
    out = []
    for f in features.detach().double().numpy():
        flat = f.reshape(f.shape[0], -1)
        eig = np.linalg.eigvalsh(flat @ flat.T)
        out.append(eig.max() - eig.min())
    return np.array(out)


def test_svdo_equals_numpy_eigenvalue_spread_squared_and_not():
    torch.manual_seed(0)
    features = torch.randn(3, 5, 4, 6, dtype=torch.float64)
    spread = _numpy_spread(features)
    assert np.allclose(svdo(features).numpy(), spread ** 2, rtol=1e-10)
    assert np.allclose(svdo(features, squared=False).numpy(), spread, rtol=1e-10)
    assert np.allclose(svdo(features, normalize=True, squared=False).numpy(), spread / 24,
                       rtol=1e-10)


def test_orthogonal_channels_of_equal_norm_give_zero():
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((16, 4)))
    features = torch.from_numpy(3.0 * q.T.reshape(1, 4, 4, 4))  # rows orthonormal x 3
    assert svdo(features).item() == pytest.approx(0.0, abs=1e-18)


def test_loss_sums_layers_means_images_and_weights():
    torch.manual_seed(1)
    taps = dict(fd=[torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)])
    expected = sum((_numpy_spread(f) ** 2).mean() for f in taps['fd'])
    loss = SVDOLoss(tap='fd', loss_weight=1e-5)(taps)
    assert loss.item() == pytest.approx(1e-5 * expected, rel=1e-5)
    assert SVDOLoss.loss_inputs == ('taps',)


@pytest.mark.parametrize('rank_one', [False, True])
def test_gradients_are_finite_also_for_rank_one_features(rank_one):
    torch.manual_seed(2)
    if rank_one:  # every channel a multiple of one map: C - 1 zero eigenvalues
        base = torch.randn(2, 1, 5, 5) * torch.arange(1.0, 5.0).view(1, 4, 1, 1)
        features = base.clone().requires_grad_()
        assert np.linalg.matrix_rank(features[0].detach().reshape(4, -1).numpy()) == 1
    else:
        features = torch.randn(2, 4, 5, 5, requires_grad=True)
    loss = SVDOLoss()(dict(fd=[features]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(features.grad).all()
    assert features.grad.abs().sum() > 0


def test_missing_tap_names_itself():
    with pytest.raises(KeyError, match="feature_taps=dict\\(fd="):
        SVDOLoss()({})
