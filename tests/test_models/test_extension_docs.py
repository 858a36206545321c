"""docs/plugins.md stays true: its example part runs and passes the house-style
checker of ``irtoolbox.testing``; the checker finds hand-planted faults; the
table of backbone plugin points matches what the backbones accept."""
import os.path as osp
import re
from typing import Optional

import pytest
import torch
import torch.nn as nn
from conftest import REPO_ROOT

from irtoolbox.models.backbones.restormer import PLUGIN_POSITIONS
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


def _table_points(backbone: str) -> str:
    row = re.search(rf'^\| `{backbone}` \| (.*?) \|', _doc(), re.M)
    assert row, f'{DOC}: no table row for {backbone}'
    return row.group(1)


def _expand(text: str) -> list:
    """The point names of a table cell, "`enc1` .. `enc3`" written out."""
    def ends(match: re.Match) -> str:
        stem, lo, hi = match.group(1), int(match.group(2)), int(match.group(3))
        step = 1 if hi >= lo else -1
        return ', '.join(f'`{stem}{k}`' for k in range(lo, hi + step, step))
    text = re.sub(r'`(\w+?)(\d)` \.\. `\w+?(\d)`', ends, text)
    return re.findall(r'`(\w+)`', text)


def test_plugin_points_table_matches_restormer() -> None:
    assert _expand(_table_points('Restormer')) == list(PLUGIN_POSITIONS)


@pytest.mark.parametrize('backbone, points, refused', [
    (dict(type='UNetGenerator', depth=2, base_channels=4), ['input', 'enc1', 'enc2'], 'enc3'),
    (dict(type='EnDecoder', depth=2, base_channels=4), ['input', 'enc1', 'enc2'], 'enc3'),
    (dict(type='FDRNet', mid_channels=16, num_phases=1), ['input'], 'enc1'),
])
def test_plugin_points_table_matches_what_backbones_accept(backbone, points, refused) -> None:
    """Each listed point takes a channel-changing plugin; a point past the list is refused."""
    listed = _expand(_table_points(backbone['type']).replace('`encN`', '`enc2`'))
    assert listed == points
    plugin = dict(type='InfoAccum', num_layers=1, growth=1)  # 3 channels more
    for point in points:
        model = MODELS.build(dict(backbone, plugins=[dict(cfg=plugin, position=point)]))
        x = torch.randn(1, 3, 8, 8)
        assert model(x).shape == x.shape
    with pytest.raises(ValueError, match='position'):
        MODELS.build(dict(backbone, plugins=[dict(cfg=plugin, position=refused)]))
