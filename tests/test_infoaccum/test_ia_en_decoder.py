"""EnDecoder (skip-free baseline of the InfoAccum paper's abstraction-depth study)."""
import pytest
import torch
import torch.nn as nn

from irtoolbox.models.backbones.en_decoder import EnDecoder


@pytest.mark.parametrize('depth', range(1, 9))
def test_endecoder_depth_shapes(depth):
    net = EnDecoder(depth=depth, base_channels=2).eval()
    seen = {}
    net.encoders[-1].register_forward_hook(lambda m, i, o: seen.update(shape=o.shape))
    with torch.no_grad():
        out = net(torch.rand(1, 3, 256, 256))
    assert out.shape == (1, 3, 256, 256)
    side = 256 // 2 ** depth
    assert seen['shape'] == (1, 2 * min(2 ** (depth - 1), 8), side, side)
    assert sum(isinstance(m, nn.MaxPool2d) for m in net.modules()) == depth
    assert sum(isinstance(m, nn.Upsample) and m.mode == 'nearest'
               for m in net.modules()) == depth


def test_endecoder_has_no_skip():
    """A change confined to one bottleneck-sized block of the input changes the output only
    through the bottleneck: zeroing the bottleneck must make the output input-independent."""
    net = EnDecoder(depth=2, base_channels=4, norm_cfg=None).eval()
    net.encoders[-1].register_forward_hook(lambda m, i, o: torch.zeros_like(o))
    with torch.no_grad():
        a, b = net(torch.rand(1, 3, 16, 16)), net(torch.rand(1, 3, 16, 16))
    assert torch.equal(a, b)
