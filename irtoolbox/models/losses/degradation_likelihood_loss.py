"""-log p(degraded | restored) under a trained, frozen degradation model.

Han et al. (2024), Sec. 3.2 and Fig. 1: instead of an l_p distance between the
degraded input and a degraded version of the restoration, the restoration is
scored by the likelihood the learned conditional model gives the observed
degraded image. Any restorer can use it as a named loss: it declares
``loss_inputs = ('pred', 'lq')`` and is called ``loss(pred, lq)`` on the
restorer's normalised images.

Ranges: ``pred`` and ``lq`` arrive in the restorer's normalised range,
``input_range`` (``(-1, 1)`` by default, the data preprocessor's
``mean=0.5, std=0.5``; ``(0, 1)`` for ``mean=0, std=1``), and are mapped
linearly to [-1, 1], the range of the model's 256 bins. ``lq`` should be an
8-bit image (it is, after the data pipeline).

The model's weights come from a checkpoint read, at the first call (so that a
config naming a checkpoint still builds without it), with the safe loader
(``irtoolbox.utils.checkpoint.load_checkpoint_file``): a file that would run
code when unpickled is refused. A ``DegradationDensityModel`` checkpoint (keys
``density.*``) or a bare density-network state dict are both accepted.
"""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS
from irtoolbox.utils.checkpoint import load_checkpoint_file, sub_state_dict

from .discretized_logistic_mixture_loss import DiscretizedLogisticMixtureLoss


def density_state_dict(checkpoint: dict, prefix: str = 'density.') -> dict:
    """The density network's weights from a training checkpoint or a bare state dict."""
    return sub_state_dict(checkpoint, (prefix, ''), 'DegradationLikelihoodLoss checkpoint')


@MODELS.register_module()
class DegradationLikelihoodLoss(BaseModule):
    """``loss_weight * NLL(lq | pred)`` under a frozen conditional density model.

    Args:
        model: config of the density network (e.g. ``ConditionalPixelCNN``). Required.
        checkpoint: path of its trained weights, read at the first call
            (``None``: keep the built weights, for tests only). Default: ``None``.
        input_range: (low, high) of the images given to the loss. Default: ``(-1, 1)``.
        unit: 'bits_per_dim' or 'nats_per_dim'. Default: 'bits_per_dim'.
        loss_weight: the loss's weight (the paper's "pixelcnn coff"). Default: 1.0.
        unsafe_load: load a checkpoint with arbitrary pickled objects (only for
            files you trust). Default: ``False``.
        init_cfg: unused (the weights come from ``checkpoint``). Default: ``None``.
    """

    loss_inputs: Tuple[str, ...] = ('pred', 'lq')

    def __init__(self, model: dict, checkpoint: Optional[str] = None,
                 input_range: Tuple[float, float] = (-1.0, 1.0), unit: str = 'bits_per_dim',
                 loss_weight: float = 1.0, unsafe_load: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.model = MODELS.build(model)
        self.model.requires_grad_(False)
        self.model.eval()
        self.checkpoint, self.unsafe_load = checkpoint, unsafe_load
        self._loaded = checkpoint is None
        low, high = input_range
        if not high > low:
            raise ValueError(f'DegradationLikelihoodLoss: input_range must be (low, high) with '
                             f'high > low, got {input_range}')
        self.input_range = (float(low), float(high))
        self.nll = DiscretizedLogisticMixtureLoss(unit=unit, loss_weight=loss_weight)

    def init_weights(self) -> None:
        """Nothing to initialise: the frozen model's weights are the checkpoint's (a
        Runner calls this on the restorer that owns the loss)."""

    def train(self, mode: bool = True) -> 'DegradationLikelihoodLoss':
        """The density model stays in eval mode (no dropout): it is frozen."""
        super().train(mode)
        self.model.eval()
        return self

    def load(self) -> None:
        """Read the checkpoint (safe loader) into the frozen model, once."""
        if self._loaded:
            return
        state = density_state_dict(load_checkpoint_file(self.checkpoint, map_location='cpu',
                                                        unsafe=self.unsafe_load))
        missing, unexpected = self.model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise KeyError(f'DegradationLikelihoodLoss: checkpoint {self.checkpoint} does not '
                           f'fit {type(self.model).__name__}: missing {missing[:5]}, '
                           f'unexpected {unexpected[:5]}')
        self._loaded = True

    def to_unit_range(self, x: torch.Tensor) -> torch.Tensor:
        low, high = self.input_range
        return (x - low) * (2.0 / (high - low)) - 1.0

    def forward(self, pred: torch.Tensor, lq: torch.Tensor) -> torch.Tensor:
        """pred: N x C x H x W restoration (the condition); lq: the degraded input,
        same shape, both in ``input_range``. Returns: the mean NLL per sub-pixel."""
        if pred.shape != lq.shape:
            raise ValueError(f'DegradationLikelihoodLoss: restoration {tuple(pred.shape)} and '
                             f'degraded image {tuple(lq.shape)} differ in shape')
        self.load()
        degraded = self.to_unit_range(lq).clamp(-1.0, 1.0)
        return self.nll(self.model(degraded, self.to_unit_range(pred)), degraded)
