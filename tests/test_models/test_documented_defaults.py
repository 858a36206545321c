"""Issue 17 part 5: each documented default is the signature's
(``irtoolbox.testing.default_mismatches``). The parts still documenting
``None`` as "the default layer" are listed; a new mismatch fails, and fixing
one means deleting its line here."""
from types import MappingProxyType
from typing import Optional

import irtoolbox.models  # noqa: F401  (registers every part)
from irtoolbox.registry import MODELS
from irtoolbox.testing import default_mismatches

# Remaining None-as-default places (issue 17 part 5, not yet converted).
KNOWN = {}


class _Documented:
    """Two planted faults (c, e) among checkable and prose defaults.

    Args:
        a: width. Default: 16.
        b: activation. Default: ``dict(type='ReLU')``.
        c: norm. Default: ``dict(type='BN')``.
        d: prose is skipped. Default: LeakyReLU(0.05).
        e: order. Default: ``('conv', 'act')``.
    """

    def __init__(self, a: int = 16, b: Optional[dict] = MappingProxyType(dict(type='ReLU')),
                 c: Optional[dict] = None, d: Optional[dict] = None,
                 e: tuple = ('conv', 'norm')) -> None:
        pass


def test_default_mismatches_finds_planted_faults() -> None:
    assert default_mismatches(_Documented) == [
        ('c', {'type': 'BN'}, None), ('e', ('conv', 'act'), ('conv', 'norm'))]


def test_registered_parts_document_their_real_defaults() -> None:
    found = {}
    for name, cls in sorted(MODELS.module_dict.items()):
        if cls.__module__.startswith('irtoolbox'):
            mismatches = default_mismatches(cls)
            if mismatches:
                found[name] = [arg for arg, _, _ in mismatches]
    assert found == KNOWN
