"""Restorer test_cfg self_ensemble=True: the x8 flips/rotations average.

Oracle: BasicSR's parametrisation of the eight views, written out here with
its own tensor ops (vertical flip, horizontal flip, transpose, in every
combination; undone in reverse order), which shares no code with
``self_ensemble.py`` (quarter turns after an optional left-right flip). For
Restormer (size divisor 8) each view is reflect-padded at its own bottom/right
and cropped before being undone, as the single-pass model is.
"""
import itertools

import pytest
import skimage.data
import torch
import torch.nn.functional as F

from irtoolbox.models.restorers.self_ensemble import check_self_ensemble_parts
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample

RESTORMER = dict(type='Restormer', dim=8, num_blocks=(1, 1, 1, 1), heads=(1, 1, 1, 1),
                 num_refinement_blocks=1)
RESIDUAL_CNN = dict(type='ResidualCNN', mid_channels=8, num_blocks=1)


def _photo(height, width):
    """A real crop of scikit-image's astronaut, 3 x H x W in [0, 1]."""
    return torch.from_numpy(skimage.data.astronaut()[100:100 + height, 150:150 + width].copy()
                            ).permute(2, 0, 1).float() / 255


def _basicsr_views():
    """(forward, inverse) pairs of the eight (vflip, hflip, transpose) combinations."""
    def make(v, h, t):
        ops = [op for flag, op in ((v, lambda x: x.flip(-2)), (h, lambda x: x.flip(-1)),
                                   (t, lambda x: x.transpose(-2, -1))) if flag]

        def forward(x):
            for op in ops:
                x = op(x)
            return x

        def inverse(x):
            for op in reversed(ops):  # each op is its own inverse
                x = op(x)
            return x
        return forward, inverse
    return [make(*flags) for flags in itertools.product((False, True), repeat=3)]


def _hand_ensemble(network, image, divisor):
    outs = []
    for forward, inverse in _basicsr_views():
        view = forward(image)
        height, width = view.shape[-2:]
        padded = F.pad(view, (0, -width % divisor, 0, -height % divisor), mode='reflect')
        outs.append(inverse(network(padded)[..., :height, :width]))
    return torch.stack(outs).mean(0)


def _predict(backbone, image, self_ensemble):
    torch.manual_seed(0)
    model = MODELS.build(dict(type='Restorer', backbone=backbone,
                              test_cfg=dict(self_ensemble=self_ensemble))).eval()
    data = model.data_preprocessor(dict(inputs=[image], data_samples=[RestorationDataSample()]))
    with torch.no_grad():
        out = model(data['inputs'], data['data_samples'], mode='predict')
    return model, out[0].pred_img


@pytest.mark.parametrize('backbone, divisor', [(RESIDUAL_CNN, 1), (RESTORMER, 8)])
def test_self_ensemble_equals_the_hand_written_eight_view_average(backbone, divisor):
    image = _photo(13, 21)  # odd sides: Restormer's views are padded, H and W swap
    model, pred = _predict(backbone, image, True)
    assert model.size_divisor == divisor
    with torch.no_grad():
        expected = _hand_ensemble(model.backbone, image[None], divisor)[0].clamp(0, 1)
    assert pred.shape == image.shape
    torch.testing.assert_close(pred, expected, rtol=0, atol=1e-6)
    _, single = _predict(backbone, image, False)
    assert (pred - single).abs().max() > 1e-4  # the ensemble did something


def test_self_ensemble_refuses_a_head_that_reads_the_degradation():
    head = MODELS.build(dict(type='LikelihoodHead', num_steps=2,
                             output_layer=dict(in_channels=8, out_channels=3)))
    with pytest.raises(ValueError, match='LikelihoodHead'):
        check_self_ensemble_parts([None, head])
