"""Turns packed samples into a normalised, padded batch and back.

Inputs arrive as C x H x W float tensors in [0, 1] (see
``irtoolbox.structures``). The preprocessor stacks them, moves them to the
model's device, normalises with ``(x - mean) / std`` and pads the bottom and
right edges to a multiple of ``pad_size_divisor`` (the model raises it to its
own ``size_divisor``). The unpadded size is written to each sample's
``input_shape`` so that the prediction can be cropped back.
"""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor

from irtoolbox.registry import MODELS

Stat = Optional[Union[float, Sequence[float]]]


def _as_stat(value: Stat, default: float) -> torch.Tensor:
    value = default if value is None else value
    return torch.tensor(value, dtype=torch.float32).reshape(-1, 1, 1)


@MODELS.register_module()
class RestorationDataPreprocessor(BaseDataPreprocessor):
    """Stack, normalise and pad restoration inputs.

    An mmengine ``BaseDataPreprocessor`` (not a ``BaseModule``: it has no
    weights and mmengine's models expect that base class).

    Args:
        mean: per-channel mean in [0, 1] units. Default: None (0).
        std: per-channel std. Default: None (1). ``mean=0.5, std=0.5`` maps to
            [-1, 1], as GAN generators with a Tanh output expect.
        pad_size_divisor: pad H and W up to a multiple of this. Default: 1 (the
            restorer raises it to its backbone's ``size_divisor``).
        pad_mode: ``F.pad`` mode for the padding ('reflect' keeps borders
            natural; falls back to 'replicate' for inputs smaller than the pad).
            Default: 'reflect'.
    """

    def __init__(self, mean: Stat = None, std: Stat = None, pad_size_divisor: int = 1,
                 pad_mode: str = 'reflect') -> None:
        super().__init__()
        self.register_buffer('mean', _as_stat(mean, 0.0), persistent=False)
        self.register_buffer('std', _as_stat(std, 1.0), persistent=False)
        self.pad_size_divisor = pad_size_divisor
        self.pad_mode = pad_mode

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        """``(x - mean) / std``."""
        return (x - self.mean) / self.std

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        """``x * std + mean``, the inverse of :meth:`normalize`."""
        return x * self.std + self.mean

    def pad(self, x: torch.Tensor) -> torch.Tensor:
        """Pad bottom/right of an N x C x H x W batch to the size divisor."""
        div = self.pad_size_divisor
        pad_h, pad_w = (-x.shape[-2]) % div, (-x.shape[-1]) % div
        if pad_h == 0 and pad_w == 0:
            return x
        mode = self.pad_mode
        if mode == 'reflect' and (pad_h >= x.shape[-2] or pad_w >= x.shape[-1]):
            mode = 'replicate'
        return F.pad(x, (0, pad_w, 0, pad_h), mode=mode)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Stack, normalise and pad ``data['inputs']``; record ``input_shape`` per sample.

        Args:
            data: ``inputs`` (a list of ``C x H x W`` tensors in [0, 1], or an
                ``N x C x H x W`` batch) and optional ``data_samples``.
            training: unused (the same processing in every mode). Default: False.

        Returns:
            ``dict(inputs=N x C x H' x W' normalised batch, data_samples=...)``
            with ``H'``, ``W'`` the sizes padded up to ``pad_size_divisor``.
        """
        data = self.cast_data(data)
        inputs, data_samples = data['inputs'], data.get('data_samples')
        if isinstance(inputs, (list, tuple)):
            _check_same_shape(inputs, data_samples)
            inputs = torch.stack(list(inputs))
        inputs = inputs.float()
        if data_samples is not None:
            for sample in data_samples:
                sample.set_metainfo(dict(input_shape=tuple(inputs.shape[-2:])))
        return dict(inputs=self.pad(self.normalize(inputs)), data_samples=data_samples)

    def gt_batch(self, data_samples: List) -> torch.Tensor:
        """The normalised ground truth of a batch, stacked on the model device."""
        missing = [s.metainfo.get('gt_path', '?') for s in data_samples if 'gt_img' not in s]
        if missing:
            raise KeyError(f'gt_img missing for samples {missing}: training and validation '
                           'need ground truth (pack it with PackInputs(keys=("img", "gt")))')
        gt = torch.stack([s.gt_img for s in data_samples]).to(self.mean.device).float()
        return self.normalize(gt)


def _check_same_shape(inputs: Sequence[torch.Tensor], data_samples: Optional[List]) -> None:
    shapes = {tuple(x.shape) for x in inputs}
    if len(shapes) <= 1:
        return
    paths = [s.metainfo.get('img_path', '?') for s in data_samples or []]
    raise ValueError(f'Cannot batch inputs of different sizes {sorted(shapes)} ({paths}): '
                     'crop them to one size in the pipeline or use batch_size=1')
