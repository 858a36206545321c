"""Discretized logistic mixture: hand-computed edge bins, bins summing to one,
finiteness for extreme parameters; the conditional PixelCNN++ is causal."""
import math

import torch

from irtoolbox.models.density import ConditionalPixelCNN
from irtoolbox.models.losses.discretized_logistic_mixture_loss import (
    DiscretizedLogisticMixtureLoss,
    conditional_means,
    mixture_log_prob,
    split_params,
)

LEVELS = torch.arange(256, dtype=torch.float64) / 127.5 - 1.0


def _params(logits, means, log_scales, coeffs=()):
    """N=1, H=W=1 parameter map from per-component lists (layout of split_params)."""
    values = list(logits) + list(means) + list(log_scales) + list(coeffs)
    return torch.tensor(values, dtype=torch.float32).view(1, -1, 1, 1)


def _log_sigmoid(v):
    return -math.log1p(math.exp(-v))


def test_edge_bins_match_hand_computed_values():
    # one component, mu = 0, log s = 0: bin 0 has mass sigmoid(-1 + 1/255)
    params = _params([0.0], [0.0], [0.0])
    for x in (-1.0, 1.0):
        got = mixture_log_prob(params, torch.full((1, 1, 1, 1), x)).item()
        assert abs(got - (-1.310396)) < 1e-5, (x, got)
        assert abs(got - _log_sigmoid(-1 + 1 / 255)) < 1e-6
    # an interior bin: log(sigmoid(x + 1/255) - sigmoid(x - 1/255)) at x = 0
    got = mixture_log_prob(params, torch.zeros(1, 1, 1, 1)).item()
    want = math.log(1 / (1 + math.exp(-1 / 255)) - 1 / (1 + math.exp(1 / 255)))
    assert abs(got - want) < 1e-4   # float32: a difference of two close sigmoids
    # the tiny-mass branch: far in the tail the mid-point density / 127.5 is used
    params = _params([0.0], [0.0], [-7.0])
    got = mixture_log_prob(params, torch.full((1, 1, 1, 1), 0.5)).item()
    mid = 0.5 * math.exp(7.0)
    want = mid + 7.0 - 2 * (mid + math.log1p(math.exp(-mid))) - math.log(127.5)
    assert abs(got - want) < 1e-3 * abs(want)


def test_256_bins_sum_to_one_single_channel():
    params = _params([0.3, -1.0, 0.5], [-0.9, 0.1, 0.95], [-3.0, -1.5, -4.0])
    x = LEVELS.float().view(256, 1, 1, 1)
    log_p = mixture_log_prob(params.expand(256, -1, -1, -1), x)
    assert abs(log_p.double().exp().sum().item() - 1.0) < 1e-4


def test_rgb_joint_sums_to_one_and_uses_previous_channels():
    params = _params([0.2, -0.4], [0.1, -0.5, 0.3, 0.6, -0.2, 0.0], [-2.0, -3.0, -2.5, -1.5,
                                                                      -2.0, -3.5],
                     [0.5, -1.0, 2.0, 0.3, -0.7, 1.1])
    # the same code on 32 levels (32^3 joint values; 256^3 would take seconds)
    levels = torch.arange(32, dtype=torch.float32) / 15.5 - 1.0
    r, g, b = torch.meshgrid(levels, levels, levels, indexing='ij')
    x = torch.stack([r, g, b]).view(3, -1).t().reshape(-1, 3, 1, 1)
    log_p = mixture_log_prob(params.expand(x.shape[0], -1, -1, -1), x, num_bins=32)
    assert abs(log_p.double().exp().sum().item() - 1.0) < 1e-4
    # mu_G += c0 x_R, mu_B += c1 x_R + c2 x_G (c = tanh of the raw coefficients)
    _, means, _, coeffs = split_params(params, 3)
    x = torch.tensor([0.4, -0.6, 0.2]).view(1, 3, 1, 1)
    adj = conditional_means(means, coeffs, x)[0, :, 0, 0, 0]
    c = [math.tanh(v) for v in (0.5, 2.0, -0.7)]   # component 0 of each coefficient
    assert abs(adj[0] - 0.1) < 1e-6
    assert abs(adj[1] - (0.3 + c[0] * 0.4)) < 1e-6
    assert abs(adj[2] - (-0.2 + c[1] * 0.4 + c[2] * -0.6)) < 1e-6


