"""The degradation model ``y = (W x)↓t + n`` of each sample, as DL-Net's
likelihood needs it (Guo et al., "Deep Likelihood Network", Eq. 1-2).

W, t and sigma are not configured in the model: they come from what the data
pipeline recorded in each sample's metainfo (``degradation_params``, written by
the ``Degrade`` transform) and from the torch side (``apply_torch``) of the
same operators that made the sample, so that ``W h(z)`` is exactly the
degradation the input went through. Per operator of the recorded chain:

- ``BoxMask`` / ``BernoulliMask`` (inpainting / interpolation): W keeps the
  observed entries; only they enter the likelihood (the hole is ignored);
- ``GaussianBlur`` and ``Downsample`` (blur + bicubic ``↓t``, SISR): applied
  with ``apply_torch`` (differentiable), every output entry observed;
- ``GaussianNoise``: W is the identity and its sigma (0..255 units) weights
  the sample's term by ``1 / sigma^2`` (sigma in [0, 1] image units);
  ``sigma = 0`` (no noise) gives weight 1 (the released code's ``1/2`` term).

Any other operator (JPEG, a mask before a blur) has no linear model and is
rejected with an error naming it.

The fidelity of sample i:

    L_i = w_i * sum_observed (W h(z) - y)^2 / count_i / 2,

summed over the batch and divided by the batch size. ``count_i`` is, with
``normalize='pixels'`` (default, the released code
yiwenguo/Deep-Likelihood-Network: its mask is N x H x W x 1), the number of
observed *pixels*; with ``normalize='entries'`` (this toolbox's earlier
reading), observed pixels x channels, C times smaller a term. Adam on z is
blind to a constant factor except at its ``1e-16`` floor on v-hat, so the two
differ there (a few hundred z entries per batch of 4 at init). The masks and linear
operators act on the model's normalised images: every W here has rows that
sum to 1 (mask rows, a normalised blur kernel, bicubic weights), so it
commutes with ``(x - mean) / std`` on the observed entries.
"""
import copy
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from irtoolbox.registry import DEGRADATIONS

MASK_OPS = ('BoxMask', 'BernoulliMask')
LINEAR_OPS = ('GaussianBlur', 'Downsample')
NOISE_OPS = ('GaussianNoise',)


def _meta(sample: Any) -> Dict[str, Any]:
    return sample.metainfo if hasattr(sample, 'metainfo') else dict(sample)


def has_degradation(sample: Any) -> bool:
    """True when the sample carries recorded degradation params."""
    return _meta(sample).get('degradation_params') is not None


