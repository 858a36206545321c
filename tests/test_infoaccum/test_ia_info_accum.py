"""InfoAccum (Eq. 14 of the InfoAccum paper): channels and receptive fields."""
import numpy as np
import pytest
import torch

from irtoolbox.models.plugins.info_accum import InfoAccum


@pytest.mark.parametrize('c0,k,layers', [(3, 4, 15), (8, 2, 3), (1, 1, 1)])
def test_output_channels_and_input_kept(c0, k, layers):
    net = InfoAccum(c0, num_layers=layers, growth=k)
    x = torch.rand(2, c0, 9, 11)
    out = net(x)
    assert net.out_channels == c0 + 3 * k * layers
    assert out.shape == (2, c0 + 3 * k * layers, 9, 11)
    assert torch.equal(out[:, :c0], x)  # the concatenation keeps the input intact


def _kernel_offsets(d: int) -> set:
    return {(dy * d, dx * d) for dy in (-1, 0, 1) for dx in (-1, 0, 1)}


def _expected_supports(layers: int, dilations=(1, 3, 5)):
    """Offsets reachable from an impulse, by set arithmetic only: the features of x_i
    reach R_i; branch d of layer i reaches R_{i-1} (+) K_d; R_i = R_{i-1} u those."""
    reach, per_layer = {(0, 0)}, []
    for _ in range(layers):
        branch = {d: {(a + p, b + q) for a, b in reach for p, q in _kernel_offsets(d)}
                  for d in dilations}
        per_layer.append(branch)
        reach = reach.union(*branch.values())
    return per_layer


def test_impulse_receptive_fields():
    layers, k, size = 4, 2, 61
    c = size // 2
    net = InfoAccum(1, num_layers=layers, growth=k, act_cfg=None)
    with torch.no_grad():  # positive weights: no cancellation can hide a reached pixel
        for name, p in net.named_parameters():
            p.copy_(torch.rand_like(p) + 0.1 if 'weight' in name else torch.zeros_like(p))
    x = torch.zeros(1, 1, size, size)
    x[0, 0, c, c] = 1.0
    out = net(x)[0].detach().numpy()
    expected = _expected_supports(layers)
    start = 1
    for i in range(layers):
        for branch, d in enumerate((1, 3, 5)):
            chans = out[start + branch * k: start + (branch + 1) * k]
            got = {(int(y) - c, int(x_) - c) for y, x_ in zip(*np.nonzero(chans.sum(0)))}
            assert got == expected[i][d], (i, d)
        # the dilation-5 branch alone: its support grows by 10 pixels per layer
        d5 = out[start + 2 * k: start + 3 * k].sum(0)
        rows = np.nonzero(d5.sum(1))[0]
        assert rows.max() - rows.min() + 1 == 10 * (i + 1) + 1
        start += 3 * k


def test_bad_channels():
    with pytest.raises(ValueError, match='expected 3 input channels'):
        InfoAccum(3, num_layers=1)(torch.rand(1, 4, 8, 8))