def test_loss_is_finite_for_extreme_parameters():
    torch.manual_seed(0)
    loss = DiscretizedLogisticMixtureLoss()
    x = (torch.randint(0, 256, (2, 3, 4, 4)).float() / 127.5 - 1)
    x[0, :, 0, 0] = -1.0
    x[0, :, 0, 1] = 1.0
    for scale in (1e3, 1e5, 1e7):
        params = (torch.randn(2, 30, 4, 4) * scale).requires_grad_()
        value = loss(params, x)
        value.backward()
        assert torch.isfinite(value), scale
        assert torch.isfinite(params.grad).all(), scale


def test_bits_per_dim_is_nll_over_subpixels_ln2():
    torch.manual_seed(1)
    params = torch.randn(2, 30, 3, 5)
    x = torch.randint(0, 256, (2, 3, 3, 5)).float() / 127.5 - 1
    nll = -mixture_log_prob(params, x).double().sum().item()
    got = DiscretizedLogisticMixtureLoss()(params, x).item()
    assert abs(got - nll / (x.numel() * math.log(2))) < 1e-5


def _random_model(blocks=2):
    torch.manual_seed(3)
    model = ConditionalPixelCNN(channels=6, num_blocks=blocks, num_mix=2, dropout=0.0)
    model.init_weights()
    with torch.no_grad():  # non-trivial weights everywhere (biases included)
        for p in model.parameters():
            p.add_(0.2 * torch.randn_like(p))
    return model.eval()


def test_causal_over_every_position_and_subpixel():
    model = _random_model()
    h, w, c = 5, 4, 3
    torch.manual_seed(4)
    x = torch.rand(1, c, h, w) * 2 - 1
    cond = torch.rand(1, c, h, w) * 2 - 1
    with torch.no_grad():
        base = model(x, cond)
        _, base_means, _, coeffs = split_params(base, c)
        base_adj = conditional_means(base_means, coeffs, x)
        reached_later = 0
        for i in range(h):
            for j in range(w):
                for ch in range(c):
                    y = x.clone()
                    y[0, ch, i, j] += 0.7
                    out = model(y, cond)
                    diff = (out - base).abs().amax(dim=1)[0]          # H x W
                    later = diff.clone()
                    # positions before (i, j) in raster order and (i, j) itself
                    flat = diff.flatten()
                    p = i * w + j
                    assert flat[:p + 1].max() == 0, (i, j, ch)
                    if p + 1 < h * w:
                        reached_later += int(later.flatten()[p + 1:].max() > 0)
                    # inside the pixel: channels <= ch keep their (conditional) means
                    _, means, _, cf = split_params(out, c)
                    adj = conditional_means(means, cf, y)
                    assert torch.equal(adj[0, :ch + 1, :, i, j], base_adj[0, :ch + 1, :, i, j])
                    if ch < c - 1:
                        assert not torch.equal(adj[0, ch + 1:, :, i, j],
                                               base_adj[0, ch + 1:, :, i, j])
        # the test can fail: a perturbation does reach later pixels
        assert reached_later > 0


def test_condition_is_seen_at_every_pixel_and_not_only_causally():
    model = _random_model(blocks=1)
    x = torch.zeros(1, 3, 4, 4)
    cond = torch.zeros(1, 3, 4, 4)
    with torch.no_grad():
        base = model(x, cond)
        cond2 = cond.clone()
        cond2[0, 0, 3, 3] = 1.0      # the last clean pixel
        out = model(x, cond2)
    # the first pixel's parameters do not depend on it (3 x 3 condition), the last's do
    assert torch.equal(out[..., 0, 0], base[..., 0, 0])
    assert not torch.equal(out[..., 3, 3], base[..., 3, 3])
    assert not torch.equal(out[..., 2, 2], base[..., 2, 2])   # a pixel above-left: non-causal


def test_paper_size_parameter_count():
    # 6 blocks, 100 channels, 10 components; counted by hand from the layer shapes:
    f, k = 100, 10

    def wn(cin, cout, kh, kw):
        return cout * cin * kh * kw + 2 * cout          # v, g, bias

    x_ch = 4
    count = wn(x_ch, f, 2, 3) + wn(x_ch, f, 1, 3) + wn(x_ch, f, 2, 1)
    u = wn(2 * f, f, 2, 3) + wn(2 * f, 2 * f, 2, 3) + wn(3, 2 * f, 3, 3)
    ul = wn(2 * f, f, 2, 2) + wn(2 * f, f, 1, 1) + wn(2 * f, 2 * f, 2, 2) + wn(3, 2 * f, 3, 3)
    count += 6 * (u + ul) + wn(f, 10 * k, 1, 1)
    model = ConditionalPixelCNN()
    assert sum(p.numel() for p in model.parameters()) == count == 3813200
