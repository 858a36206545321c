"""The restricted NVlabs snapshot reader on pickles built here in the
``torch_utils.persistence`` format (reference FACTS.md sec. 6)."""
import json
import os
import pickle
import sys
import types
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch

from irtoolbox.models.generators.stylegan2 import StyleGAN2Generator
from irtoolbox.utils.nvlabs_pickle import NVlabsPickleError, load_nvlabs_generator

REF = Path(__file__).resolve().parents[2].parent / 'shared' / 'reference' / 'stylegan2' / 'tiny'
pytestmark = pytest.mark.skipif(not REF.is_dir(), reason='needs ../shared/reference/stylegan2')


class Persistent:
    """Pickles as NVlabs' persistent classes do: a call _reconstruct_persistent_obj(meta)."""

    def __init__(self, meta: dict, reconstruct) -> None:
        self.meta, self.reconstruct = meta, reconstruct

    def __reduce__(self):
        return self.reconstruct, (self.meta,)


def fake_nvlabs_modules(monkeypatch, reconstruct_body):
    """Importable ``torch_utils.persistence`` and ``dnnlib.util`` while the test pickles."""
    persistence = types.ModuleType('torch_utils.persistence')
    reconstruct_body.__module__ = 'torch_utils.persistence'
    reconstruct_body.__qualname__ = reconstruct_body.__name__ = '_reconstruct_persistent_obj'
    persistence._reconstruct_persistent_obj = reconstruct_body
    util = types.ModuleType('dnnlib.util')
    easy = type('EasyDict', (dict,), {'__module__': 'dnnlib.util'})
    util.EasyDict = easy
    for name, mod in (('torch_utils', types.ModuleType('torch_utils')),
                      ('torch_utils.persistence', persistence),
                      ('dnnlib', types.ModuleType('dnnlib')), ('dnnlib.util', util)):
        monkeypatch.setitem(sys.modules, name, mod)
    return reconstruct_body, easy


def record(module, name, reconstruct, module_src, extra=None) -> Persistent:
    state = {'_parameters': OrderedDict(module._parameters),
             '_buffers': OrderedDict(module._buffers),
             '_modules': OrderedDict((k, record(v, type(v).__name__, reconstruct, module_src))
                                     for k, v in module._modules.items()),
             '_non_persistent_buffers_set': set(), 'training': False,
             'weight_gain': np.float64(0.125), **(extra or {})}
    return Persistent(dict(type='class', version=4, module_src=module_src, class_name=name,
                           state=state), reconstruct)


def write_snapshot(tmp_path, monkeypatch, module_src: str) -> Path:
    meta = json.loads((REF / 'meta.json').read_text())['generator_kwargs']
    syn = meta['synthesis_kwargs']
    gen = StyleGAN2Generator(resolution=32, z_dim=64, w_dim=64, mapping_layers=2,
                             channel_base=syn['channel_base'], channel_max=syn['channel_max'])
    gen.load_state_dict(torch.load(REF / 'state_dict.pt', weights_only=True))

    def reconstruct(meta):  # NVlabs' behaviour: run the embedded module source
        exec(meta['module_src'], {})
        return meta

    with monkeypatch.context() as m:
        reconstruct, easy = fake_nvlabs_modules(m, reconstruct)
        kwargs = easy(meta, mapping_kwargs=easy(meta['mapping_kwargs']),
                      synthesis_kwargs=easy(syn))
        g_ema = record(gen, 'Generator', reconstruct, module_src, {'_init_kwargs': kwargs})
        path = tmp_path / 'network-snapshot.pkl'
        path.write_bytes(pickle.dumps({'G_ema': g_ema, 'training_set_kwargs': easy(res=32)},
                                      protocol=4))
    assert 'torch_utils' not in sys.modules   # the reader cannot fall back on NVlabs code
    return path


def test_reads_tensors_bit_equal_and_never_runs_module_src(tmp_path, monkeypatch) -> None:
    marker = tmp_path / 'ran.txt'
    path = write_snapshot(tmp_path, monkeypatch, f"open({str(marker)!r}, 'w').write('ran')")
    gen = load_nvlabs_generator(str(path))
    assert not marker.exists()
    ref = torch.load(REF / 'state_dict.pt', weights_only=True)
    got = gen.state_dict()
    assert list(got) and set(got) == set(ref)
    for key, tensor in ref.items():
        assert torch.equal(got[key], tensor), key
    # the payload is real: NVlabs' own unpickling path runs it
    with monkeypatch.context() as m:
        fake_nvlabs_modules(m, lambda meta: exec(meta['module_src'], {}))
        with open(path, 'rb') as f:
            pickle.load(f)
    assert marker.read_text() == 'ran'


class SystemCall:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_refuses_os_system(tmp_path) -> None:
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pkl'
    path.write_bytes(pickle.dumps({'G_ema': SystemCall(f'touch {marker}')}, protocol=4))
    with pytest.raises(NVlabsPickleError, match=r'refused global (posix|nt)\.system'):
        load_nvlabs_generator(str(path))
    assert not marker.exists()


def test_converter_script(tmp_path, monkeypatch) -> None:
    """tools/model_converters/stylegan2_nvlabs.py: .pkl -> checkpoint the config loads;
    a config whose conv_clamp differs from the pickled kwargs is refused."""
    import importlib.util
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        'stylegan2_nvlabs', root / 'tools' / 'model_converters' / 'stylegan2_nvlabs.py')
    conv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conv)
    path = write_snapshot(tmp_path, monkeypatch, 'pass')
    gen = ("dict(type='StyleGAN2Generator', resolution=32, z_dim=64, w_dim=64, "
           "mapping_layers=2, channel_base=512, channel_max=64{})")
    good, bad = tmp_path / 'good.py', tmp_path / 'bad.py'
    good.write_text(f'model = {gen.format("")}\n')
    bad.write_text(f'model = {gen.format(", conv_clamp=256")}\n')
    out = tmp_path / 'out.pth'
    assert conv.main([str(path), str(out), '--config', str(good), '--part', '']) == 0
    ref = torch.load(REF / 'state_dict.pt', weights_only=True)
    state = torch.load(out, weights_only=True)['state_dict']
    assert all(torch.equal(state[k], v) for k, v in ref.items()) and len(state) == len(ref)
    assert conv.main([str(path), str(tmp_path / 'x.pth'), '--config', str(bad),
                      '--part', '']) == 1
    assert not (tmp_path / 'x.pth').exists()
