"""Issue 17 part 5: ``None`` means none. ``ChannelAttention(act_cfg=None)`` has a
linear hidden layer, checked against a hand computation of
``x * sigmoid(W2 (W1 mean(x) + b1) + b2)``; the default stays ReLU."""
import torch
import torch.nn as nn

from irtoolbox.registry import MODELS


def _by_hand(part: nn.Module, x: torch.Tensor, act) -> torch.Tensor:
    conv1, conv2 = [m for m in part.modules() if isinstance(m, nn.Conv2d)]
    pooled = x.mean(dim=(2, 3))  # N x C
    hidden = act(pooled @ conv1.weight[:, :, 0, 0].T + conv1.bias)
    weight = torch.sigmoid(hidden @ conv2.weight[:, :, 0, 0].T + conv2.bias)
    return x * weight[:, :, None, None]


def test_channel_attention_none_is_linear_and_default_is_relu() -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 8, 3, 3)
    linear = MODELS.build(dict(type='ChannelAttention', in_channels=8, reduction=2,
                               act_cfg=None))
    with torch.no_grad():
        for m in linear.modules():  # negative pre-activations, where ReLU would differ
            if isinstance(m, nn.Conv2d):
                m.bias.fill_(-1.0)
        assert torch.allclose(linear(x), _by_hand(linear, x, lambda t: t), atol=1e-6)
        assert not torch.allclose(linear(x), _by_hand(linear, x, torch.relu), atol=1e-3)
        relu = MODELS.build(dict(type='ChannelAttention', in_channels=8, reduction=2))
        assert torch.allclose(relu(x), _by_hand(relu, x, torch.relu), atol=1e-6)


def _is_affine(model: nn.Module, shape: tuple) -> bool:
    """f(x + y) + f(0) == f(x) + f(y): true of a network with no activation."""
    x, y, zero = torch.randn(shape), torch.randn(shape), torch.zeros(shape)
    with torch.no_grad():
        return torch.allclose(model(x + y) + model(zero), model(x) + model(y), atol=1e-5)


def test_sisr_backbones_act_none_is_linear() -> None:
    torch.manual_seed(0)
    for cfg in (dict(type='VDSR', mid_channels=4, num_layers=3, out_kernel_size=3),
                dict(type='DRRN', mid_channels=4, num_units=3, fuse_channels=4,
                     out_kernel_size=3)):
        linear = MODELS.build(dict(cfg, act_cfg=None))
        default = MODELS.build(cfg)
        linear.init_weights()
        default.init_weights()
        assert _is_affine(linear, (1, 1, 6, 6)), cfg['type']
        assert not _is_affine(default, (1, 1, 6, 6)), cfg['type']


def test_fdr_resblock_act_none_is_linear() -> None:
    from irtoolbox.models.layers.fd_fa_layers import ResBlock
    torch.manual_seed(0)
    assert _is_affine(ResBlock(4, act_cfg=None), (1, 4, 5, 5))
    assert not _is_affine(ResBlock(4), (1, 4, 5, 5))
