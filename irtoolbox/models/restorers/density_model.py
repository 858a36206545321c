"""Trains and scores a conditional density model of degradations, p(degraded | clean).

Han et al. (2024), Sec. 3.2 and 4.3: the degradation model is trained by
maximum likelihood on (clean, degraded) pairs and evaluated by its NLL in
bits/dim on paired and unpaired images (Table 1). This wrapper lets the usual
tools do both:

- ``loss``: ``{'loss_nll': NLL, 'bits_per_dim': NLL in bits/dim (logged, not
  optimised)}``; ``loss_nll`` is in the loss's unit (bits/dim by default).
- ``predict``: each data sample gets ``bpd_paired`` (its degraded image under
  its own clean image) and, with ``test_cfg=dict(unpaired=True)`` (default),
  ``bpd_unpaired``: its degraded image under *another* image's clean image, a
  fixed derangement — inside a batch, image i is scored against the clean
  image of image i - 1 (cyclically); a batch of one image uses the clean image
  of the last image of the previous batch on this rank (same size needed).
  The ``BitsPerDim`` metric averages them. ``pred_img`` is not set.
- ``tensor``: the mixture parameters.

Images: the degraded input (``inputs``) and the clean ``gt_img`` arrive in
[0, 1] and are normalised by the data preprocessor; the model sees them in
[-1, 1] (``2 * denormalize(x) - 1``), the range the likelihood's 256 bins cover.
"""
from types import MappingProxyType
from typing import Dict, List, Mapping, Optional, Union

import torch
from mmengine.model import BaseModel

from irtoolbox.models.restorers.restorer import (
    build_data_preprocessor,
    check_loss_inputs,
    crop_to_input,
    loss_context,
    loss_inputs_of,
)
from irtoolbox.registry import MODELS

OptConfig = Optional[dict]
_NLL_LOSS = MappingProxyType(dict(type='DiscretizedLogisticMixtureLoss'))  # read-only defaults
_TEST_CFG = MappingProxyType(dict(unpaired=True))


@MODELS.register_module()
class DegradationDensityModel(BaseModel):
    """Maximum-likelihood training and bits/dim scoring of ``density(degraded, clean)``.

    Args:
        density: config of the conditional density network (e.g.
            ``ConditionalPixelCNN``) returning mixture parameters. Required.
        loss: config of the likelihood loss (bits/dim).
            Default: ``dict(type='DiscretizedLogisticMixtureLoss')``.
        data_preprocessor: Default: ``RestorationDataPreprocessor`` with
            ``mean=0.5, std=0.5``.
        test_cfg: ``unpaired`` (bool) also scores the derangement; keys not
            given keep these. Default: ``dict(unpaired=True)``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, density: dict, loss: Mapping = _NLL_LOSS,
                 data_preprocessor: OptConfig = None, test_cfg: Mapping = _TEST_CFG,
                 init_cfg: OptConfig = None) -> None:
        data_preprocessor = build_data_preprocessor(
            data_preprocessor, dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5))
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.density = MODELS.build(density)
        self.nll = MODELS.build(dict(loss))
        check_loss_inputs('nll', self.nll)
        self.test_cfg = {**_TEST_CFG, **(test_cfg or {})}
        self._previous_clean: Optional[torch.Tensor] = None

    def to_unit_range(self, x: torch.Tensor) -> torch.Tensor:
        """Preprocessor-normalised images -> [-1, 1]."""
        return self.data_preprocessor.denormalize(x) * 2.0 - 1.0

    def _pair(self, inputs: torch.Tensor, data_samples: List) -> tuple:
        """The (degraded, clean) pair in [-1, 1], the padding undone (:func:`crop_to_input`)."""
        degraded = self.to_unit_range(crop_to_input(inputs, data_samples))
        clean = self.to_unit_range(self.data_preprocessor.gt_batch(data_samples))
        if clean.shape != degraded.shape:
            raise ValueError(f'DegradationDensityModel: clean {tuple(clean.shape)} and degraded '
                             f'{tuple(degraded.shape)} batches differ in shape')
        return degraded, clean

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], List, torch.Tensor]:
        """inputs: N x C x H x W normalised degraded images; data_samples carry
        ``gt_img`` (C x H x W in [0, 1]). Returns by ``mode``: 'loss' a dict,
        'predict' the samples with ``bpd_paired`` / ``bpd_unpaired``, 'tensor'
        the N x P x H x W mixture parameters."""
        if mode not in ('loss', 'predict', 'tensor'):
            raise ValueError(f"DegradationDensityModel.forward: mode must be 'loss', 'predict' "
                             f"or 'tensor', got {mode!r}")
        degraded, clean = self._pair(inputs, data_samples)
        if mode == 'tensor':
            return self.density(degraded, clean)
        if mode == 'loss':  # the one loss context: pred = the mixture, gt = the degraded image
            context = loss_context(self, inputs, data_samples,
                                   lambda _: self.density(degraded, clean), degraded)
            params = context.pred
            loss = self.nll(*context.loss_inputs(loss_inputs_of(self.nll)))
            bits = self.nll.per_image_nll(params, degraded).sum() / degraded.numel()
            return dict(loss_nll=loss, bits_per_dim=(bits / torch.log(torch.tensor(2.0))).detach())
        return self.predict(degraded, clean, data_samples)

    def bits_per_dim(self, degraded: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
        """N values: NLL of each degraded image given its clean image, in bits/dim."""
        nll = self.nll.per_image_nll(self.density(degraded, clean), degraded)
        return nll / (degraded[0].numel() * torch.log(torch.tensor(2.0)))

    def predict(self, degraded: torch.Tensor, clean: torch.Tensor, data_samples: List) -> List:
        """Set ``bpd_paired`` and (``unpaired``) ``bpd_unpaired`` on each sample."""
        paired = self.bits_per_dim(degraded, clean)
        for sample, value in zip(data_samples, paired):
            sample.bpd_paired = float(value)
        if self.test_cfg['unpaired']:
            if clean.shape[0] > 1:
                others = torch.roll(clean, shifts=1, dims=0)
            elif self._previous_clean is not None and self._previous_clean.shape == clean.shape:
                others = self._previous_clean
            else:
                raise ValueError('DegradationDensityModel: unpaired scoring needs another clean '
                                 'image; with batch_size=1 the first batch has none (use a test '
                                 'batch size > 1 or test_cfg=dict(unpaired=False))')
            unpaired = self.bits_per_dim(degraded, others)
            for sample, value in zip(data_samples, unpaired):
                sample.bpd_unpaired = float(value)
            self._previous_clean = clean[-1:].detach()
        return data_samples
