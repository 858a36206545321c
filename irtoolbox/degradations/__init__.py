"""Degradation operators shared by the data pipeline (numpy) and the models
(torch); members register themselves in ``DEGRADATIONS`` on import.

``build_degradation(cfg)`` builds one op from a dict, a ``Compose`` from a
list of dicts, and returns an op unchanged.
"""
from typing import Union

from irtoolbox.registry import DEGRADATIONS

from .base import BaseDegradation
from .blur import GaussianBlur, gaussian_kernel2d
from .compose import Compose
from .downsample import Downsample, resize_matrix
from .haze import Haze
from .jpeg import JPEGCompression
from .low_light import LowLight
from .masks import BernoulliMask, BoxMask
from .motion_blur import MotionBlur
from .noise import GaussianNoise
from .rain import RainStreaks


def build_degradation(cfg: Union[dict, list, tuple, BaseDegradation]) -> BaseDegradation:
    """Build an op from a config dict, or a Compose from a list of them."""
    if isinstance(cfg, BaseDegradation):
        return cfg
    if isinstance(cfg, dict):
        return DEGRADATIONS.build(cfg)
    if isinstance(cfg, (list, tuple)):
        return Compose(ops=list(cfg))
    raise TypeError(f'build_degradation: expects a config dict, a list of them or an op, '
                    f'got {type(cfg).__name__}')


__all__ = ['BaseDegradation', 'GaussianBlur', 'GaussianNoise', 'JPEGCompression', 'Downsample',
           'BoxMask', 'BernoulliMask', 'Compose', 'build_degradation', 'gaussian_kernel2d',
           'resize_matrix', 'Haze', 'LowLight', 'MotionBlur', 'RainStreaks']
