"""Base class and shared checks of the degradation operators.

Every operator follows one contract, used by the data pipeline (numpy side)
and by models that need the forward operator (torch side, e.g. DL-Net):

- ``params = op.sample_params(rng, level=None)`` draws every random choice
  from a ``numpy.random.Generator``; the result is a dict of plain values
  (floats, ints, small arrays) that always holds ``name`` and ``level``.
- ``out = op.apply(img, params)`` is deterministic given ``params``; ``img``
  is H x W x C float32 in [0, 1] (C may be 1) and is never modified.
- ``out, params = op(img, rng, level=None)`` does both; it also completes the
  params with what needs the image shape (the masks of the mask operators).
- Linear and mask operators also have ``op.apply_torch(x, params)`` on
  N x C x H x W tensors, differentiable and equal to ``apply`` to 1e-5.

Level tables (the hybrid-distortion protocol of RL-Restore used by FDR-Net):
a table ``t`` of L+1 values defines levels k = 1..L, and level k draws
uniformly between ``t[k-1]`` and ``t[k]`` (0-based list indices; this is
"entries k and k+1" when the table is counted from 1). ``level=None`` draws
from the operator's full configured range instead.
"""
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

Params = Dict[str, Any]


def check_image(img: Any, op_name: str) -> np.ndarray:
    """Return ``img`` as an H x W x C float32 array or raise one clear error."""
    if not isinstance(img, np.ndarray):
        raise TypeError(f'{op_name}: expects a numpy H x W x C float32 image in [0, 1], '
                        f'got {type(img).__name__}')
    if img.ndim != 3:
        raise ValueError(f'{op_name}: expects an H x W x C image (use H x W x 1 for grey), '
                         f'got shape {img.shape}')
    if not np.issubdtype(img.dtype, np.floating):
        raise TypeError(f'{op_name}: expects a float32 image in [0, 1], got dtype {img.dtype} '
                        '(divide uint8 images by 255)')
    # astype copies only when the dtype differs; no operator writes into its input.
    return img.astype(np.float32, copy=False)


def check_tensor(x: Any, op_name: str) -> torch.Tensor:
    """Check that ``x`` is an N x C x H x W floating tensor."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or not x.is_floating_point():
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise TypeError(f'{op_name}.apply_torch: expects a floating N x C x H x W tensor, '
                        f'got {shape}')
    return x


def check_rng(rng: Any, op_name: str) -> np.random.Generator:
    """Only a Generator keeps a sample's draws a pure function of its seed."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f'{op_name}: rng must be a numpy.random.Generator '
                        f'(np.random.default_rng(seed)), got {type(rng).__name__}')
    return rng


def check_range(value_range: Sequence[float], op_name: str, key: str,
                low: Optional[float] = None, high: Optional[float] = None) -> Tuple[float, float]:
    """Validate a (min, max) config range, optionally inside [low, high]."""
    try:
        lo, hi = (float(v) for v in value_range)
    except (TypeError, ValueError):
        raise ValueError(f'{op_name}: {key} must be a (min, max) pair, got {value_range!r}')
    if lo > hi or (low is not None and lo < low) or (high is not None and hi > high):
        bounds = f' within [{low}, {high}]' if low is not None or high is not None else ''
        raise ValueError(f'{op_name}: {key} must satisfy min <= max{bounds}, got {value_range!r}')
    return lo, hi


def random_seed(rng: np.random.Generator) -> int:
    """A seed for a derived Generator, so a params dict can rebuild its noise."""
    return int(rng.integers(0, 2**31 - 1))


class BaseDegradation:
    """Common machinery: name, level tables, the ``__call__`` protocol."""

    #: The paper's level table (None: the operator has no levels by default).
    default_levels: Optional[Sequence[float]] = None
    #: True for operators with a differentiable torch side.
    has_torch: bool = False

    def __init__(self, levels: Optional[Sequence[float]] = None) -> None:
        table = self.default_levels if levels is None else levels
        self.levels = None if table is None else self._check_table(table)

    @property
    def name(self) -> str:
        """The registered type name, recorded in every params dict."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f'{self.name}(levels={self.levels})'

    # -- the protocol -------------------------------------------------------
    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        raise NotImplementedError

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        raise NotImplementedError

    def apply_torch(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        raise NotImplementedError(
            f'{self.name} has no torch side (apply_torch): only the linear and mask '
            'operators (GaussianBlur, Downsample, BoxMask, BernoulliMask) have one')

    def complete_params(self, params: Params, shape: Tuple[int, ...]) -> Params:
        """Add what needs the image shape (e.g. a mask); identity by default."""
        return params

    def out_shape(self, shape: Tuple[int, ...], params: Params) -> Tuple[int, ...]:
        """Shape of ``apply``'s output for an input of ``shape`` (H, W, C)."""
        return tuple(shape)

    def __call__(self, img: np.ndarray, rng: np.random.Generator,
                 level: Optional[int] = None) -> Tuple[np.ndarray, Params]:
        img = check_image(img, self.name)
        params = self.complete_params(self.sample_params(rng, level), img.shape)
        return self.apply(img, params), params

    # -- helpers for subclasses ---------------------------------------------
    def _new_params(self, level: Optional[int], **values: Any) -> Params:
        # Plain ints keep the recorded metainfo free of numpy scalars.
        if isinstance(level, np.integer):
            level = int(level)
        return dict(name=self.name, level=level, **values)

    def _get(self, params: Params, key: str) -> Any:
        """Read ``params[key]`` with an error that says what went wrong."""
        if not isinstance(params, dict) or key not in params:
            keys = sorted(params) if isinstance(params, dict) else type(params).__name__
            raise KeyError(f"{self.name}: params lack '{key}' (got {keys}); "
                           f'make them with {self.name}.sample_params')
        return params[key]

    def _check_table(self, table: Sequence[float]) -> Tuple[float, ...]:
        try:
            values = tuple(float(v) for v in table)
        except (TypeError, ValueError):
            raise ValueError(f'{self.name}: levels must be a sequence of numbers, got {table!r}')
        if len(values) < 2:
            raise ValueError(f'{self.name}: a level table needs at least 2 entries '
                             f'(level k lies between entries k-1 and k), got {table!r}')
        return values

    def _level_bounds(self, level: int) -> Tuple[float, float]:
        """The interval that level k draws from: table[k-1]..table[k]."""
        n_levels = 0 if self.levels is None else len(self.levels) - 1
        valid = isinstance(level, (int, np.integer)) and not isinstance(level, bool)
        if not valid or not 1 <= level <= n_levels:
            choices = f'1..{n_levels}' if n_levels else 'none (no level table configured)'
            raise ValueError(f'{self.name}: level {level!r} is not in its level table; valid '
                             f'levels: {choices}, or None for the full configured range')
        a, b = self.levels[level - 1], self.levels[level]
        return min(a, b), max(a, b)

    def _draw(self, rng: np.random.Generator, level: Optional[int],
              value_range: Tuple[float, float], integer: bool = False) -> Any:
        """Draw the operator's main scalar from its level interval or full range."""
        check_rng(rng, self.name)
        lo, hi = value_range if level is None else self._level_bounds(level)
        if integer:
            return int(rng.integers(int(round(lo)), int(round(hi)) + 1))
        return float(rng.uniform(lo, hi))
