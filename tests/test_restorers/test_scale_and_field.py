"""``scale`` is each part's own output/input ratio and the restorer composes
backbone x neck x head; ``receptive_field`` is composed the same way and read by
tiled inference, which warns when the tile overlap is below it (issue 17 part 5).

Expected values by hand: IDN's g keeps the input size (1) and the head holding
its x2 transposed conv upscales (2); the context encoder's g ends at half the
input (1/2) before its x2 head; two ResidualCNNs with one block each have fields
9 and 9, so 9 + (9 - 1) = 17 in sequence.
"""
import warnings
from fractions import Fraction

import numpy as np
import pytest
import torch

import irtoolbox.models  # noqa: F401  (registers every part)
from irtoolbox.apis.inference import restore_image
from irtoolbox.models.layers.image_output import sisr_output_layer_cfg
from irtoolbox.models.restorers.restorer import composed_scale
from irtoolbox.registry import MODELS


def test_sisr_head_carries_the_upscaling():
    model = MODELS.build(dict(
        type='Restorer',
        backbone=dict(type='IDN', mid_channels=8, distill_channels=2, num_blocks=1, groups=2,
                      scale=2, out_kernel_size=5, with_output_layer=False),
        head=dict(type='LikelihoodHead', num_steps=1,
                  output_layer=sisr_output_layer_cfg(8, 1, 2, None, kernel_size=5))))
    assert (model.backbone.scale, model.head.scale, model.scale) == (1, 2, 2)
    whole = MODELS.build(dict(type='Restorer', backbone=dict(
        type='IDN', mid_channels=8, distill_channels=2, num_blocks=1, groups=2, scale=2,
        out_kernel_size=5)))
    assert whole.scale == 2


def test_context_encoder_g_is_half_size_and_the_head_doubles():
    model = MODELS.build(dict(
        type='Restorer',
        backbone=dict(type='ContextEncoderAE', channels=(4, 8), image_size=8,
                      with_output_layer=False),
        head=dict(type='LikelihoodHead', num_steps=1, output_layer=dict(in_channels=4))))
    assert model.backbone.scale == Fraction(1, 2) and model.head.scale == 2
    assert model.scale == 1
    with torch.no_grad():  # the declared ratios are the measured ones
        z = model.backbone(torch.zeros(1, 3, 8, 8))
    assert z.shape[-1] == 4


def test_a_fractional_total_is_refused():
    half = MODELS.build(dict(type='ContextEncoderAE', channels=(4, 8), image_size=8,
                             with_output_layer=False))
    with pytest.raises(ValueError, match='compose to scale 1/2'):
        composed_scale(half)


def _residual(blocks=1):
    return dict(type='ResidualCNN', mid_channels=4, num_blocks=blocks)


def test_receptive_fields_compose():
    assert MODELS.build(dict(type='Restorer', backbone=_residual())).receptive_field == 9
    chained = MODELS.build(dict(type='Restorer', backbone=_residual(), neck=_residual()))
    assert chained.receptive_field == 17
    unknown = MODELS.build(dict(type='Restorer', backbone=_residual(), head=dict(
        type='Conv2d', in_channels=3, out_channels=3, kernel_size=3, padding=1)))
    assert unknown.receptive_field is None


def test_tiled_inference_warns_below_the_field():
    torch.manual_seed(0)
    model = MODELS.build(dict(type='Restorer', backbone=_residual())).eval()
    image = (np.random.RandomState(0).rand(20, 20, 3) * 255).astype(np.uint8)
    with pytest.warns(UserWarning, match='overlap 4 is smaller than the receptive field 9'):
        restore_image(model, image, tile=12, tile_overlap=4, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        restore_image(model, image, tile=12, tile_overlap=8, progress=False)
