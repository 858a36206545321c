"""A chain of degradation operators applied in order, e.g. the hybrid
distortion of RL-Restore / FDR-Net: GaussianBlur -> GaussianNoise -> JPEG.

params = dict(name='Compose', level=level, ops=[params of each op]); ``level``
is None, one int for every op, or one entry per op (each None or an int).
"""
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from irtoolbox.registry import DEGRADATIONS

from .base import BaseDegradation, Params, check_image, check_tensor

Level = Union[None, int, Sequence[Optional[int]]]


def _build_op(cfg: Any, index: int) -> BaseDegradation:
    if isinstance(cfg, BaseDegradation):
        return cfg
    if not isinstance(cfg, dict):
        raise TypeError(f'Compose: ops[{index}] must be a degradation config dict or op, '
                        f'got {type(cfg).__name__}')
    return DEGRADATIONS.build(cfg)


@DEGRADATIONS.register_module()
class Compose(BaseDegradation):
    """Apply ``ops`` (config dicts or ops) one after the other.

    Args:
        ops: the operators, in order of application.
    """

    def __init__(self, ops: Sequence[Any]) -> None:
        super().__init__(None)
        if isinstance(ops, (dict, BaseDegradation)) or not ops:
            raise ValueError(f'Compose: ops must be a non-empty list of configs, got {ops!r}')
        self.ops: List[BaseDegradation] = [_build_op(cfg, i) for i, cfg in enumerate(ops)]

    def __repr__(self) -> str:
        return f'Compose({self.ops!r})'

    @property
    def has_torch(self) -> bool:  # type: ignore[override]
        return all(op.has_torch for op in self.ops)

    def _levels(self, level: Level) -> List[Optional[int]]:
        if level is None or isinstance(level, (int, np.integer)):
            return [level] * len(self.ops)
        levels = list(level)
        if len(levels) != len(self.ops):
            raise ValueError(f'Compose: got {len(levels)} levels for {len(self.ops)} ops '
                             f'({", ".join(op.name for op in self.ops)})')
        return levels

    def _op_params(self, params: Params) -> List[Params]:
        op_params = self._get(params, 'ops')
        if len(op_params) != len(self.ops):
            raise ValueError(f'Compose: params hold {len(op_params)} ops, '
                             f'the chain has {len(self.ops)}')
        return op_params

    def sample_params(self, rng: np.random.Generator, level: Level = None) -> Params:
        ops = [op.sample_params(rng, lv) for op, lv in zip(self.ops, self._levels(level))]
        single = level is None or isinstance(level, (int, np.integer))
        return self._new_params(level if single else list(level), ops=ops)

    def complete_params(self, params: Params, shape: Tuple[int, ...]) -> Params:
        completed = []
        for op, op_params in zip(self.ops, self._op_params(params)):
            completed.append(op.complete_params(op_params, shape))
            shape = op.out_shape(shape, completed[-1])
        return dict(params, ops=completed)

    def out_shape(self, shape: Tuple[int, ...], params: Params) -> Tuple[int, ...]:
        for op, op_params in zip(self.ops, self._op_params(params)):
            shape = op.out_shape(shape, op_params)
        return shape

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        out = check_image(img, self.name)
        for op, op_params in zip(self.ops, self._op_params(params)):
            out = op.apply(out, op_params)
        return out

    def apply_torch(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        x = check_tensor(x, self.name)
        for i, op in enumerate(self.ops):
            if not op.has_torch:
                raise NotImplementedError(
                    f'Compose.apply_torch: ops[{i}] {op.name} has no torch side (not linear); '
                    'only chains of GaussianBlur, Downsample, BoxMask, BernoulliMask have one')
        for op, op_params in zip(self.ops, self._op_params(params)):
            x = op.apply_torch(x, op_params)
        return x
