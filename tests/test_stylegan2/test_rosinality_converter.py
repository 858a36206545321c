"""Rosinality -> NVlabs key mapping: a g_ema state dict built from rosinality's key
list (FACTS.md sec. 4/8, written out here) converts back to the NVlabs tiny weights."""
import importlib.util
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT.parent / 'shared' / 'reference' / 'stylegan2' / 'tiny'
pytestmark = pytest.mark.skipif(not REF.is_dir(), reason='needs ../shared/reference/stylegan2')
spec = importlib.util.spec_from_file_location(
    'stylegan2_rosinality', ROOT / 'tools' / 'model_converters' / 'stylegan2_rosinality.py')
conv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conv)


def rosinality_from_nvlabs(nv: dict) -> OrderedDict:
    """The rosinality g_ema layout (shapes with their leading singleton dims)."""
    ros = OrderedDict()
    for i in range(2):
        ros[f'style.{i + 1}.weight'] = nv[f'mapping.fc{i}.weight']
        ros[f'style.{i + 1}.bias'] = nv[f'mapping.fc{i}.bias']
    ros['input.input'] = nv['synthesis.b4.const'][None]

    def styled(src, dst, blur=False):
        ros[f'{src}.conv.weight'] = nv[f'{dst}.weight'][None]
        if blur:
            ros[f'{src}.conv.blur.kernel'] = nv[f'{dst}.resample_filter'] * 4
        ros[f'{src}.conv.modulation.weight'] = nv[f'{dst}.affine.weight']
        ros[f'{src}.conv.modulation.bias'] = nv[f'{dst}.affine.bias']
        ros[f'{src}.noise.weight'] = nv[f'{dst}.noise_strength'].reshape(1)
        ros[f'{src}.activate.bias'] = nv[f'{dst}.bias']

    def rgb(src, dst, up=False):
        ros[f'{src}.bias'] = nv[f'{dst}.bias'].reshape(1, 3, 1, 1)
        if up:
            ros[f'{src}.upsample.kernel'] = torch.full((4, 4), 0.0) + nv[
                'synthesis.b4.resample_filter'] * 4
        ros[f'{src}.conv.weight'] = nv[f'{dst}.weight'][None]
        ros[f'{src}.conv.modulation.weight'] = nv[f'{dst}.affine.weight']
        ros[f'{src}.conv.modulation.bias'] = nv[f'{dst}.affine.bias']

    styled('conv1', 'synthesis.b4.conv1')
    rgb('to_rgb1', 'synthesis.b4.torgb')
    ros['noises.noise_0'] = nv['synthesis.b4.conv1.noise_const'][None, None]
    for k, res in enumerate((8, 16, 32)):
        styled(f'convs.{2 * k}', f'synthesis.b{res}.conv0', blur=True)
        styled(f'convs.{2 * k + 1}', f'synthesis.b{res}.conv1')
        rgb(f'to_rgbs.{k}', f'synthesis.b{res}.torgb', up=True)
        ros[f'noises.noise_{2 * k + 1}'] = nv[f'synthesis.b{res}.conv0.noise_const'][None, None]
        ros[f'noises.noise_{2 * k + 2}'] = nv[f'synthesis.b{res}.conv1.noise_const'][None, None]
    return ros


def test_round_trip_bit_equal() -> None:
    nv = torch.load(REF / 'state_dict.pt', weights_only=True)
    ros = rosinality_from_nvlabs(nv)
    assert len(ros) == 69   # FACTS.md sec. 8 list for this size, blur kernels included
    out = conv.convert_rosinality(ros, nv['mapping.w_avg'], nv)
    assert list(out) == list(nv)
    for key, value in nv.items():
        assert torch.equal(out[key], value), key
