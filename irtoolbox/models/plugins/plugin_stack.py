"""One mechanism for modules inserted into a backbone at named points (plugins).

The mmcv ResNet ``plugins=[dict(cfg=..., position=...)]`` pattern: where a
plugin sits is configuration (InfoAccum paper, Appendix H.A, the '1st'..'8th'
position study; IDR's MPL placements, supplement Table 2). Each backbone
declares its points once, as a ``plugin_points`` tuple of :class:`PluginPoint`;
:class:`PluginStack` groups the configured plugins by point, refuses unknown
points (listing the valid ones) and pre-issue-17 names (naming the new one),
builds each point's plugins in list order inside mmengine containers (so every
plugin's ``init_cfg`` applies), checks the declared channel rule, and runs them.

One naming scheme, the same place in every backbone (mmdet's ``after_conv2``
style): ``input`` (the image, before anything), ``before_encK`` /
``after_encK`` (the features entering / leaving encoder level K),
``latent`` (the bottleneck's output), ``before_decK`` / ``after_decK``,
``refinement`` (a refinement stage's output). ``docs/plugins.md`` tables
every backbone's points; a test keeps the table and these declarations equal.
"""
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import ModuleDict, Sequential

from irtoolbox.models.part_protocol import part_attribute
from irtoolbox.registry import MODELS

Level = Union[int, str]


@dataclass(frozen=True)
class PluginPoint:
    """One named point of a backbone (a template over levels ``K`` when ``levels``).

    Attributes:
        name: the point's name, ``'{K}'`` standing for the level
            (``'before_enc{K}'``).
        where: the features there, in words (the table of ``docs/plugins.md``).
        channels: their channel count in the backbone's arguments (same table).
        channel_change: whether the plugins there may output another channel
            count (the backbone sizes what follows by it) or must keep it.
        levels: ``(lowest, highest)`` values of ``K``, inclusive; a string
            names a size the backbone gives the stack (``'depth'``; none when
            it is below ``lowest``). ``None`` for a single point.
        descending: the features pass the levels from the highest down (a
            decoder). Default: False.
        old_name: its pre-issue-17 name (``'enc{K}'``), refused with an error
            naming the new one. ``None``: the name did not change.
        key: the ``ModuleDict`` key (state-dict prefix) of its modules, kept
            from the pre-issue-17 layout so checkpoints load; ``'{K0}'`` is
            ``K - 1``. ``None``: the name.
        old_key: a single point's pre-issue-17 key where it differs from
            ``key``; ``''``: the stack's own prefix (FDR-Net held its one
            point's modules there). Such checkpoints are renamed on load.
            ``None``: unchanged.
    """

    name: str
    where: str
    channels: str
    channel_change: bool
    levels: Optional[Tuple[Level, Level]] = None
    descending: bool = False
    old_name: Optional[str] = None
    key: Optional[str] = None
    old_key: Optional[str] = None

    def expand(self, sizes: Mapping[str, int]) -> List[Tuple[str, str, Optional[str]]]:
        """``(name, key, old name)`` of each concrete point, in forward order."""
        if self.levels is None:
            return [(self.name, self.key or self.name, self.old_name)]
        low, high = (sizes[v] if isinstance(v, str) else v for v in self.levels)
        ks = range(high, low - 1, -1) if self.descending else range(low, high + 1)
        out = []
        for k in ks:
            fields = dict(K=k, K0=k - 1)
            out.append((self.name.format(**fields), (self.key or self.name).format(**fields),
                        None if self.old_name is None else self.old_name.format(**fields)))
        return out


