"""Every mmengine root registry has an irtoolbox child.

mmengine warns "Failed to search registry with scope irtoolbox in the X
registry tree" whenever a config in the irtoolbox scope builds from a tree
without such a child; the root list is read from mmengine, so a root added by
a newer mmengine is checked too.
"""
import mmengine.registry as mm
import pytest
from mmengine.registry import Registry

import irtoolbox.registry as ours

ROOTS = sorted(name for name, obj in vars(mm).items()
               if isinstance(obj, Registry) and obj.parent is None)


def test_mmengine_roots_were_found():
    assert {'OPTIMIZERS', 'PARAM_SCHEDULERS', 'LOG_PROCESSORS', 'HOOKS'} <= set(ROOTS)


@pytest.mark.parametrize('name', ROOTS)
def test_root_has_an_irtoolbox_child_exported_under_the_same_name(name):
    root = getattr(mm, name)
    assert 'irtoolbox' in root.children, f'mmengine {name} has no irtoolbox child'
    child = getattr(ours, name, None)
    assert child is root.children['irtoolbox']


@pytest.mark.parametrize('name,type_name', [('OPTIMIZERS', 'Adam'),
                                            ('PARAM_SCHEDULERS', 'MultiStepLR'),
                                            ('LOG_PROCESSORS', 'LogProcessor'),
                                            ('VISUALIZERS', 'Visualizer'),
                                            ('VISBACKENDS', 'LocalVisBackend'),
                                            ('HOOKS', 'CheckpointHook')])
def test_empty_children_reach_mmengine_members(name, type_name):
    import mmengine.runner  # noqa: F401  registers mmengine's members, as a Runner run does
    assert getattr(ours, name).get(type_name) is getattr(mm, name).get(type_name)
