"""tools/deployment/pytorch2onnx.py: ONNX round trips with onnxruntime (optional extra).

Oracle: the PyTorch network itself on the same input (onnxruntime must agree to
1e-4 on a 64 x 96 and a 128 x 80 image, padded to the model's size divisor as
``restore_image`` pads), one exported file serving both sizes (dynamic H, W).
Where PyTorch's own float32 result is further than 1e-4 from its float64 result
(the randomly initialised U-Net + InfoAccum: 3.4e-4), ONNX must be within twice
that of the float64 result instead.
"""
import importlib.util
import math
import os.path as osp

import pytest
import torch
import torch.nn as nn
from conftest import DEMO_CONFIG, REPO_ROOT

from irtoolbox.models.part_protocol import part_attribute

pytest.importorskip('onnx', reason='the onnx extra is not installed (pip install -e .[onnx])')
pytest.importorskip('onnxruntime',
                    reason='the onnx extra is not installed (pip install -e .[onnx])')

TOOL = osp.join(REPO_ROOT, 'tools', 'deployment', 'pytorch2onnx.py')
CONFIGS = {
    'ResidualCNN': (DEMO_CONFIG, {'model.backbone.mid_channels': 8,
                                  'model.backbone.num_blocks': 1}),
    'U-Net + InfoAccum': ('configs/infoaccum/infoaccum_unet5-c16-ia15k2-subpix-lsgan_'
                          '1xb2-1000it_demo-blur-noise-jpeg.py', None),
    'FDR-Net + GDN': ('configs/fdrnet/fdrnet_c16p2_1xb8-300it_demo-hybrid.py', None),
    'Restormer': ('configs/idr/restormer_d12_1xb5-400it_demo-five-tasks.py', None),
    # IDR: SDAM + meta-prior plugins (stage 2 at test time: the classifier's mixture)
    'IDR U-Net + SDAM/MPL': ('configs/idr/idr_unet5-c16-sdam-mpl_1xb5-400it_demo-five-tasks.py',
                             None),
    'IDR Restormer + SDAM/MPL': (
        'configs/idr/idr_restormer-d12-2e1d-n24_1xb5-400it_demo-five-tasks.py', None),
}


def _tool():
    spec = importlib.util.spec_from_file_location('pytorch2onnx', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _padded(shape, divisor):
    channels, height, width = shape
    return (channels, math.ceil(height / divisor) * divisor, math.ceil(width / divisor) * divisor)


@pytest.mark.parametrize('name', list(CONFIGS))
def test_onnx_round_trip_on_two_sizes(name, tmp_path):
    from irtoolbox.apis.inference import init_model
    config, options = CONFIGS[name]
    config = osp.join(REPO_ROOT, config)
    torch.manual_seed(0)
    model = init_model(config, cfg_options=options)
    checkpoint = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    out = str(tmp_path / 'model.onnx')
    tool = _tool()
    channels = 3  # every model above restores RGB images
    divisor = model.size_divisor
    trace = _padded((channels, 64, 96), divisor)
    tool.convert(config, checkpoint, out, trace, check=False, cfg_options=options)
    network = tool.NetworkOnly(init_model(config, checkpoint, cfg_options=options)).eval()
    errors = tool.verify(network, out, [trace, _padded((channels, 128, 80), divisor)])
    assert len(errors) == 2 and all(e['ok'] for e in errors.values()), errors
    # 1e-4 itself, except where PyTorch's float32 rounding alone is larger (the U-Net)
    assert all(e['onnx'] < max(1e-4, 2 * e['float32']) for e in errors.values()), errors


def test_a_head_that_reads_the_samples_is_refused_by_name(tmp_path):
    from irtoolbox.apis.inference import init_model
    config = osp.join(REPO_ROOT, 'configs', 'dlnet', 'dlnet_unet-d4-c16-k5_1xb16-300it_demo64-'
                      'inpaint.py')
    with pytest.raises(TypeError, match=r'head.*LikelihoodHead'):
        _tool().refuse_unexportable_parts(init_model(config))


class _Eigh(nn.Module):
    """A part with no ONNX lowering (a symmetric eigendecomposition)."""

    def forward(self, x):
        gram = x.flatten(2) @ x.flatten(2).transpose(1, 2)
        return x * torch.linalg.eigvalsh(gram).mean()


def test_a_part_without_onnx_lowering_is_named(tmp_path):
    from irtoolbox.apis.inference import init_model
    tool = _tool()
    model = init_model(DEMO_CONFIG, cfg_options=CONFIGS['ResidualCNN'][1])
    model.backbone.body[0] = _Eigh()
    out = tmp_path / 'x.onnx'
    with pytest.raises(RuntimeError, match=r'cannot export backbone\.body\.0 \(_Eigh\)'):
        tool.export(tool.NetworkOnly(model).eval(), (3, 16, 16), str(out), 17)


# DL-Net with the head's refinement unrolled (--observation mask): inputs
# (input, mask, sigma); the context encoders take 64 x 64 only (input_size), so
# their second check is a second batch size instead of a second size.
DLNET_CONFIGS = {
    'DL-Net U-Net': 'dlnet_unet-d4-c16-k5_1xb16-300it_demo64-inpaint.py',
    'DL-Net FDR-Net': 'dlnet_fdrnet-c16p2-k5_1xb16-300it_demo64-inpaint.py',
    'DL-Net context encoder': 'dlnet_contextencoder-k5_1xb16-300it_demo64-interp.py',
    'DL-Net SFT context encoder': 'dlnet_contextencoder-sft-k5_1xb16-300it_demo64-inpaint.py',
}


@pytest.mark.parametrize('name', list(DLNET_CONFIGS))
def test_dlnet_round_trip_with_the_refinement_unrolled(name, tmp_path):
    from irtoolbox.apis.inference import init_model
    from irtoolbox.utils.setup_env import init_weights_quietly
    config = osp.join(REPO_ROOT, 'configs', 'dlnet', DLNET_CONFIGS[name])
    torch.manual_seed(0)
    model = init_model(config)
    init_weights_quietly(model)
    checkpoint = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    out = str(tmp_path / 'model.onnx')
    tool = _tool()
    if part_attribute(model.backbone, 'input_size') is not None:
        shapes, batches = [(3, 64, 64), (3, 64, 64)], [1, 3]
    else:
        divisor = model.size_divisor
        shapes, batches = [_padded((3, 64, 96), divisor), _padded((3, 128, 80), divisor)], None
    tool.convert(config, checkpoint, out, shapes[0], check=False, observation='mask')
    network = tool.build_network(init_model(config, checkpoint), 'mask')
    errors = tool.verify(network, out, shapes, batches)
    assert len(errors) == 2 and all(e['ok'] for e in errors.values()), errors
    assert all(e['onnx'] < 1e-4 for e in errors.values()), errors
    import onnx
    meta = {p.key: p.value for p in onnx.load(out).metadata_props}
    assert meta['observation'] == 'mask' and meta['num_steps'] == '5', meta
    assert [i.name for i in onnx.load(out).graph.input] == ['input', 'mask', 'sigma']


def test_the_released_idr_network_is_refused_naming_its_svd(tmp_path):
    from irtoolbox.apis.inference import init_model
    config = osp.join(REPO_ROOT, 'configs', 'idr', 'idr_released-d12_1xb5-400it_demo-five-tasks.py')
    tool = _tool()
    network = tool.build_network(init_model(config))
    with pytest.raises(RuntimeError, match=r"cannot export backbone.*IDRReleased.*linalg_svd"):
        tool.export(network, (3, 64, 64), str(tmp_path / 'x.onnx'), 17)