class PluginStack(ModuleDict):
    """The plugins of one backbone: grouped, validated, built per point and run.

    The backbone creates it before building any layer (a wrong config stops
    there), calls :meth:`build` at each point with the channels arriving
    there (in forward order) and ``stack(name, x)`` in its forward. A point
    without plugins holds no module and passes ``x`` through.

    Args:
        plugins: ``[dict(cfg=module config, position=point name)]``; ``None``:
            no plugins.
        points: the backbone's ``plugin_points``.
        owner: the backbone's name, for messages.
        sizes: the sizes that ``levels`` strings name (``depth=5``).
    """

    def __init__(self, plugins: Optional[Sequence[dict]], points: Sequence[PluginPoint],
                 owner: str, **sizes: int) -> None:
        super().__init__()
        self.owner = owner
        self._keys: Dict[str, str] = {}
        self._channel_change: Dict[str, bool] = {}
        renamed: Dict[str, str] = {}
        self._old_keys: Dict[str, str] = {}  # pre-issue-17 key -> key
        for point in points:
            if point.old_key is not None:
                self._old_keys[point.old_key] = point.key or point.name
            for name, key, old in point.expand(sizes):
                self._keys[name] = key
                self._channel_change[name] = point.channel_change
                if old is not None and old != name:
                    renamed[old] = name
        self._grouped: Dict[str, List[dict]] = {}
        for i, plugin in enumerate(plugins or []):
            if not isinstance(plugin, Mapping) or set(plugin) != {'cfg', 'position'}:
                raise ValueError(f'{owner}: plugins[{i}] must be dict(cfg=..., position=...), '
                                 f'got {plugin!r}')
            position = plugin['position']
            if position not in self._keys:
                hint = (f"the point was renamed (issue 17): use position='{renamed[position]}'"
                        if position in renamed and renamed[position] in self._keys else
                        f'valid positions are {list(self._keys)}')
                raise ValueError(f'{owner}: plugins[{i}] has position {position!r}; {hint} '
                                 '(docs/plugins.md)')
            self._grouped.setdefault(position, []).append(dict(plugin['cfg']))
        self._built: set = set()
        self.arriving_channels: Dict[str, int] = {}  # per built point, the channels it receives

    @property
    def point_names(self) -> List[str]:
        """Every point of this backbone, in forward order."""
        return list(self._keys)

    def build(self, name: str, in_channels: int) -> int:
        """Build the plugins at ``name`` for ``in_channels``; return the channels after them."""
        self._check_name(name)
        if name in self._built:
            raise RuntimeError(f'{self.owner}: plugin point {name!r} built twice')
        self._built.add(name)
        self.arriving_channels[name] = int(in_channels)
        cfgs = self._grouped.get(name)
        if not cfgs:
            return in_channels
        modules, channels = [], in_channels
        for cfg in cfgs:
            given = cfg.setdefault('in_channels', channels)
            if given != channels:
                raise ValueError(f'{self.owner}: plugin {cfg.get("type")!r} at {name!r} is '
                                 f'configured with in_channels={given} but receives '
                                 f'{channels} channels there')
            module = MODELS.build(cfg)
            channels = _out_channels(module, channels)
            modules.append(module)
        if channels != in_channels and not self._channel_change[name]:
            raise ValueError(f'{self.owner}: the plugins at position {name!r} output {channels} '
                             f'channels; this point does not allow a channel change, they must '
                             f'keep its {in_channels}')
        # one plugin is stored bare, several in mmengine's Sequential: the
        # pre-issue-17 state-dict layout, and init_weights enters both
        self.add_module(self._keys[name],
                        modules[0] if len(modules) == 1 else Sequential(*modules))
        return channels

    def forward(self, name: str, x: torch.Tensor) -> torch.Tensor:
        """Run the plugins at point ``name`` on ``x`` (``x`` itself where there are none)."""
        key = self._keys.get(name)
        if key is None:
            self._check_name(name)
        module = self._modules.get(key)
        return x if module is None else module(x)

    # stack['after_enc1'] and stack['enc1'] (its state-dict key) reach one module
    def __getitem__(self, name: str) -> nn.Module:
        return super().__getitem__(self._keys.get(name, name))

    def __contains__(self, name: str) -> bool:
        return super().__contains__(self._keys.get(name, name))

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args, **kwargs) -> None:
        # a pre-issue-17 checkpoint: its keys move to the point's key first
        for key in [k for k in state_dict if k.startswith(prefix)]:
            first = key[len(prefix):].split('.', 1)[0]
            if first in self._modules:
                continue
            if '' in self._old_keys:
                state_dict[f'{prefix}{self._old_keys[""]}.{key[len(prefix):]}'] = (
                    state_dict.pop(key))
            elif first in self._old_keys:
                state_dict[prefix + self._old_keys[first] + key[len(prefix) + len(first):]] = (
                    state_dict.pop(key))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _check_name(self, name: str) -> None:
        if name not in self._keys:  # a backbone bug, not a config error
            raise KeyError(f'{self.owner}: {name!r} is not one of its plugin points '
                           f'{list(self._keys)}')


def image_channels(backbone: nn.Module, default: int = 3) -> int:
    """The channels of the image a backbone takes, for a dummy input of the right shape.

    A plugin stack's ``'input'`` point receives the image itself (U-Net,
    En/Decoder, FDR-Net); otherwise the first convolution outside the plugin
    stacks reads it (a stack is registered before the layers, so the first
    ``nn.Conv2d`` of ``modules()`` can be a plugin's, working on features).
    ``default`` when neither exists.
    """
    stacks = [(name, module) for name, module in backbone.named_modules()
              if isinstance(module, PluginStack)]
    for _, stack in stacks:
        if 'input' in stack.arriving_channels:
            return stack.arriving_channels['input']
    for name, module in backbone.named_modules():
        if isinstance(module, nn.Conv2d) and not any(
                name == s or name.startswith(s + '.') for s, _ in stacks):
            return module.in_channels
    return default


def _out_channels(module: nn.Module, in_channels: int, probe_size: int = 16) -> int:
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
