"""tools/deployment/pytorch2onnx.py's helpers that need no onnx (they run in CI).

- The default trace shape takes the image channels from the backbone's first
  convolution *outside its plugins*: a plugin stack is registered first, so
  the first ``nn.Conv2d`` of ``modules()`` can be a plugin's (the IDR U-Net's
  SDAM takes 16 feature channels). Oracle: the configs' image channels
  (3 RGB, 6 dual-pixel, 1 grey).
- Locating the failing part re-runs the network with forward pre-hooks on
  every submodule; the hooks must leave the forward as it is (a pre-hook that
  returns its arguments replaces the input, so a module called twice, the
  plugin stack, got its first call's input again). Oracle: the network's
  output without hooks.
"""
import os.path as osp

import pytest
import torch
from conftest import REPO_ROOT, load_tool_module

from irtoolbox.apis.inference import init_model
from irtoolbox.models.plugins.plugin_stack import image_channels

TOOL = load_tool_module('tools/deployment/pytorch2onnx.py')
IDR_UNET = 'configs/idr/idr_unet5-c16-sdam-mpl_1xb5-400it_demo-five-tasks.py'


@pytest.mark.parametrize('config,channels', [
    (IDR_UNET, 3),
    # InfoAccum at the U-Net's input: encoder 1 reads its 183 channels, the plugin the image
    ('configs/infoaccum/infoaccum_unet5-ia15-subpix-lsgan_1xb1-32k_sidd.py', 3),
    # InfoAccum before encoder 2: the first conv of modules() is the plugin's (64 channels)
    ('configs/infoaccum/pix2pix_unet8-ia15-enc2_1xb1-140k_rain800.py', 3),
    ('configs/restormer/restormer_official-dp_1xb1_dpdd-dual-pixel-defocus.py', 6),
    ('configs/restormer/restormer_official-bf-gray_1xb1_gaussian-gray-denoise-s15.py', 1),
])
def test_trace_channels_are_the_image_channels(config, channels):
    model = init_model(osp.join(REPO_ROOT, config))
    assert image_channels(model.backbone) == channels


def test_locating_hooks_leave_the_forward_unchanged():
    torch.manual_seed(0)
    network = TOOL.NetworkOnly(init_model(osp.join(REPO_ROOT, IDR_UNET))).eval()
    x = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        expected = network(x)
    captured = TOOL._captured_inputs(network, (x,))
    assert captured['backbone.encoders.0'][0].shape[1] == 3
    assert captured['backbone.encoders.1'][0].shape[1] == 16  # the plugins' output at level 2
    with torch.no_grad():
        assert torch.equal(network(x), expected)  # no hook left behind either
