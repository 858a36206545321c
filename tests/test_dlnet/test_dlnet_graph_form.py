"""DL-Net's graph form (the ONNX export's ``--observation mask``) against the
model run on recorded samples.

``tools/deployment/pytorch2onnx.py`` gives a DL-Net restorer its observation
as tensors (``mask`` N x 1 x H x W, ``sigma`` N) and unrolls the head's K - 1
Adam steps with closed-form gradients (:meth:`LikelihoodHead.forward_observed`),
so that a graph holds them. Oracle: the restorer's own forward on data samples
whose ``degradation_params`` record the same Bernoulli masks and noise (the
path training and ``tools/test.py`` run: chunks, phase grid, autograd where h
has a tanh). They must agree to float rounding, and the refinement must matter
(the output differs from the reference network h(g(y)) by far more).
Runs without the onnx extra: only the PyTorch side is compared here.
"""
import cv2
import numpy as np
import pytest
import skimage.data
import torch
from conftest import REPO_ROOT, load_tool_module

from irtoolbox.apis.inference import init_model
from irtoolbox.structures import RestorationDataSample
from irtoolbox.utils.setup_env import init_weights_quietly

TOOL = load_tool_module('tools/deployment/pytorch2onnx.py')
DLNET = f'{REPO_ROOT}/configs/dlnet/'
# config, image size, padded size (size_divisor 16 pads the U-Net's 60 x 52)
CASES = {
    'U-Net (tanh h), padded': ('dlnet_unet-d4-c16-k5_1xb16-300it_demo64-inpaint.py',
                               (60, 52), (64, 64)),
    'FDR-Net, global skip': ('dlnet_fdrnet-c16p2-k5_1xb16-300it_demo64-inpaint.py',
                             (60, 52), (60, 52)),
    'context encoder, interpolation': ('dlnet_contextencoder-k5_1xb16-300it_demo64-interp.py',
                                       (64, 64), (64, 64)),
    'SFT context encoder (reads the mask)': (
        'dlnet_contextencoder-sft-k5_1xb16-300it_demo64-inpaint.py', (64, 64), (64, 64)),
    'context encoder, paste observed': (
        'dlnet_contextencoder-k5-paste_1xb100-500k_celeba64-inpaint.py', (64, 64), (64, 64)),
}


def degraded_batch(hw, padded):
    """Two photographs with 30 % Bernoulli holes, the first with noise sigma 25:
    (normalised padded inputs, samples recording it, masks, sigmas)."""
    rng = np.random.default_rng(0)
    inputs, samples, masks = [], [], []
    sigmas = [25.0, 0.0]
    for image, sigma in zip((skimage.data.astronaut(), skimage.data.coffee()), sigmas):
        x = cv2.resize(image, hw[::-1], interpolation=cv2.INTER_AREA).astype(np.float32) / 255
        mask = (rng.random(hw) >= 0.3).astype(np.uint8)
        y = x * mask[..., None] + (rng.normal(0, sigma / 255, x.shape) if sigma else 0)
        ops = [dict(name='BernoulliMask', drop=0.3, seed=0, mask=mask)]
        ops += [dict(name='GaussianNoise', sigma=sigma)] if sigma else []
        samples.append(RestorationDataSample(metainfo=dict(
            degradation_params=dict(name='Compose', ops=ops), input_shape=hw)))
        pad = (0, padded[1] - hw[1], 0, padded[0] - hw[0])
        inputs.append(torch.nn.functional.pad(
            torch.from_numpy((y.transpose(2, 0, 1) - 0.5) / 0.5).float(), pad))
        masks.append(torch.nn.functional.pad(torch.from_numpy(mask).float()[None], pad))
    return torch.stack(inputs), samples, torch.stack(masks), torch.tensor(sigmas)


@pytest.mark.parametrize('case', list(CASES))
def test_graph_form_equals_the_model_on_recorded_samples(case):
    config, hw, padded = CASES[case]
    torch.manual_seed(0)
    model = init_model(DLNET + config)
    init_weights_quietly(model)
    model.eval()
    inputs, samples, masks, sigmas = degraded_batch(hw, padded)
    network = TOOL.build_network(model, 'mask')
    with torch.no_grad():
        expected = model.forward_tensor(inputs, samples)[..., :hw[0], :hw[1]]
        got = network(inputs, masks, sigmas)[..., :hw[0], :hw[1]]
        model.head.num_steps = 1  # the reference network: no refinement
        plain = network(inputs, masks, sigmas)[..., :hw[0], :hw[1]]
    scale = max(1.0, float(expected.abs().max()))
    error = float((got - expected).abs().max())
    assert error < 1e-5 * scale, (case, error)
    if not model.head.paste_observed:  # pasting hides the refinement on observed pixels
        assert float((plain - expected).abs().max()) > 100 * max(error, 1e-7), case


def test_sisr_and_autograd_only_heads_are_refused_by_name():
    vdsr = init_model(DLNET + 'dlnet_vdsr-k5_x2_1xb64-300k_91-bsd400-blur-y.py')
    with pytest.raises(TypeError, match=r'head \(LikelihoodHead\) with --observation mask.*SISR'):
        TOOL.build_network(vdsr, 'mask')
    unet = init_model(DLNET + CASES['U-Net (tanh h), padded'][0])
    with pytest.raises(TypeError, match=r'head \(LikelihoodHead\).*--observation mask'):
        TOOL.build_network(unet)  # without the observation inputs
    unet.head.output_layer.out_act = torch.nn.GELU()
    with pytest.raises(TypeError, match=r"h's output activation GELU"):
        TOOL.build_network(unet, 'mask')
