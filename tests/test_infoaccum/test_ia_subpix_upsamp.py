"""SubPixUpsamp (Eq. 15 of the InfoAccum paper)."""
import numpy as np
import torch

from irtoolbox.models.layers.subpix_upsamp import SubPixUpsamp


def test_shape():
    up = SubPixUpsamp(10, 3, scale=2)
    assert up(torch.rand(2, 10, 7, 5)).shape == (2, 3, 14, 10)
    assert up.conv.out_channels == 12


def test_periodic_shuffle_by_hand():
    """out[c, h, w] = conv_out[c r^2 + r (h mod r) + (w mod r), h // r, w // r]."""
    r, c_out = 3, 2
    up = SubPixUpsamp(4, c_out, scale=r)
    x = torch.rand(1, 4, 5, 6)
    with torch.no_grad():
        low = up.conv(x)[0].numpy()
        out = up(x)[0].numpy()
    expect = np.zeros((c_out, 5 * r, 6 * r), dtype=np.float32)
    for c in range(c_out):
        for h in range(5 * r):
            for w in range(6 * r):
                expect[c, h, w] = low[c * r * r + r * (h % r) + (w % r), h // r, w // r]
    np.testing.assert_array_equal(out, expect)