def flatten_params(params: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The leaf operators' params of a recorded (possibly nested Compose) chain."""
    if params.get('name') == 'Compose':
        return [leaf for sub in params['ops'] for leaf in flatten_params(sub)]
    return [params]


_OP_CACHE: Dict[str, Any] = {}


def _op(name: str) -> Any:
    # A default instance: apply_torch reads everything it needs from the params.
    if name not in _OP_CACHE:
        _OP_CACHE[name] = DEGRADATIONS.build(dict(type=name))
    return _OP_CACHE[name]


class SampleObservation:
    """W, the observed entries and the noise weight of one sample.

    Args:
        params: the sample's recorded ``degradation_params``.
        where: text naming the sample, for errors.
    """

    def __init__(self, params: Dict[str, Any], where: str = 'a sample') -> None:
        if not isinstance(params, dict) or 'name' not in params:
            raise TypeError(f'DL-Net likelihood: degradation_params of {where} must be the '
                            f'params dict recorded by Degrade, got {type(params).__name__}')
        self.steps: List[Tuple[str, Dict[str, Any]]] = []
        self.noise_sigma = 0.0
        self.is_mask_only = True
        masked = False
        for leaf in flatten_params(params):
            name = leaf.get('name')
            if name in MASK_OPS:
                self.steps.append(('mask', leaf))
                masked = True
            elif name in LINEAR_OPS:
                if masked:
                    raise ValueError(f'DL-Net likelihood: {where} applies {name} after a mask; '
                                     'the observed entries are then undefined')
                self.steps.append(('linear', leaf))
                self.is_mask_only = False
            elif name in NOISE_OPS:
                # sigma of independent noises add in quadrature.
                self.noise_sigma = float(np.hypot(self.noise_sigma, float(leaf['sigma']) / 255.0))
            else:
                raise ValueError(
                    f'DL-Net likelihood: {where} was degraded by {name!r}, which has no linear '
                    f'model; supported: {", ".join(MASK_OPS + LINEAR_OPS + NOISE_OPS)}')

    @property
    def noise_weight(self) -> float:
        """``1 / sigma^2`` of Eq. 2, or 1 without noise."""
        return 1.0 / self.noise_sigma ** 2 if self.noise_sigma > 0 else 1.0

    def apply(self, x: torch.Tensor) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """``(W x, observed)`` for ``x`` ``1 x C x H x W``: observed is
        ``1 x 1 x h x w`` (1 = observed) or None when every entry is."""
        observed = None
        for kind, leaf in self.steps:
            op = _op(leaf['name'])
            if kind == 'linear':
                x = op.apply_torch(x, leaf)
            else:
                mask = torch.as_tensor(np.asarray(op.mask(leaf, tuple(x.shape[-2:]))),
                                       dtype=x.dtype, device=x.device)[None, None]
                observed = mask if observed is None else observed * mask
        return x, observed

    def mask(self, hw: Tuple[int, int], dtype: torch.dtype,
             device: torch.device) -> torch.Tensor:
        """The ``1 x 1 x H x W`` observed mask of a mask-only chain."""
        mask = torch.ones((1, 1, *hw), dtype=dtype, device=device)
        for _, leaf in self.steps:
            op = _op(leaf['name'])
            mask = mask * torch.as_tensor(np.asarray(op.mask(leaf, hw)), dtype=dtype,
                                          device=device)[None, None]
        return mask


NORMALIZE = ('pixels', 'entries')


class ObservationModel:
    """The per-sample degradation model of a batch and its fidelity term.

    Args:
        data_samples: the batch's samples, each with ``degradation_params``
            in its metainfo (and ``input_shape``, set by the preprocessor).
        inputs: ``N x C x H x W`` normalised, padded degraded batch (y).
        normalize: divide each image's squared residual by its observed
            ``'pixels'`` (the released code) or observed ``'entries'``
            (pixels x channels). Default: ``'pixels'``.
    """

    def __init__(self, data_samples: Sequence[Any], inputs: torch.Tensor,
                 normalize: str = 'pixels') -> None:
        if len(data_samples) != inputs.shape[0]:
            raise ValueError(f'DL-Net likelihood: {len(data_samples)} data samples for a batch '
                             f'of {inputs.shape[0]} inputs')
        metas = [_meta(s) for s in data_samples]
        self.observations = [
            SampleObservation(m.get('degradation_params'),
                              where=f"sample {i} ({m.get('img_path', m.get('gt_path', '?'))})")
            for i, m in enumerate(metas)]
        h, w = metas[0].get('input_shape', tuple(inputs.shape[-2:]))
        self._set_batch(inputs, (int(h), int(w)), normalize, torch.tensor(
            [o.noise_weight for o in self.observations], dtype=inputs.dtype,
            device=inputs.device))
        self.mask_only = all(o.is_mask_only for o in self.observations)
        if self.mask_only:
            # Masks of a mask-only batch are stacked once: the refinement loop
            # then costs a few batched element-wise ops per step.
            self.set_masks(torch.cat([o.mask(self.in_hw, inputs.dtype, inputs.device)
                                      for o in self.observations]))

    @classmethod
    def from_masks(cls, inputs: torch.Tensor, masks: torch.Tensor, sigma: torch.Tensor,
                   normalize: str = 'pixels') -> 'ObservationModel':
        """A mask-only observation given as tensors instead of recorded samples
        (the extra inputs of an exported DL-Net graph).

        Args:
            inputs: ``N x C x H x W`` normalised, padded degraded batch (y).
            masks: ``N x 1 x H x W`` observed masks at the padded size (1 =
                observed; 0 in the holes and on the padding, which then has no
                residual, as the cropped residual of recorded samples).
            sigma: ``N`` noise std of each input in 0..255 units (0: none).
            normalize: as the class. Default: ``'pixels'``.
        """
        self = cls.__new__(cls)
        self.observations = []
        noise = sigma / 255.0
        # SampleObservation.noise_weight as tensor ops: 1 / sigma^2, 1 without noise
        weight = torch.where(noise > 0, 1.0 / (noise * noise), torch.ones_like(noise))
        self._set_batch(inputs, tuple(inputs.shape[-2:]), normalize, weight)
        self.mask_only = True
        self.set_masks(masks)
        return self

    def _set_batch(self, inputs: torch.Tensor, in_hw: Tuple[int, int], normalize: str,
                   noise_weight: torch.Tensor) -> None:
        """What every observation holds of its batch: y at the unpadded size
        ``in_hw``, N, the per-sample noise weights and the count's entries per pixel."""
        if normalize not in NORMALIZE:
            raise ValueError(f'DL-Net likelihood: normalize must be one of {NORMALIZE}, '
                             f'got {normalize!r}')
        # entries per observed pixel in the count
        self.per_pixel = inputs.shape[1] if normalize == 'entries' else 1
        self.in_hw = in_hw
        self.padded_width = inputs.shape[-1]
        h, w = in_hw
        # unpadded: y itself (a traced graph keeps no fixed slice ends)
        self.y = inputs if in_hw == tuple(inputs.shape[-2:]) else inputs[..., :h, :w]
        self.batch_size = inputs.shape[0]  # N of Eq. 4's 1 / N, also in a rows() view
        self.noise_weight = noise_weight

    def set_masks(self, masks: torch.Tensor) -> None:
        """The stacked ``N x 1 x h x w`` masks of a mask-only batch, their counts
        and the per-pixel gradient factor."""
        self.masks = masks
        self.counts = masks.sum(dim=(1, 2, 3)).clamp(min=1) * self.per_pixel
        # dL/dx = w_i M (x - y) / (count_i N): the per-pixel factor, once per batch.
        self.grad_weight = masks * (
            self.noise_weight / (self.counts * self.batch_size)).view(-1, 1, 1, 1)

    def rows(self, start: int, stop: int) -> 'ObservationModel':
        """The observation of samples ``start .. stop - 1`` alone, for refining a
        batch in chunks: its fidelity is those samples' share of the batch's
        (still divided by the whole batch's N), so each sample's gradient is
        the one it has in the whole batch."""
        view = copy.copy(self)
        view.observations = self.observations[start:stop]
        view.y = self.y[start:stop]
        view.noise_weight = self.noise_weight[start:stop]
        if self.mask_only:
            view.masks, view.counts = self.masks[start:stop], self.counts[start:stop]
            view.grad_weight = self.grad_weight[start:stop]
        return view

    def out_hw(self, shape: Sequence[int]) -> Tuple[int, int]:
        """The unpadded size of a restoration of ``shape`` (its scale times the input's)."""
        scale = shape[-1] // self.padded_width
        if self.mask_only and scale != 1:
            raise ValueError('DL-Net likelihood: a mask-only degradation needs a same-size '
                             f'model, got output width {shape[-1]} for input '
                             f'{self.padded_width}')
        return self.in_hw[0] * scale, self.in_hw[1] * scale

    def fidelity(self, x: torch.Tensor) -> torch.Tensor:
        """Scalar ``sum_i L_i / N`` for the restoration ``x`` (``N x C x sH' x sW'``,
        normalised; cropped here to the unpadded ``sH x sW``)."""
        out_h, out_w = self.out_hw(x.shape)
        x = x[..., :out_h, :out_w]
        if self.mask_only:
            per_image = ((x - self.y) ** 2 * self.masks).sum(dim=(1, 2, 3)) / self.counts
        else:
            terms = []
            for i, observation in enumerate(self.observations):
                wx, observed = observation.apply(x[i:i + 1])
                sq = (wx - self.y[i:i + 1]) ** 2
                if wx.shape != self.y[i:i + 1].shape:
                    raise ValueError(f'DL-Net likelihood: W h(z) of sample {i} has shape '
                                     f'{tuple(wx.shape)}, its input {tuple(self.y[i:i + 1].shape)}')
                if observed is None:
                    terms.append(sq.sum() / (sq.shape[-2] * sq.shape[-1] * self.per_pixel))
                else:
                    count = observed.sum().clamp(min=1) * self.per_pixel
                    terms.append((sq * observed).sum() / count)
            per_image = torch.stack(terms)
        return (per_image * self.noise_weight).sum() / (2 * self.batch_size)

    def fidelity_gradient(self, x: torch.Tensor, create_graph: bool = False) -> torch.Tensor:
        """``dL/dx`` of :meth:`fidelity` for the restoration ``x`` (``N x C x sH' x sW'``),
        same shape (zero on the padding and, for masks, in the holes).

        A mask-only batch has the closed form ``w_i M (x - y) / (count_i N)``
        (two element-wise passes, differentiable in ``x``); any other W goes
        through autograd, with ``create_graph`` for a graph through the result.
        """
        out_h, out_w = self.out_hw(x.shape)
        if not self.mask_only:
            with torch.enable_grad():
                leaf = x if x.requires_grad else x.detach().requires_grad_(True)
                grad, = torch.autograd.grad(self.fidelity(leaf), leaf, create_graph=create_graph)
            return grad
        if (out_h, out_w) == tuple(x.shape[-2:]):
            # no padding: no crop either (a traced graph keeps no fixed slice ends)
            return (x - self.y) * self.grad_weight
        grad = (x[..., :out_h, :out_w] - self.y) * self.grad_weight
        return torch.nn.functional.pad(grad, (0, x.shape[-1] - out_w, 0, x.shape[-2] - out_h))

    def observed_mask(self) -> Optional[torch.Tensor]:
        """``N x 1 x H x W`` observed masks of a mask-only batch (None otherwise)."""
        return self.masks if self.mask_only else None
