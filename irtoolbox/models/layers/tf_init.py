"""TensorFlow's variance-scaling initialiser, as DL-Net's released code uses it.

Guo et al., "Deep Likelihood Network" (TIP 2021): the paper initialises the
convolutions with "MSRA" (Sec. IV-A, IV-D); the released TensorFlow code
(yiwenguo/Deep-Likelihood-Network) uses
``tf.contrib.layers.variance_scaling_initializer()``: factor 2, fan-in, a
truncated normal. This module registers that initialiser for ``init_cfg``::

    init_cfg=dict(type='irtoolbox.TFVarianceScaling', layer=['Conv2d', 'ConvTranspose2d'])

(the ``irtoolbox.`` prefix finds it whether or not a Runner has set the
default scope). The standard deviation, for ``n`` the fan of ``mode``:

- ``'contrib_truncated_normal'`` (TF 1.x ``tf.contrib.layers``, the released
  code): a normal of std ``sqrt(1.3 * scale / n)`` cut at two of its std,
  whose own std is ``sqrt(1.3 * scale / n) * 0.8796...``;
- ``'truncated_normal'`` (``tf.keras`` / TF 2 ``VarianceScaling``): std
  ``sqrt(scale / n) / 0.87962566103423978`` before the same cut, so that the
  cut distribution has variance ``scale / n`` exactly;
- ``'uniform'`` (both): U(-l, l), ``l = sqrt(3 scale / n)``.

Fans in TF's kernel layouts: conv2d ``[kh, kw, in, out]`` has fan-in
``kh kw in``; conv2d_transpose ``[kh, kw, out, in]`` has fan-in ``kh kw out``
(TF reads the second-to-last axis, which for a transposed conv holds the
*output* channels). torch's layouts put the same axis second
(``Conv2d`` ``out x in x kh x kw``, ``ConvTranspose2d`` ``in x out x kh x kw``),
so fan-in is ``size(1) * kh * kw`` and fan-out ``size(0) * kh * kw`` for both.
"""
import math
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.model.weight_init import BaseInit, update_init_info

from irtoolbox.registry import WEIGHT_INITIALIZERS

# The std of a unit normal cut at +-2 (TF's truncated_normal re-draws beyond two std).
TRUNCATED_STD = 0.87962566103423978
DISTRIBUTIONS = ('contrib_truncated_normal', 'truncated_normal', 'uniform')
MODES = ('fan_in', 'fan_out', 'fan_avg')


def tf_fans(weight: torch.Tensor) -> Tuple[int, int]:
    """(fan_in, fan_out) of a torch conv / transposed-conv / linear weight as
    TF counts them for the same layer (see the module docstring)."""
    if weight.dim() < 2:
        raise ValueError(f'TFVarianceScaling: a weight of shape {tuple(weight.shape)} has no '
                         'fan-in (at least 2 dimensions needed)')
    receptive = weight[0, 0].numel()
    return weight.shape[1] * receptive, weight.shape[0] * receptive


def tf_variance_scaling_std(weight: torch.Tensor, scale: float = 2.0, mode: str = 'fan_in',
                            distribution: str = 'contrib_truncated_normal') -> float:
    """The std of the normal TF draws from before its 2-std cut (for 'uniform':
    the std of the uniform)."""
    if mode not in MODES:
        raise ValueError(f'TFVarianceScaling: mode must be one of {MODES}, got {mode!r}')
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f'TFVarianceScaling: distribution must be one of {DISTRIBUTIONS}, '
                         f'got {distribution!r}')
    fan_in, fan_out = tf_fans(weight)
    n = {'fan_in': fan_in, 'fan_out': fan_out, 'fan_avg': (fan_in + fan_out) / 2.0}[mode]
    if distribution == 'contrib_truncated_normal':
        return math.sqrt(1.3 * scale / n)
    if distribution == 'truncated_normal':
        return math.sqrt(scale / n) / TRUNCATED_STD
    return math.sqrt(scale / n)


def tf_variance_scaling_(weight: torch.Tensor, scale: float = 2.0, mode: str = 'fan_in',
                         distribution: str = 'contrib_truncated_normal') -> torch.Tensor:
    """Fill ``weight`` in place as TF's variance-scaling initialiser; returns it."""
    std = tf_variance_scaling_std(weight, scale, mode, distribution)
    with torch.no_grad():
        if distribution == 'uniform':
            limit = math.sqrt(3.0) * std
            return weight.uniform_(-limit, limit)
        # trunc_normal_ samples the cut distribution exactly (inverse CDF), the
        # same law as TF's re-drawing beyond two std.
        return nn.init.trunc_normal_(weight, 0.0, std, -2.0 * std, 2.0 * std)


@WEIGHT_INITIALIZERS.register_module(name='TFVarianceScaling')
class TFVarianceScalingInit(BaseInit):
    """``init_cfg`` entry: TF's variance-scaling initialiser on the weights of
    the named layers, the bias set to ``bias``.

    Args:
        scale: TF's ``factor`` / ``scale``. Default: 2.0 (the contrib default).
        mode: 'fan_in', 'fan_out' or 'fan_avg'. Default: 'fan_in'.
        distribution: 'contrib_truncated_normal' (the released DL-Net code),
            'truncated_normal' (tf.keras) or 'uniform'. Default:
            'contrib_truncated_normal'.
        bias: value of the biases. Default: 0.
        bias_prob: mmengine's bias from a prior probability. Default: None.
        layer: class names of the layers to initialise. Default: None (mmengine: none).
    """

    def __init__(self, scale: float = 2.0, mode: str = 'fan_in',
                 distribution: str = 'contrib_truncated_normal', **kwargs) -> None:
        super().__init__(**kwargs)
        if mode not in MODES:
            raise ValueError(f'TFVarianceScaling: mode must be one of {MODES}, got {mode!r}')
        if distribution not in DISTRIBUTIONS:
            raise ValueError(f'TFVarianceScaling: distribution must be one of '
                             f'{DISTRIBUTIONS}, got {distribution!r}')
        self.scale = float(scale)
        self.mode = mode
        self.distribution = distribution

    def _init_module(self, module: nn.Module) -> None:
        weight = getattr(module, 'weight', None)
        if weight is None:
            raise ValueError(f'TFVarianceScaling: {type(module).__name__} has no weight')
        tf_variance_scaling_(weight, self.scale, self.mode, self.distribution)
        if getattr(module, 'bias', None) is not None:
            nn.init.constant_(module.bias, self.bias)

    def __call__(self, module: nn.Module) -> None:
        def init(m: nn.Module) -> None:
            if self.wholemodule:  # an override: every layer with a kernel in it
                weight = getattr(m, 'weight', None)
                if isinstance(weight, torch.Tensor) and weight.dim() >= 2:
                    self._init_module(m)
                return
            names = {type(m).__name__, *(b.__name__ for b in type(m).__mro__)}
            if names & set(self.layer):
                self._init_module(m)

        module.apply(init)
        if hasattr(module, '_params_init_info'):
            update_init_info(module, init_info=self._get_init_info())

    def _get_init_info(self) -> str:
        return (f'{type(self).__name__}: scale={self.scale}, mode={self.mode}, '
                f'distribution={self.distribution}, bias={self.bias}')
