"""DL-Net's mask-input autoencoder (Autoencoder+SFT, Tables IX-X): the mask
reaches the network, the parameter count matches a count by hand, and the
Restorer hands the batch to the backbone."""
import numpy as np
import pytest
import torch

import irtoolbox.models  # noqa: F401  (registers the parts)
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample

TINY = dict(type='SFTContextEncoderAE', channels=(4, 4, 4, 4), image_size=32,
            cond_channels=4, cond_mid_channels=4)


def box_sample(side, shift, hw=(32, 32)):
    """A sample as Degrade(BoxMask) records it: 0 in the side x side box."""
    mask = np.ones(hw, np.uint8)
    top, left = hw[0] // 2 + shift[0] - side // 2, hw[1] // 2 + shift[1] - side // 2
    mask[top:top + side, left:left + side] = 0
    params = dict(name='BoxMask', level=None, side=side, shift=list(shift), mask=mask)
    return RestorationDataSample(metainfo=dict(degradation_params=params, input_shape=hw))


def build(cfg):
    model = MODELS.build(cfg)
    model.init_weights()
    return model.eval()


def test_parameter_count_by_hand():
    # Paper widths; counted from the layer list of Sec. IV-E plus the SFT parts.
    enc = sum(a * b * 16 for a, b in [(3, 64), (64, 128), (128, 256), (256, 512)])
    enc += 2 * (64 + 128 + 256 + 512)                       # BatchNorm
    fc = 512 * 16 * 16
    dec = sum(a * b * 16 for a, b in [(512, 256), (256, 128), (128, 64)]) + 2 * (256 + 128 + 64)
    h = 64 * 3 * 16
    cond = (1 * 64 * 9 + 64) + (64 * 64 * 9 + 64) + (64 * 32 * 9 + 32)   # shared 3x3 convs
    sft = sum(2 * (32 * c + c) for c in (64, 128, 256, 512))           # gamma, beta 1x1 convs
    assert enc + fc + dec + h == 5_645_056                  # the plain autoencoder
    full = MODELS.build(dict(type='SFTContextEncoderAE'))
    g = MODELS.build(dict(type='SFTContextEncoderAE', with_output_layer=False))
    assert sum(p.numel() for p in full.parameters()) == enc + fc + dec + h + cond + sft == 5_764_448
    assert sum(p.numel() for p in g.parameters()) == enc + fc + dec + cond + sft


def test_mask_changes_output():
    torch.manual_seed(0)
    model = build(TINY)
    x = torch.randn(1, 3, 32, 32).repeat(3, 1, 1, 1)       # one image, three masks
    samples = [box_sample(6, (0, 0)), box_sample(14, (3, -4)), box_sample(6, (0, 0))]
    with torch.no_grad():
        y = model(x, samples)
    assert y.shape == (3, 3, 32, 32)
    diff = (y[0] - y[1]).abs().mean()
    assert diff > 0.05 * y[0].abs().mean(), 'a different mask must change the output'
    torch.testing.assert_close(y[0], y[2])                  # same mask, same output


def test_g_split_feeds_the_likelihood_head():
    torch.manual_seed(0)
    g = build(dict(TINY, with_output_layer=False))
    samples = [box_sample(6, (0, 0)), box_sample(10, (2, 2))]
    z = g(torch.randn(2, 3, 32, 32), samples)
    assert z.shape == (2, 4, 16, 16)                        # z: channels[0] at half size


def restorer(num_steps):
    return build(dict(
        type='Restorer', backbone=dict(TINY, with_output_layer=False),
        head=dict(type='LikelihoodHead', output_layer=dict(in_channels=4), num_steps=num_steps),
        losses=dict(rec=dict(type='MSELoss')),
        data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5)))


def test_restorer_passes_data_samples_to_the_backbone():
    torch.manual_seed(0)
    model = restorer(num_steps=3)
    x = torch.randn(1, 3, 32, 32).repeat(2, 1, 1, 1)
    out = model.forward_tensor(x, [box_sample(6, (0, 0)), box_sample(14, (3, -4))])
    assert out.shape == (2, 3, 32, 32)
    assert (out[0] - out[1]).abs().max() > 1e-6
    with pytest.raises(ValueError, match='degradation_params'):
        model.forward_tensor(x)                             # no samples: no mask


def test_unsupported_degradation_is_rejected():
    model = build(TINY)
    blur = RestorationDataSample(metainfo=dict(
        degradation_params=dict(name='GaussianBlur', sigma=1.0), input_shape=(32, 32)))
    with pytest.raises(ValueError, match='mask degradations'):
        model(torch.randn(1, 3, 32, 32), [blur])
    with pytest.warns(UserWarning, match='all-observed'):
        build(dict(TINY, on_missing='observed'))(torch.randn(1, 3, 32, 32))
