"""Synthesise the degraded input of a sample from its clean image.

``Degrade`` builds its degradation operator(s) once (from
:mod:`irtoolbox.degradations`) and, per sample, draws all their random choices
from ``np.random.default_rng(np.random.randint(2**32))``: the global numpy
state is the one the dataset seeded from ``(seed, index, pass)``, so the
degraded image is a pure function of those - fixed per index in test mode,
new each pass in training.

``degradation`` is one operator (a config dict or a built operator) or a list
of them applied in order (built as a degradation ``Compose``, e.g. blur ->
noise -> JPEG of the hybrid-distortion protocol). ``level`` picks the level
table entry: ``None`` = the full configured range, an int = that level (for
every operator of a chain), a list = one level per operator of a chain.
``levels`` (exclusive with ``level``) is a list of such choices, one drawn
uniformly per sample (mixed-level training/test sets).

The sample records ``degradation_name`` (the operator name; ``'+'``-joined
operator names for a chain, e.g. ``'GaussianBlur+GaussianNoise'``),
``degradation_level`` (the level used: None, an int, or a tuple per operator,
hashable so metrics can group by it) and ``degradation_params`` (the
operator's params dict; a chain's holds ``ops``, one dict per operator), so
metrics can group by level and models can re-apply the operator. The output is
float32 and clipped to [0, 1], the pipeline convention; ``clip=False`` keeps the
operator's values as they are (with ``GaussianNoise(clip=False)``: the
unclipped noisy input the released Restormer denoising test scripts feed). A ``uint8``/``uint16``
clean image (``LoadImageFromFile(to_float32=False)``) is first converted to
float32 in [0, 1] (divided by 255/65535) and stored back, so the operators
and the ground truth see the same values as with ``to_float32=True``.
"""
from typing import Any, List, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from irtoolbox.registry import TRANSFORMS

from ..image_io import INT_MAX_VALUES, image_to_float32

Level = Union[None, int, Sequence[Optional[int]]]


def build_op(cfg: Any) -> Any:
    """Build the degradation operator (a Compose for a list of configs)."""
    from irtoolbox.degradations import build_degradation  # lazy: layers point downwards
    if isinstance(cfg, (list, tuple)) and not cfg:
        raise ValueError('Degrade: degradation must name at least one operator')
    return build_degradation(cfg)


def op_names(op: Any) -> List[str]:
    """Names of the operators of ``op`` (one, or each of a Compose)."""
    return [sub.name for sub in getattr(op, 'ops', [op])]


@TRANSFORMS.register_module()
class Degrade(BaseTransform):
    """Make ``results[out_key]`` by degrading ``results[in_key]``.

    Args:
        degradation: an operator config/object, or a list of them (a chain).
        level: None, an int, or one level per operator of a chain.
        levels: a list of ``level`` choices, one drawn per sample.
        in_key: the clean image key.
        out_key: the degraded image key.
        clip: clip the output to [0, 1] (default); False keeps values outside it.
    """

    def __init__(self, degradation: Union[dict, Any, List[Any]], level: Level = None,
                 levels: Optional[Sequence[Level]] = None, in_key: str = 'gt',
                 out_key: str = 'img', clip: bool = True) -> None:
        self.op = build_op(degradation)
        self.clip = bool(clip)
        self.num_ops = len(op_names(self.op))
        if level is not None and levels is not None:
            raise ValueError('Degrade: give either level (fixed) or levels (drawn per sample), '
                             'not both')
        if levels is not None and len(levels) == 0:
            raise ValueError('Degrade: levels must be a non-empty list')
        self.levels = None if levels is None else [self._check_level(lv) for lv in levels]
        self.level = self._check_level(level)
        self.in_key = in_key
        self.out_key = out_key

    def _check_level(self, level: Level) -> Level:
        if isinstance(level, (list, tuple)):
            if len(level) != self.num_ops or not hasattr(self.op, 'ops'):
                raise ValueError(f'Degrade: a per-operator level list needs a chain and one '
                                 f'entry per operator ({self.name}), got {level!r}')
            return tuple(level)
        if level is not None and (not isinstance(level, (int, np.integer))
                                  or isinstance(level, bool)):
            raise TypeError(f'Degrade: a level is None, an int or a list, got {level!r}')
        return level

    @property
    def name(self) -> str:
        return '+'.join(op_names(self.op))

    def transform(self, results: dict) -> dict:
        if self.in_key not in results:
            raise KeyError(f'Degrade needs results[{self.in_key!r}] (load it first); the sample '
                           f'has keys {sorted(results)}')
        # The global state is the dataset's per-sample one: this generator,
        # and so every draw below, is a function of (seed, index, pass).
        rng = np.random.default_rng(np.random.randint(2**32, dtype=np.int64))
        if results[self.in_key].dtype in INT_MAX_VALUES:  # loaded with to_float32=False
            results[self.in_key] = image_to_float32(results[self.in_key], self.in_key)
        level = self.level
        if self.levels is not None:
            level = self.levels[int(rng.integers(len(self.levels)))]
        op_level = list(level) if isinstance(level, tuple) else level
        out, params = self.op(results[self.in_key], rng, level=op_level)
        if self.clip:
            out = np.clip(out, 0.0, 1.0)
        results[self.out_key] = out.astype(np.float32, copy=False)
        results['degradation_name'] = self.name
        results['degradation_level'] = level
        results['degradation_params'] = params
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(degradation={self.name}, level={self.level}, '
                f'levels={self.levels}, in_key={self.in_key!r}, out_key={self.out_key!r}, '
                f'clip={self.clip})')
