"""The registries: scope, lazy locations, close-name suggestions."""
import subprocess
import sys

import pytest

from irtoolbox.registry import DEGRADATIONS, MODELS, UnknownTypeError


def test_unknown_type_names_close_matches():
    with pytest.raises(UnknownTypeError) as info:
        MODELS.build(dict(type='ResidualCN'))
    assert 'ResidualCNN' in str(info.value)
    assert "'ResidualCN'" in str(info.value)


def test_unknown_type_with_no_close_name_says_how_to_register():
    with pytest.raises(KeyError) as info:
        DEGRADATIONS.build(dict(type='Zzzzzzzz'))
    assert 'register_module' in str(info.value)


def test_contains_does_not_raise():
    assert 'ResidualCNN' in MODELS
    assert 'NoSuchThing' not in MODELS


def test_lookup_imports_only_its_location():
    code = ('import sys; from irtoolbox.registry import MODELS; MODELS.get("ResidualCNN"); '
            'print("irtoolbox.datasets" in sys.modules, "irtoolbox.models" in sys.modules)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ['False', 'True']
