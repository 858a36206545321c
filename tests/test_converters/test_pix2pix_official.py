"""tools/model_converters/pix2pix_official.py against the oracles made by running
junyanz/pytorch-CycleGAN-and-pix2pix's networks.py (../shared/reference/pix2pix/)."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
from conftest import load_tool_module

from irtoolbox.utils.model_conversion import build_model_from_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REF = osp.join(REPO, '..', 'shared', 'reference', 'pix2pix')
pytestmark = pytest.mark.skipif(not osp.isdir(REF), reason='needs ../shared/reference')


def load_tool():
    return load_tool_module('tools/model_converters/pix2pix_official.py')


def gan_config(tmp_path, depth):
    path = tmp_path / f'pix2pix_d{depth}.py'
    path.write_text(
        "model = dict(type='GANRestorer', "
        f"backbone=dict(type='UNetGenerator', depth={depth}, base_channels=8, use_dropout=True), "
        "discriminator=dict(type='PatchDiscriminator', in_channels=6, base_channels=8), "
        "losses=dict(l1=dict(type='L1Loss')), "
        "data_preprocessor=dict(type='RestorationDataPreprocessor'))\n")
    return str(path)


def oracle_file(tmp_path, name):
    oracle = torch.load(osp.join(REF, f'{name}.pth'), weights_only=True)
    src = tmp_path / f'{name}_net.pth'
    torch.save(oracle['state_dict'], src)  # released files are bare state dicts
    return oracle, str(src)


def outputs(net, x):
    """(eval mode, BatchNorm on batch statistics with dropout off), as the oracle."""
    with torch.no_grad():
        eval_out = net.eval()(x)
        net.train()
        for module in net.modules():
            if isinstance(module, nn.Dropout):
                module.eval()
        return eval_out, net(x)


def check(net, oracle):
    eval_out, batch_out = outputs(net, oracle['input'])
    assert torch.allclose(eval_out, oracle['output_eval'], atol=1e-5), \
        (eval_out - oracle['output_eval']).abs().max()
    assert torch.allclose(batch_out, oracle['output_batch_stats'], atol=1e-5), \
        (batch_out - oracle['output_batch_stats']).abs().max()


def test_unet256_and_patchgan(tmp_path, capsys):
    g_oracle, g_src = oracle_file(tmp_path, 'unet256_ngf8')
    d_oracle, d_src = oracle_file(tmp_path, 'patchgan_basic_ndf8')
    config, out = gan_config(tmp_path, 8), tmp_path / 'converted.pth'
    assert load_tool().main([g_src, str(out), '--config', config, '--discriminator', d_src]) == 0
    assert 'unconverted' not in capsys.readouterr().out.lower()
    converted = torch.load(out, weights_only=True)
    model = build_model_from_config(config)
    model.load_state_dict(converted['state_dict'], strict=True)
    check(model.backbone, g_oracle)
    check(model.discriminator, d_oracle)
    assert [m['converted_from'] for m in converted['meta']['sources']] == [
        'unet256_ngf8_net.pth', 'patchgan_basic_ndf8_net.pth']


def test_unet128_generator_only(tmp_path, capsys):
    oracle, src = oracle_file(tmp_path, 'unet128_ngf8')
    config, out = gan_config(tmp_path, 7), tmp_path / 'converted.pth'
    assert load_tool().main([src, str(out), '--config', config]) == 0
    assert "NOT in the converted file (left to the config): ['discriminator']" in \
        capsys.readouterr().out
    converted = torch.load(out, weights_only=True)
    assert converted['meta']['unconverted_parts'] == ['discriminator']
    model = build_model_from_config(config)
    model.backbone.load_state_dict(
        {k[len('backbone.'):]: v for k, v in converted['state_dict'].items()}, strict=True)
    check(model.backbone, oracle)


def test_wrong_depth_names_key(tmp_path, capsys):
    _, src = oracle_file(tmp_path, 'unet128_ngf8')
    config = gan_config(tmp_path, 8)
    assert load_tool().main([src, str(tmp_path / 'o.pth'), '--config', config]) == 1
    assert 'is missing from the converted weights' in capsys.readouterr().err
    assert not (tmp_path / 'o.pth').exists()


def test_published_shapes_load_into_paper_config(tmp_path):
    """Zeros of the released ngf/ndf 64 shapes (published_keys.txt) convert and load strictly
    into the InfoAccum pix2pix UNet-8 config (meta device: names and shapes only)."""
    from irtoolbox.utils.model_conversion import convert_part
    tensors, current = {}, None
    with open(osp.join(REF, 'published_keys.txt')) as f:
        for line in f:
            if line.startswith('## '):
                current = '(G)' if '(G)' in line else '(D)'
                tensors[current] = {}
            elif current and '\t' in line:
                key, shape = line.rstrip('\n').split('\t')
                tensors[current][key] = torch.zeros(
                    [int(s) for s in shape.strip('()').split(',') if s.strip()])
    torch.save(tensors['(G)'], tmp_path / 'G.pth')
    torch.save(tensors['(D)'], tmp_path / 'D.pth')
    config = osp.join(REPO, 'configs', 'infoaccum', 'pix2pix_unet8-vanilla_1xb1-140k_rain800.py')
    model = build_model_from_config(config, device='meta')
    tool = load_tool()
    g = convert_part(str(tmp_path / 'G.pth'), model, 'backbone', tool.unet_rules)
    d = convert_part(str(tmp_path / 'D.pth'), model, 'discriminator', tool.DISCRIMINATOR_RULES)
    assert len(g) == 82 and len(d) == 22
