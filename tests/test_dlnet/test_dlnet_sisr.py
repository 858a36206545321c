"""SISR through the data pipeline and the restorer: a demo photograph, its Y
channel, blur + bicubic x2 recorded by Degrade; the likelihood head's W is
that degradation (W h(z) of the ground truth equals the input), and a tiny
VDSR + head refines a prediction whose degradation moves towards the input."""
import glob
import os.path as osp

import numpy as np
import torch

from irtoolbox.datasets.transforms import (
    CenterCrop,
    Degrade,
    LoadImageFromFile,
    PackInputs,
    ToYChannel,
)
from irtoolbox.models.heads.observation_model import ObservationModel
from irtoolbox.registry import MODELS


def _samples(demo_data, n=2):
    paths = sorted(glob.glob(osp.join(str(demo_data), 'val', 'gt', '*.png')))[:n]
    steps = [LoadImageFromFile(key='gt', channel_order='rgb'), CenterCrop(24),
             ToYChannel(keys=('gt',)),
             Degrade(dict(type='Downsample', scale=2, kernel=dict(sigma_range=(0.5, 2.5)))),
             PackInputs()]
    out = []
    for i, path in enumerate(paths):
        np.random.seed(i)
        results = dict(gt_path=path, img_path=path, channel_order='rgb')
        for step in steps:
            results = step(results)
        out.append(results)
    return out


def test_y_channel_is_bt601(demo_data):
    path = sorted(glob.glob(osp.join(str(demo_data), 'val', 'gt', '*.png')))[0]
    rgb = LoadImageFromFile(key='gt', channel_order='rgb')(dict(gt_path=path))['gt']
    y = ToYChannel()(dict(gt=rgb.copy(), channel_order='rgb'))['gt']
    r, g, b = (rgb[..., c].astype(np.float64) for c in range(3))
    expected = (16 + 65.481 * r + 128.553 * g + 24.966 * b) / 255  # MATLAB rgb2ycbcr / 255
    assert y.shape == rgb.shape[:2] + (1,)
    np.testing.assert_allclose(y[..., 0], expected, atol=1e-6)


def test_sisr_w_is_the_recorded_degradation_and_refinement_helps(demo_data):
    packed = _samples(demo_data)
    inputs = torch.stack([p['inputs'] for p in packed])             # N x 1 x 12 x 12
    gts = torch.stack([p['data_samples'].gt_img for p in packed])  # N x 1 x 24 x 24
    samples = [p['data_samples'] for p in packed]
    for s in samples:
        s.set_metainfo(dict(input_shape=tuple(inputs.shape[-2:])))
    assert samples[0].degradation_params['blur']['sigma'] != samples[1].degradation_params[
        'blur']['sigma']
    # W(gt) = the input (the pipeline clips to [0, 1]; these smooth photos stay inside)
    assert float(ObservationModel(samples, inputs).fidelity(gts)) < 1e-10
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='Restorer', backbone=dict(type='VDSR', scale=2, mid_channels=8, num_layers=4,
                                       with_output_layer=False),
        head=dict(type='LikelihoodHead', num_steps=1, step_size=1e-2,
                  output_layer=dict(in_channels=8, out_channels=1, kernel_size=5, stride=2,
                                    padding=2, output_padding=1, global_skip='bicubic'))))
    model.init_weights()
    model.eval()
    fidelity = []
    for k in (1, 5):
        model.head.num_steps = k
        with torch.no_grad():
            pred = model.forward_tensor(inputs, samples)
        assert pred.shape == gts.shape
        fidelity.append(float(ObservationModel(samples, inputs).fidelity(pred)))
    assert fidelity[1] < fidelity[0]
