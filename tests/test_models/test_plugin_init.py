"""Issue 17, part 3: every plugin's ``init_cfg`` applies, however many share a point.

Two InfoAccum plugins at one point, each with its own Constant init: after the
backbone's ``init_weights`` every convolution of the first holds 0.5 and of the
second 0.25 (a hand-set value, not one the code computes). Before the plugin
stack used mmengine's ``Sequential``, the second plugin at a point wrapped both
in a plain ``nn.Sequential`` that ``init_weights`` does not enter, and both kept
PyTorch's random init.
"""
import pytest
import torch.nn as nn

from irtoolbox.registry import MODELS


def _plugin(val: float, type_: str) -> dict:
    init_cfg = dict(type='Constant', val=val, bias=0.0, layer='Conv2d')
    if type_ == 'InfoAccum':
        return dict(type=type_, num_layers=1, growth=1, init_cfg=init_cfg)
    # SDAM keeps the width (Restormer's points refuse a channel change)
    return dict(type=type_, init_cfg=init_cfg)


def _conv_weights(module: nn.Module) -> list:
    return [m.weight for m in module.modules() if isinstance(m, nn.Conv2d)]


@pytest.mark.parametrize('backbone, point, plugin', [
    (dict(type='FDRNet', mid_channels=16, num_phases=1), 'input', 'InfoAccum'),
    (dict(type='Restormer', dim=8, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1,
          heads=(1, 1, 1, 1)), 'after_enc1', 'SDAM'),
    (dict(type='UNetGenerator', depth=2, base_channels=4,
          init_cfg=dict(type='Normal', std=0.02, layer='Conv2d')), 'before_enc2', 'InfoAccum'),
])
def test_two_plugins_at_one_point_keep_their_init(backbone: dict, point: str,
                                                  plugin: str) -> None:
    first, second = _plugin(0.5, plugin), _plugin(0.25, plugin)
    model = MODELS.build(dict(backbone, plugins=[dict(cfg=first, position=point),
                                                 dict(cfg=second, position=point)]))
    model.init_weights()
    plugins = [m for m in model.modules() if type(m).__name__ == plugin]
    assert len(plugins) == 2
    for plugin, val in zip(plugins, (0.5, 0.25)):
        weights = _conv_weights(plugin)
        assert weights and all(bool((w == val).all()) for w in weights), (
            f'{backbone["type"]}: a plugin at {point!r} lost its init_cfg (Constant {val})')
