"""docs/plugins.md stays true: its example part runs and passes the house-style
checker of ``irtoolbox.testing``; the checker finds hand-planted faults. (The
table of backbone plugin points: ``test_plugin_points.py``.)"""
import os.path as osp
import re
from typing import Optional

import torch
import torch.nn as nn
from conftest import REPO_ROOT

from irtoolbox.registry import MODELS
from irtoolbox.testing import house_style_problems

DOC = osp.join(REPO_ROOT, 'docs', 'plugins.md')


def _doc() -> str:
    return open(DOC, encoding='utf-8').read()


def test_plugins_md_example_runs_and_follows_house_style() -> None:
    source = re.search(r'```python\n(# my_package/my_backbone\.py.*?)```', _doc(), re.S)
    assert source, f'no example part in {DOC}'
    MODELS.module_dict.pop('MyBackbone', None)  # allow a rerun in one process
    namespace = {'__name__': 'plugins_md_example'}
    exec(compile(source.group(1), DOC, 'exec'), namespace)
    try:
        part = MODELS.build(dict(type='MyBackbone', width=4,
                                 init_cfg=dict(type='Constant', val=0.0, layer='Conv2d')))
        part.init_weights()  # zero convolutions: the residual vanishes
        x = torch.randn(1, 3, 5, 5)
        assert torch.equal(part(x), x)
        assert house_style_problems(type(part)) == []
    finally:
        MODELS.module_dict.pop('MyBackbone', None)


class _Faulty(nn.Module):
    """Breaks four rules at once.

    Args:
        width: feature channels.
    """

    def __init__(self, width: int = 4, cfg: Optional[dict] = {}) -> None:  # noqa: B006
        super().__init__()

    def forward(self, x):
        return x


def test_house_style_checker_names_each_fault() -> None:
    problems = house_style_problems(_Faulty)
    assert problems == [
        '_Faulty must subclass mmengine BaseModule',
        '_Faulty must take init_cfg',
        "_Faulty: mutable default arguments ['cfg']",
        '_Faulty.forward has no docstring',
        "_Faulty: Args: has no entry for ['cfg']",
        "_Faulty: Args: entries that do not name their default: ['width']",
    ]
