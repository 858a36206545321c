"""irtoolbox/utils/model_conversion.py: the pieces every converter is made of."""
import os

import pytest
import torch

from irtoolbox.utils.model_conversion import (
    ConversionError,
    check_state_dict,
    load_source,
    map_keys,
    save_converted,
    sha256_of,
    unwrap_state_dict,
)

W, B = torch.ones(2, 3), torch.zeros(2)


@pytest.mark.parametrize('container', [
    {'params': {'a': W}}, {'params_ema': {'a': W}}, {'state_dict': {'a': W}, 'meta': {}},
    {'a': W}, {'state_dict': {'module.a': W}}])
def test_unwrap_containers(container):
    assert list(unwrap_state_dict(container)) == ['a']


def test_unwrap_order_and_refusal():
    # both present: the first container named wins
    both = {'params': {'a': W}, 'params_ema': {'b': W}}
    assert list(unwrap_state_dict(both)) == ['a']
    assert list(unwrap_state_dict(both, containers=('params_ema', 'params'))) == ['b']
    with pytest.raises(ConversionError, match="found \\['optimizer'\\]"):
        unwrap_state_dict({'optimizer': {'lr': 1}})


def test_map_keys_first_rule_wins_and_collisions():
    rules = [(r'enc(\d)\.w', r'encoders.\1.weight'), (r'enc(\d)\.(.+)', r'e.\1.\2')]
    out = map_keys({'enc1.w': W, 'enc1.b': B, 'other': B}, rules)
    assert list(out) == ['encoders.1.weight', 'e.1.b', 'other']  # hand-written expectation
    with pytest.raises(ConversionError, match="'x' and 'y' both map to 'z'"):
        map_keys({'x': W, 'y': W}, [(r'[xy]', 'z')])


def test_check_state_dict_names_first_problem():
    expected = {'a': W, 'b': B}
    with pytest.raises(ConversionError, match=r"'b' \(2,\) is missing.*1 missing, 0 unexp"):
        check_state_dict(expected, {'a': W})
    with pytest.raises(ConversionError, match=r"'c' \(2,\) is unexpected"):
        check_state_dict(expected, {'a': W, 'b': B, 'c': B})
    with pytest.raises(ConversionError, match=r"'a' has shape \(3, 2\) .* but \(2, 3\)"):
        check_state_dict(expected, {'a': W.t(), 'b': B})
    check_state_dict(expected, {'b': B, 'a': W})


def test_save_is_atomic_and_meta_round_trips(tmp_path):
    src = tmp_path / 'src.bin'
    src.write_bytes(b'abc')
    # sha256('abc'), the FIPS 180-2 test vector
    assert sha256_of(str(src)).startswith('ba7816bf8f01cfea')
    out = tmp_path / 'out.pth'
    save_converted(str(out), {'a': W}, {'converter': 't'})
    assert set(os.listdir(tmp_path)) == {'src.bin', 'out.pth'}  # no temporary file left
    loaded = load_source(str(out))
    assert loaded['meta'] == {'converter': 't'} and torch.equal(loaded['state_dict']['a'], W)


def test_load_source_refuses_code(tmp_path):
    class RunsCode:
        def __reduce__(self):
            return os.system, ('true',)
    torch.save({'x': RunsCode()}, tmp_path / 'evil.pth')
    with pytest.raises(ConversionError, match='Refusing to convert .*evil.pth'):
        load_source(str(tmp_path / 'evil.pth'))
    with pytest.raises(ConversionError, match='no such file'):
        load_source(str(tmp_path / 'missing.pth'))


def test_config_that_cannot_build_is_one_message(tmp_path):
    from irtoolbox.utils.model_conversion import build_model_from_config
    bad = tmp_path / 'bad.py'
    bad.write_text("model = dict(backbone=dict(type='Restormer'))\n")  # no top-level type
    with pytest.raises(ConversionError, match='bad.py: cannot build its model: KeyError'):
        build_model_from_config(str(bad))
    with pytest.raises(ConversionError, match='cannot read the config'):
        build_model_from_config(str(tmp_path / 'missing.py'))
