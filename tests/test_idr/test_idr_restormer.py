"""Restormer backbone: the published parameter count, MDTA, LayerNorm, odd sizes.

Oracles: Restormer's published size (26.13 M parameters for dim 48, blocks
[4, 6, 6, 8], 4 refinement blocks, heads [1, 2, 4, 8], bias-free convs);
``torch.nn.functional.layer_norm`` over the channel axis; a softmax row sums
to one; the preprocessor's pad/crop contract for sizes not multiple of 8.
"""
import pytest
import torch
import torch.nn.functional as F

from irtoolbox.models.backbones.restormer import MDTA, Restormer
from irtoolbox.models.layers.channel_layer_norm import ChannelLayerNorm
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample

TINY = dict(type='Restormer', dim=8, num_blocks=(1, 1, 1, 1), heads=(1, 1, 1, 1),
            num_refinement_blocks=1)


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_published_restormer_has_26_13_m_parameters():
    model = Restormer(dim=48, num_blocks=(4, 6, 6, 8), num_refinement_blocks=4,
                      heads=(1, 2, 4, 8), bias=False)
    assert abs(_count(model) - 26.13e6) / 26.13e6 < 0.005, _count(model)


def test_idr_trimmed_restormer_is_about_6_7_m():
    model = Restormer(dim=32, num_blocks=(2, 3, 3, 4), num_refinement_blocks=2)
    assert abs(_count(model) - 6.7e6) / 6.7e6 < 0.01, _count(model)


@pytest.mark.parametrize('heads', [1, 2, 4])
def test_mdta_attention_rows_sum_to_one_and_output_keeps_size(heads):
    torch.manual_seed(0)
    mdta = MDTA(8, heads)
    with torch.no_grad():
        mdta.temperature.uniform_(0.5, 3.0)
    x = torch.randn(2, 8, 5, 7)
    attn, _ = mdta.attention_map(x)
    assert attn.shape == (2, heads, 8 // heads, 8 // heads)
    torch.testing.assert_close(attn.sum(-1), torch.ones(2, heads, 8 // heads))
    assert mdta(x).shape == x.shape


def test_mdta_is_channel_attention_with_l2_normalised_q_k():
    """Independent computation of Eq. (2) with einsum, one head of C channels."""
    torch.manual_seed(1)
    mdta = MDTA(4, 1, bias=True)
    with torch.no_grad():
        mdta.temperature.fill_(2.5)
    x = torch.randn(1, 4, 3, 3)
    qkv = mdta.qkv_dwconv(mdta.qkv(x)).flatten(2)[0]
    q, k, v = qkv[:4], qkv[4:8], qkv[8:]
    q = q / q.norm(dim=1, keepdim=True)
    k = k / k.norm(dim=1, keepdim=True)
    a = torch.softmax(torch.einsum('ip,jp->ij', q, k) * 2.5, dim=1)
    expected = F.conv2d(torch.einsum('ij,jp->ip', a, v).reshape(1, 4, 3, 3),
                        mdta.project_out.weight, mdta.project_out.bias)
    torch.testing.assert_close(mdta(x), expected)


def test_channel_layernorm_matches_torch_layernorm_over_channels():
    torch.manual_seed(2)
    x = torch.randn(2, 6, 4, 5) * 3 + 1
    norm = ChannelLayerNorm(6)
    with torch.no_grad():
        norm.weight.uniform_(0.5, 2)
        norm.bias.uniform_(-1, 1)
    expected = F.layer_norm(x.permute(0, 2, 3, 1), (6,), norm.weight, norm.bias, eps=1e-5)
    torch.testing.assert_close(norm(x), expected.permute(0, 3, 1, 2))
    free = ChannelLayerNorm(6, bias=False)
    std = torch.sqrt(x.var(1, unbiased=False, keepdim=True) + 1e-5)
    torch.testing.assert_close(free(x), x / std)  # no mean subtraction, no offset


def test_norm_type_is_a_config_and_changes_the_parameter_count():
    with_bias = MODELS.build(dict(TINY))
    bias_free = MODELS.build(dict(TINY, norm_cfg=dict(type='ChannelLayerNorm', bias=False)))
    norms = sum(isinstance(m, ChannelLayerNorm) for m in with_bias.modules())
    # one bias vector per LayerNorm goes away; 2 norms per block
    widths = sum(m.weight.numel() for m in with_bias.modules() if isinstance(m, ChannelLayerNorm))
    assert _count(with_bias) - _count(bias_free) == widths and norms == 2 * 8


def test_restorer_gives_odd_sized_inputs_back_at_their_size():
    torch.manual_seed(3)
    model = MODELS.build(dict(type='Restorer', backbone=dict(TINY),
                              losses=dict(l1=dict(type='L1Loss'))))
    assert model.data_preprocessor.pad_size_divisor == 8
    data = dict(inputs=[torch.rand(3, 13, 21)],
                data_samples=[RestorationDataSample(gt_img=torch.rand(3, 13, 21))])
    data = model.data_preprocessor(data, False)
    assert data['inputs'].shape[-2:] == (16, 24)
    model.eval()
    with torch.no_grad():
        out = model(data['inputs'], data['data_samples'], mode='predict')
    assert out[0].pred_img.shape == (3, 13, 21)


def test_backbone_refuses_sizes_not_multiple_of_8_with_a_clear_error():
    with pytest.raises(ValueError, match='multiples of 8'):
        MODELS.build(dict(TINY))(torch.rand(1, 3, 12, 16))


def test_plugin_positions_are_checked():
    with pytest.raises(ValueError, match='valid positions'):
        MODELS.build(dict(TINY, plugins=[dict(cfg=dict(type='ChannelLayerNorm'),
                                              position='enc4')]))
