"""DL-Net's released initialisation and BatchNorm (issue 22) against TF's formulas.

TF 1.x ``tf.contrib.layers.variance_scaling_initializer()`` (the released
code): a normal of std ``sqrt(1.3 * 2 / fan_in)`` cut at two of its std; TF's
fan-in of a conv2d kernel ``[kh, kw, in, out]`` is ``kh kw in`` and of a
conv2d_transpose kernel ``[kh, kw, out, in]`` ``kh kw out``. The fan-ins below
are counted by hand from the layers' channel numbers, not from the weights.
"""
import math

import pytest
import torch
from mmengine.config import Config
from mmengine.model.weight_init import initialize
from torch import nn

from irtoolbox.registry import MODELS

CUT_STD = 0.87962566103423978  # std of a unit normal cut at +-2
RELEASED_BASE = 'configs/dlnet/_base_/models/contextencoder_likelihood_released-init.py'


def _check_cut_normal(weight: torch.Tensor, pre_cut_std: float) -> None:
    w = weight.detach().flatten().double()
    assert w.abs().max() <= 2 * pre_cut_std * (1 + 1e-6)
    assert abs(w.mean()) < 5 * pre_cut_std / math.sqrt(w.numel())
    assert abs(w.std().item() / (pre_cut_std * CUT_STD) - 1) < 0.01
    # the share inside one pre-cut std: 0.682689 / 0.954500 for a normal cut at 2
    inside = (w.abs() < pre_cut_std).double().mean().item()
    assert abs(inside - 0.682689 / 0.954500) < 0.005


def test_conv_and_transposed_conv_fan_in_as_tf():
    torch.manual_seed(0)
    conv = nn.Conv2d(64, 128, 3)              # TF kernel [3, 3, 64, 128]: fan-in 3*3*64
    deconv = nn.ConvTranspose2d(512, 256, 4)  # TF kernel [4, 4, 256, 512]: fan-in 4*4*256
    initialize(nn.Sequential(conv, deconv),
               dict(type='irtoolbox.TFVarianceScaling', layer=['Conv2d', 'ConvTranspose2d'],
                    bias=0.0))
    _check_cut_normal(conv.weight, math.sqrt(1.3 * 2 / 576))
    _check_cut_normal(deconv.weight, math.sqrt(1.3 * 2 / 4096))
    assert torch.equal(deconv.bias, torch.zeros(256))


def test_keras_truncated_normal_has_variance_scale_over_fan_in():
    torch.manual_seed(0)
    deconv = nn.ConvTranspose2d(512, 256, 4)
    initialize(deconv, dict(type='irtoolbox.TFVarianceScaling', layer='ConvTranspose2d',
                            scale=1.0, distribution='truncated_normal'))
    # tf.keras VarianceScaling: std sqrt(scale / fan_in) / 0.8796... before the cut
    _check_cut_normal(deconv.weight, math.sqrt(1.0 / 4096) / CUT_STD)


def test_released_model_base_initialises_every_layer_as_released():
    cfg = Config.fromfile(RELEASED_BASE)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    enc, dec = model.backbone.encoder, model.backbone.decoder
    # encoder convs 3->64->128->256->512 (4x4): fan-in 16 * in
    for block, c_in in zip(enc, (3, 64, 128, 256)):
        w = block[0].weight
        pre = math.sqrt(2.6 / (16 * c_in))
        assert w.abs().max() <= 2 * pre * (1 + 1e-6)
        if w.numel() > 100000:
            _check_cut_normal(w, pre)
    # decoder transposed convs 512->256->128->64: fan-in 16 * out
    deconvs = [m for m in dec if isinstance(m, nn.ConvTranspose2d)]
    for m, c_out in zip(deconvs, (256, 128, 64)):
        _check_cut_normal(m.weight, math.sqrt(2.6 / (16 * c_out)))
    # h: transposed conv 64 -> 3, fan-in 16 * 3 = 48 (the wide one: sqrt(2.6 / 48) = 0.233)
    h = model.head.output_layer.conv.weight.detach()
    assert h.abs().max() <= 2 * math.sqrt(2.6 / 48) * (1 + 1e-6)
    assert abs(h.std().item() / (math.sqrt(2.6 / 48) * CUT_STD) - 1) < 0.05  # 3072 entries
    fc = model.backbone.channel_fc.weight.detach().double()
    assert abs(fc.std().item() / 0.001 - 1) < 0.01 and abs(fc.mean()) < 1e-5
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 7
    assert all(m.eps == 1e-3 and m.momentum == 0.01 for m in norms)


def test_running_mean_follows_tf_momentum():
    cfg = Config.fromfile(RELEASED_BASE)
    bn = MODELS.build(cfg.model).backbone.encoder[0][1]
    x = torch.randn(4, 64, 8, 8) + 3.0
    bn.train()
    bn(x)
    # TF: moving = 0.99 * moving + 0.01 * batch, from 0
    torch.testing.assert_close(bn.running_mean, 0.01 * x.mean(dim=(0, 2, 3)))


def test_unknown_mode_is_refused_with_its_name():
    with pytest.raises(ValueError, match="mode must be one of.*'fan_sum'"):
        initialize(nn.Conv2d(1, 1, 1), dict(type='irtoolbox.TFVarianceScaling', layer='Conv2d',
                                            mode='fan_sum'))


@pytest.mark.parametrize('side', range(1, 31))
def test_odd_holes_sit_one_pixel_below_right_of_the_released_ones(side):
    """The released mask (Python 2, int32 tensors: ``/`` is floor division)
    starts a hole of side s at ``(64 - s) // 2 + shift``; ours at
    ``64 // 2 + shift - s // 2``: equal for even s, one pixel more for odd s."""
    from irtoolbox.degradations.masks import box_mask
    for shift in ((0, 0), (-10, 7), (10, -10)):
        mask = box_mask((64, 64), side, shift)
        rows, cols = (mask == 0).nonzero()
        released = [(64 - side) // 2 + s for s in shift]
        assert (rows.min() - released[0], cols.min() - released[1]) == (side % 2, side % 2)
        assert rows.max() - rows.min() + 1 == side
