"""tools/model_converters/restormer_official.py against the oracles made by running
swz30/Restormer (../shared/reference/restormer/, README there)."""
import glob
import os.path as osp
import re

import pytest
import torch
from conftest import load_tool_module

from irtoolbox.utils.model_conversion import build_model_from_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REF = osp.join(REPO, '..', 'shared', 'reference', 'restormer')
pytestmark = pytest.mark.skipif(not osp.isdir(REF), reason='needs ../shared/reference')


def load_tool():
    return load_tool_module('tools/model_converters/restormer_official.py')


def restormer_config(tmp_path, name, arguments):
    """A Restorer config with the Restormer the published kwargs describe."""
    backbone = dict(type='Restormer', in_channels=arguments['inp_channels'],
                    out_channels=arguments['out_channels'], dim=arguments['dim'],
                    num_blocks=tuple(arguments['num_blocks']),
                    num_refinement_blocks=arguments['num_refinement_blocks'],
                    heads=tuple(arguments['heads']), expansion=arguments['ffn_expansion_factor'],
                    bias=arguments['bias'],
                    norm_cfg=dict(type='ChannelLayerNorm',
                                  bias=arguments['LayerNorm_type'] == 'WithBias'),
                    dual_pixel=arguments['dual_pixel_task'])
    path = tmp_path / f'{name}.py'
    path.write_text(f"model = dict(type='Restorer', backbone={backbone!r}, "
                    "losses=dict(l1=dict(type='L1Loss')), "
                    "data_preprocessor=dict(type='RestorationDataPreprocessor'))\n")
    return str(path)


@pytest.mark.parametrize('name', ['tiny_withbias_rgb', 'tiny_biasfree_gray', 'tiny_dualpixel'])
def test_tiny_oracle_output(tmp_path, name):
    oracle = torch.load(osp.join(REF, f'{name}.pth'), weights_only=True)
    src = tmp_path / 'official.pth'
    torch.save(oracle['checkpoint'], src)
    config = restormer_config(tmp_path, name, oracle['arguments'])
    out = tmp_path / 'converted.pth'
    assert load_tool().main([str(src), str(out), '--config', config]) == 0
    converted = torch.load(out, weights_only=True)
    assert converted['meta']['converter'] == 'restormer_official'
    assert converted['meta']['converted_from'] == 'official.pth'
    assert len(converted['meta']['source_sha256']) == 64
    model = build_model_from_config(config)
    model.load_state_dict(converted['state_dict'], strict=True)
    with torch.no_grad():
        pred = model.backbone.eval()(oracle['input'])
    assert torch.allclose(pred, oracle['output'], atol=1e-5), (pred - oracle['output']).abs().max()


def published_shapes():
    """{model name: [(key, shape)]} from published_keys.txt."""
    models, current = {}, None
    with open(osp.join(REF, 'published_keys.txt')) as f:
        for line in f:
            if line.startswith('## '):
                current = line[3:].split()[0]
                models[current] = []
            elif current and '\t' in line:
                key, shape = line.rstrip('\n').split('\t')
                models[current].append((key, tuple(int(s) for s in re.findall(r'\d+', shape))))
    return models


# (published shape in published_keys.txt, config under configs/restormer/): every config
# there, so a config of the wrong shape (LayerNorm, channels, dual-pixel) fails here.
PUBLISHED_CONFIGS = [
    ('published_withbias_rgb', 'restormer_official_1xb1_rain13k-derain.py'),
    ('published_withbias_rgb', 'restormer_official_1xb1_gopro-motion-deblur.py'),
    ('published_withbias_rgb', 'restormer_official_1xb1_gopro-motion-deblur-realblur.py'),
    ('published_withbias_rgb', 'restormer_official_1xb1_dpdd-single-image-defocus.py'),
    ('published_biasfree_rgb', 'restormer_official-bf_1xb1_sidd-real-denoise.py'),
    ('published_biasfree_rgb', 'restormer_official-bf_1xb1_gaussian-color-denoise-s15.py'),
    ('published_biasfree_rgb', 'restormer_official-bf_1xb1_gaussian-color-denoise-s25.py'),
    ('published_biasfree_rgb', 'restormer_official-bf_1xb1_gaussian-color-denoise-s50.py'),
    ('published_biasfree_rgb', 'restormer_official-bf_1xb1_gaussian-color-denoise-blind.py'),
    ('published_biasfree_gray', 'restormer_official-bf-gray_1xb1_gaussian-gray-denoise-s15.py'),
    ('published_biasfree_gray', 'restormer_official-bf-gray_1xb1_gaussian-gray-denoise-s25.py'),
    ('published_biasfree_gray', 'restormer_official-bf-gray_1xb1_gaussian-gray-denoise-s50.py'),
    ('published_biasfree_gray',
     'restormer_official-bf-gray_1xb1_gaussian-gray-denoise-blind.py'),
    ('published_dualpixel', 'restormer_official-dp_1xb1_dpdd-dual-pixel-defocus.py'),
]


def test_every_restormer_config_is_checked():
    configs = {osp.basename(p) for p in glob.glob(osp.join(REPO, 'configs', 'restormer', '*.py'))}
    assert configs == {config for _, config in PUBLISHED_CONFIGS}


@pytest.mark.parametrize('name,config_name', PUBLISHED_CONFIGS,
                         ids=[config for _, config in PUBLISHED_CONFIGS])
def test_published_shapes_load_strictly(tmp_path, name, config_name):
    """Zeros of the released shapes convert and load strictly into the config
    (the model is built on the meta device: names and shapes only)."""
    keys = published_shapes()[name]
    src = tmp_path / 'published.pth'
    torch.save({'params': {k: torch.zeros(s) for k, s in keys}}, src)
    config = osp.join(REPO, 'configs', 'restormer', config_name)
    model = build_model_from_config(config, device='meta')
    tool = load_tool()
    from irtoolbox.utils.model_conversion import convert_part
    state = convert_part(str(src), model, 'backbone', tool.restormer_rules())
    assert len(state) == len(keys) == len(model.backbone.state_dict())


def test_mismatch_named_and_unsafe_refused(tmp_path, capsys):
    oracle = torch.load(osp.join(REF, 'tiny_withbias_rgb.pth'), weights_only=True)
    config = restormer_config(tmp_path, 'cfg', oracle['arguments'])
    params = dict(oracle['checkpoint']['params'])
    params['output.weight'] = params['output.weight'][:, :-1]
    torch.save({'params': params}, tmp_path / 'bad.pth')
    tool = load_tool()
    assert tool.main([str(tmp_path / 'bad.pth'), str(tmp_path / 'o.pth'), '--config', config]) == 1
    err = capsys.readouterr().err
    assert "'output.weight'" in err and '(3, 15, 3, 3)' in err and '(3, 16, 3, 3)' in err
    assert not (tmp_path / 'o.pth').exists()

    class RunsCode:  # unpickling this would call os.system
        def __reduce__(self):
            import os
            return os.system, ('true',)
    torch.save({'params': params, 'x': RunsCode()}, tmp_path / 'evil.pth')
    assert tool.main([str(tmp_path / 'evil.pth'), str(tmp_path / 'o.pth'), '--config', config]) == 1
    err = capsys.readouterr().err
    assert 'Refusing to convert' in err and 'evil.pth' in err
    assert not (tmp_path / 'o.pth').exists()
