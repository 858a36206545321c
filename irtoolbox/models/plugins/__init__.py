"""Plugins: modules inserted into a backbone at named positions by config.

``plugins=[dict(cfg=dict(type='InfoAccum', ...), position='enc2')]`` (the mmcv
ResNet pattern); :mod:`.plugin_stack` builds the modules of each position.
"""
from .info_accum import InfoAccum
from .meta_prior import MetaPriorLearning
from .plugin_stack import build_plugin_stack, group_plugins, plugin_positions
from .sdam import SDAM

__all__ = [
    'InfoAccum',
    'MetaPriorLearning',
    'SDAM',
    'build_plugin_stack',
    'group_plugins',
    'plugin_positions',
]
