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
