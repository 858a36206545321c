"""One optimizer wrapper per named part of a model (GAN generator and discriminator).

Config::

    optim_wrapper = dict(
        constructor='MultiOptimWrapperConstructor',
        generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4,
                                                           betas=(0.5, 0.999))),
        discriminator=dict(type='OptimWrapper', optimizer=dict(...)))

builds an ``OptimWrapperDict`` with the same keys; each entry optimises the
parameters of ``model.<key>`` (an attribute or property of the unwrapped model
returning an ``nn.Module``). Top-level keys whose value is not such a
per-part config (e.g. ``type='AmpOptimWrapper'`` and ``loss_scale`` as set by
``tools/train.py --amp``) are defaults for every part.

mmengine has no such constructor (mmagic has one of the same name, in its own
scope); this one lives in the irtoolbox scope.
"""
import copy
from typing import Optional

import torch.nn as nn
from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict

from irtoolbox.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Build ``OptimWrapperDict(key=wrapper of model.key)`` from a dict of configs.

    Args:
        optim_wrapper_cfg: ``{part name: OptimWrapper config}`` plus shared defaults.
        paramwise_cfg: optional ``{part name: paramwise config}``.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None) -> None:
        if not isinstance(optim_wrapper_cfg, dict):
            raise TypeError(f'MultiOptimWrapperConstructor: optim_wrapper must be a dict, got '
                            f'{type(optim_wrapper_cfg).__name__}')
        parts = {k: v for k, v in optim_wrapper_cfg.items()
                 if isinstance(v, dict) and 'optimizer' in v}
        if not parts:
            raise ValueError('MultiOptimWrapperConstructor: optim_wrapper has no part configs; '
                             'expected e.g. generator=dict(optimizer=...), '
                             f'got keys {sorted(optim_wrapper_cfg)}')
        shared = {k: v for k, v in optim_wrapper_cfg.items() if k not in parts}
        self.part_cfgs = {}
        for name, cfg in parts.items():
            merged = copy.deepcopy(shared)
            merged.update(copy.deepcopy(cfg))
            merged.setdefault('type', 'OptimWrapper')
            self.part_cfgs[name] = merged
        self.paramwise_cfg = paramwise_cfg or {}

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        if is_model_wrapper(model):
            model = model.module
        wrappers = {}
        for name, cfg in self.part_cfgs.items():
            part = getattr(model, name, None)
            if not isinstance(part, nn.Module):
                raise KeyError(f'MultiOptimWrapperConstructor: optim_wrapper names part '
                               f'{name!r} but {type(model).__name__} has no submodule of that '
                               f'name (submodules: {sorted(model._modules)})')
            constructor = DefaultOptimWrapperConstructor(cfg, self.paramwise_cfg.get(name))
            wrappers[name] = constructor(part)
        return OptimWrapperDict(**wrappers)
