"""Mask degradations of DL-Net (Guo et al., "Deep Likelihood Network"):

- ``BoxMask``: an inpainting hole of side s ~ U{1..30} whose centre is the
  image centre shifted by U{-10..10} in each direction;
- ``BernoulliMask``: pixel interpolation, each pixel dropped with probability
  p ~ U[0, 0.75], the same mask for all channels.

``y = m * x + fill * (1 - m)`` with the mask m (H x W, 1 = observed). The
mask needs the image size, so ``sample_params`` keeps what rebuilds it (side
and shift, or drop rate and seed) and ``op(img, rng)`` adds it to the params
as a uint8 array under 'mask'; ``apply``/``apply_torch`` use a stored mask
when present and rebuild it otherwise.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch

from irtoolbox.registry import DEGRADATIONS

from .base import BaseDegradation, Params, check_image, check_range, check_tensor, random_seed


class _MaskDegradation(BaseDegradation):
    """Shared masking; subclasses implement ``build_mask``."""

    has_torch = True

    def __init__(self, fill: float, levels: Optional[Sequence[float]]) -> None:
        super().__init__(levels)
        self.fill = float(fill)

    def build_mask(self, params: Params, hw: Tuple[int, int]) -> np.ndarray:
        raise NotImplementedError

    def complete_params(self, params: Params, shape: Tuple[int, ...]) -> Params:
        return dict(params, mask=self.build_mask(params, tuple(shape[:2])))

    def mask(self, params: Params, hw: Tuple[int, int]) -> np.ndarray:
        """The stored mask (checked against the image size) or a rebuilt one."""
        if 'mask' not in params:
            return self.build_mask(params, hw)
        mask = np.asarray(params['mask'])
        if mask.shape != tuple(hw):
            raise ValueError(f'{self.name}: params mask has shape {mask.shape}, '
                             f'the image is {tuple(hw)}')
        return mask

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        img = check_image(img, self.name)
        mask = self.mask(params, img.shape[:2]).astype(np.float32)[..., None]
        return img * mask + np.float32(self.fill) * (1.0 - mask)

    def apply_torch(self, x: torch.Tensor, params: Params) -> torch.Tensor:
        x = check_tensor(x, self.name)
        mask = self.mask(params, tuple(x.shape[-2:]))
        mask = torch.as_tensor(mask, dtype=x.dtype, device=x.device)[None, None]
        return x * mask + self.fill * (1.0 - mask)


def box_mask(hw: Tuple[int, int], side: int, shift: Tuple[int, int]) -> np.ndarray:
    """uint8 H x W mask, 0 in the side x side box centred at centre + shift."""
    mask = np.ones(hw, dtype=np.uint8)
    top = hw[0] // 2 + int(shift[0]) - side // 2
    left = hw[1] // 2 + int(shift[1]) - side // 2
    # Clipping keeps a box that pokes out of a small image partly inside.
    mask[max(top, 0):max(top + side, 0), max(left, 0):max(left + side, 0)] = 0
    return mask


@DEGRADATIONS.register_module()
class BoxMask(_MaskDegradation):
    """Square inpainting hole (DL-Net inpainting).

    Args:
        side_range: (min, max) integer side of the hole.
        shift_range: (min, max) integer shift of its centre, per axis.
        fill: value written into the hole.
        levels: optional level table of sides.
    """

    def __init__(self, side_range: Tuple[int, int] = (1, 30),
                 shift_range: Tuple[int, int] = (-10, 10), fill: float = 0.0,
                 levels: Optional[Sequence[int]] = None) -> None:
        super().__init__(fill, levels)
        self.side_range = check_range(side_range, self.name, 'side_range', low=0)
        self.shift_range = check_range(shift_range, self.name, 'shift_range')

    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        side = self._draw(rng, level, self.side_range, integer=True)
        lo, hi = int(round(self.shift_range[0])), int(round(self.shift_range[1]))
        shift = [int(v) for v in rng.integers(lo, hi + 1, size=2)]
        return self._new_params(level, side=side, shift=shift)

    def build_mask(self, params: Params, hw: Tuple[int, int]) -> np.ndarray:
        return box_mask(hw, int(self._get(params, 'side')), self._get(params, 'shift'))


@DEGRADATIONS.register_module()
class BernoulliMask(_MaskDegradation):
    """Random pixel drop (DL-Net interpolation), one mask for all channels.

    Args:
        drop_range: (min, max) drop probability.
        fill: value written into dropped pixels.
        levels: optional level table of drop probabilities.
    """

    def __init__(self, drop_range: Tuple[float, float] = (0.0, 0.75), fill: float = 0.0,
                 levels: Optional[Sequence[float]] = None) -> None:
        super().__init__(fill, levels)
        self.drop_range = check_range(drop_range, self.name, 'drop_range', 0.0, 1.0)

    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        drop = self._draw(rng, level, self.drop_range)
        return self._new_params(level, drop=drop, seed=random_seed(rng))

    def build_mask(self, params: Params, hw: Tuple[int, int]) -> np.ndarray:
        uniform = np.random.default_rng(int(self._get(params, 'seed'))).random(hw)
        return (uniform >= float(self._get(params, 'drop'))).astype(np.uint8)
