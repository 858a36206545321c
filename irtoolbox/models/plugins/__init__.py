"""Plugins: modules inserted into a backbone at named positions by config.

``plugins=[dict(cfg=dict(type='InfoAccum', ...), position='before_enc2')]``
(the mmcv ResNet pattern); each backbone declares its points
(``plugin_points``) and :mod:`.plugin_stack` groups, builds and runs them.
"""
from .info_accum import InfoAccum
from .meta_prior import MetaPriorLearning
from .plugin_stack import PluginPoint, PluginStack
from .sdam import SDAM

__all__ = [
    'InfoAccum',
    'MetaPriorLearning',
    'PluginPoint',
    'PluginStack',
    'SDAM',
]
