"""Config-driven insertion of modules into a backbone at named positions.

The mmcv ResNet ``plugins=[dict(cfg=..., position=...)]`` pattern, used by the
InfoAccum family's U-Net and En/Decoder so that where InfoAccum sits is a
config change (InfoAccum paper, Appendix H.A, the '1st'..'8th' position
study): ``position='encK'`` puts the module before encoder level K (``'input'``
is the same place as ``'enc1'``, i.e. before the whole generator). Several
plugins at one position run in list order.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import Sequential

from irtoolbox.models.part_protocol import part_attribute
from irtoolbox.registry import MODELS


def plugin_positions(depth: int) -> List[str]:
    """The accepted positions of a backbone with ``depth`` encoder levels."""
    return ['input'] + [f'enc{k}' for k in range(1, depth + 1)]


def group_plugins(plugins: Optional[Sequence[dict]], depth: int,
                  owner: str) -> Dict[int, List[dict]]:
    """Map encoder level (1-based) -> list of plugin module configs."""
    positions = plugin_positions(depth)
    grouped: Dict[int, List[dict]] = {}
    for i, plugin in enumerate(plugins or []):
        if not isinstance(plugin, dict) or 'cfg' not in plugin or 'position' not in plugin:
            raise ValueError(f'{owner}: plugins[{i}] must be a dict with keys "cfg" and '
                             f'"position", got {plugin!r}')
        position = plugin['position']
        if position not in positions:
            raise ValueError(f'{owner}: plugins[{i}] has position {position!r}; valid '
                             f'positions for depth {depth} are {positions}')
        level = 1 if position == 'input' else int(position[3:])
        grouped.setdefault(level, []).append(dict(plugin['cfg']))
    return grouped


def build_plugin_stack(cfgs: Sequence[dict], in_channels: int,
                       probe_size: int = 16) -> Tuple[nn.Module, int]:
    """Build the plugins of one position in sequence; return (module, out channels).

    Each config gets ``in_channels`` filled in unless it names it (a mismatch is
    an error). The output channel count is the module's ``out_channels``
    attribute if it has one, else measured by a dummy forward pass.
    """
    modules, channels = [], in_channels
    for cfg in cfgs:
        cfg = dict(cfg)  # the caller's config stays as given
        given = cfg.setdefault('in_channels', channels)
        if given != channels:
            raise ValueError(f"plugin {cfg.get('type')!r} is configured with in_channels="
                             f'{given} but receives {channels} channels at its position')
        module = MODELS.build(cfg)
        channels = _out_channels(module, channels, probe_size)
        modules.append(module)
    if not modules:
        return nn.Identity(), in_channels
    # mmengine's Sequential: BaseModule.init_weights descends into it, so every
    # plugin's init_cfg applies (a plain nn.Sequential is skipped, issue 17)
    return (modules[0] if len(modules) == 1 else Sequential(*modules)), channels


def _out_channels(module: nn.Module, in_channels: int, probe_size: int) -> int:
    """The plugin's declared ``out_channels`` (part protocol), else measured."""
    out = part_attribute(module, 'out_channels')
    if isinstance(out, int):
        return out
    was_training = module.training
    module.eval()  # a probe must not touch BatchNorm running statistics
    with torch.no_grad():
        out = module(torch.zeros(1, in_channels, probe_size, probe_size)).shape[1]
    module.train(was_training)
    return int(out)
