"""GDN of FDR-Net Eq. (4) and its FA form Eq. (7), against hand computations."""
import math

import numpy as np
import torch

from irtoolbox.models.layers.gdn import BETA_MIN, GDN, LowerBound


def _gdn(channels, inverse=False, beta=None, gamma=None):
    layer = GDN(channels, inverse=inverse)
    layer.init_weights()
    if beta is not None:
        layer.beta.set_value(torch.as_tensor(beta, dtype=torch.float32))
    if gamma is not None:
        layer.gamma.set_value(torch.as_tensor(gamma, dtype=torch.float32))
    return layer


def test_init_is_beta_one_gamma_tenth_identity():
    layer = _gdn(4)
    assert torch.allclose(layer.beta.value(), torch.ones(4), atol=1e-7)
    assert torch.allclose(layer.gamma.value(), 0.1 * torch.eye(4), atol=1e-7)


def test_a_gdn_never_initialised_by_its_parent_already_has_the_initial_values():
    layer = GDN(3)  # no init_weights(): a parent whose init skips it must still get b = 1
    assert torch.allclose(layer.beta.value(), torch.ones(3), atol=1e-7)
    assert torch.allclose(layer.gamma.value(), 0.1 * torch.eye(3), atol=1e-7)


def test_w_zero_fd_is_division_by_sqrt_b_and_fa_inverts_exactly():
    torch.manual_seed(0)
    beta = torch.tensor([0.5, 1.0, 2.0, 4.0])
    fd = _gdn(4, beta=beta, gamma=torch.zeros(4, 4))
    s = torch.randn(2, 4, 5, 6) * 3
    d = fd(s)
    expected = s / beta.sqrt().view(1, 4, 1, 1)
    assert torch.allclose(d, expected, rtol=1e-6, atol=1e-7)
    fa = _gdn(4, inverse=True, beta=beta, gamma=torch.zeros(4, 4))
    assert torch.allclose(fa(d), s, rtol=1e-6, atol=1e-6)


def test_norm_is_b_plus_w_times_squares_einsum():
    torch.manual_seed(1)
    beta, gamma = torch.rand(3) + 0.5, torch.rand(3, 3)
    layer = _gdn(3, beta=beta, gamma=gamma)
    x = torch.randn(2, 3, 4, 4)
    expected = beta.view(1, 3, 1, 1) + torch.einsum('ij,njhw->nihw', gamma, x ** 2)
    assert torch.allclose(layer.norm(x), expected, rtol=1e-5)


def test_fa_is_one_fixed_point_step_not_the_exact_inverse():
    # One channel, b = 1, w = 0.1, s = 2 (hand computed):
    # d = 2 / sqrt(1 + 0.1 * 4) = 1.69031; FA(d) = d * sqrt(1 + 0.1 * d^2) = 1.91663 != 2.
    fd, fa = _gdn(1, beta=[1.0], gamma=[[0.1]]), _gdn(1, inverse=True, beta=[1.0], gamma=[[0.1]])
    s = torch.full((1, 1, 1, 1), 2.0)
    d = fd(s)
    assert math.isclose(d.item(), 2 / math.sqrt(1.4), rel_tol=1e-6)
    back = fa(d).item()
    assert math.isclose(back, 1.690309 * math.sqrt(1 + 0.1 * 1.690309 ** 2), rel_tol=1e-5)
    assert abs(back - 2.0) > 0.05


def test_finite_at_zero_input_with_finite_gradients():
    for inverse in (False, True):
        layer = _gdn(4, inverse=inverse)
        x = torch.zeros(1, 4, 3, 3, requires_grad=True)
        out = layer(x)
        assert torch.equal(out, torch.zeros_like(out))
        out.sum().backward()
        grads = [x.grad] + [p.grad for p in layer.parameters()]
        assert all(torch.isfinite(g).all() for g in grads)


def test_beta_stays_above_minimum_and_moves_back_up():
    layer = _gdn(3)
    opt = torch.optim.SGD(layer.parameters(), lr=1.0)
    # A large step that a plain parametrisation would take far below zero.
    (1e3 * layer.beta.value().sum()).backward()  # p: 1 -> 1 - 2e3
    opt.step()
    beta = layer.beta.value().detach()
    assert (beta >= BETA_MIN * (1 - 1e-6)).all(), beta
    assert np.allclose(beta.numpy(), BETA_MIN, rtol=1e-3)  # sits at its bound
    # Now the gradient asks for a larger b: the stored p must move up although it
    # is below its bound, by lr * scale * d(p^2)/dp at the bound = 1e7 * 2 * bound.
    stored = layer.beta.stored.detach().clone()
    opt.zero_grad()
    (-1e7 * layer.beta.value().sum()).backward()
    opt.step()
    bound = layer.beta.bound
    assert torch.allclose(layer.beta.stored.detach() - stored,
                          torch.full((3,), 2e7 * bound), rtol=1e-4)
    assert (layer.beta.value().detach() > 10 * BETA_MIN).all()


def test_lower_bound_gradient_rule():
    x = torch.tensor([-1.0, -1.0, 2.0, 2.0], requires_grad=True)
    y = LowerBound.apply(x, 0.5)
    assert torch.equal(y.detach(), torch.tensor([0.5, 0.5, 2.0, 2.0]))
    y.backward(torch.tensor([1.0, -1.0, 1.0, -1.0]))
    # below the bound: passes only the gradient that pushes x up (negative)
    assert torch.equal(x.grad, torch.tensor([0.0, -1.0, 1.0, -1.0]))
    # control: a plain clamp would have blocked both gradients below the bound
    x2 = x.detach().clone().requires_grad_()
    x2.clamp_min(0.5).backward(torch.tensor([1.0, -1.0, 1.0, -1.0]))
    assert x2.grad[1] == 0
