"""A restorer whose plugins may read the batch: all-in-one restoration (IDR).

IDR's plugins need more than the features at their position (Zhang et al.,
"Ingredient-oriented Multi-Degradation Learning for Image Restoration", CVPR
2023, and its supplement): the SDAM adds the degraded image at its scale, and
the meta-prior learning module picks the prior hub of each sample's known
degradation type in the first training stage and the classifier's predicted
mixture afterwards. A backbone calls its plugins with the features only, so
``AllInOneRestorer`` hands them a :class:`BatchContext` instead: before every
forward it sets ``module.batch_context`` on each submodule that declares
``reads_batch_context = True`` (any backbone, at any plugin position) and
clears it afterwards.

The context holds the normalised, padded degraded batch, each sample's task
index (``task_idx`` in its metainfo, set by ``MultiTaskDataset``; ``None``
when a sample has none) and the training stage:

- stage 1 while training before iteration ``stage_switch_iter`` (read from
  mmengine's ``MessageHub`` ``'iter'``, which the Runner updates before every
  training iteration, so a resumed run is in the same stage as the
  uninterrupted one at every iteration);
- stage 2 from that iteration on, in evaluation and without task labels.

Each forward gets a fresh context; the first meta-prior learning module that
classifies writes its softmax prediction into it (``type_prediction``), which
later modules may mix their hubs by (``mixture_source='first'``).
"""
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional

import torch
from mmengine.logging import MessageHub

from irtoolbox.registry import MODELS

from .restorer import Restorer


@dataclass
class BatchContext:
    """What plugins with ``reads_batch_context = True`` see during a forward.

    Attributes:
        inputs: ``N x C x H x W`` normalised degraded batch, padded to the
            model's ``size_divisor``.
        task_idx: ``N`` long tensor of the samples' task indices, or ``None``
            when the samples carry none.
        stage: 1 (use each sample's known task) or 2 (use predictions).
        type_prediction: ``N x T`` softmax of the degradation-type classifier
            of the first meta-prior learning module in forward order that
            has one, filled in by that module during the forward (``None``
            before); modules with ``mixture_source='first'`` mix their hubs
            by it in stage 2. It lives as long as this forward's context.
    """

    inputs: torch.Tensor
    task_idx: Optional[torch.Tensor]
    stage: int
    type_prediction: Optional[torch.Tensor] = None


def task_indices(data_samples: Optional[List], device: torch.device) -> Optional[torch.Tensor]:
    """The samples' ``task_idx`` metainfo as a long tensor, or None if any lacks it."""
    if not data_samples or any('task_idx' not in s.metainfo for s in data_samples):
        return None
    return torch.tensor([int(s.metainfo['task_idx']) for s in data_samples],
                        dtype=torch.long, device=device)


def current_iteration() -> int:
    """The Runner's current training iteration (0 outside a Runner)."""
    return int(MessageHub.get_current_instance().get_info('iter', 0))


@MODELS.register_module()
class AllInOneRestorer(Restorer):
    """``Restorer`` that hands each forward's :class:`BatchContext` to its plugins.

    Args:
        backbone: config of the main network. Required.
        losses: ``{name: loss config}`` (see :class:`Restorer`). Default: ``None``.
        stage_switch_iter: first training iteration of stage 2 (predicted hub
            mixtures); ``None`` keeps stage 1 for the whole training. Default:
            ``None``.
        neck: optional module after the backbone. Default: ``None``.
        head: optional output module. Default: ``None``.
        data_preprocessor: preprocessor config. Default: ``None``
            (``RestorationDataPreprocessor``).
        train_cfg: kept for the record. Default: ``None``.
        test_cfg: ``keep_input=True`` also returns the input. Default: ``None``.
        feature_taps: ``{tap name: module-name pattern}`` for the losses
            (``'**.sdam_image'`` for the SDAM loss, ``'**.degradation_classifier'``
            for the classifier's). Default: ``None``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, backbone: dict, losses: Optional[Dict[str, dict]] = None,
                 stage_switch_iter: Optional[int] = None, neck: Optional[dict] = None,
                 head: Optional[dict] = None, data_preprocessor: Optional[dict] = None,
                 train_cfg: Optional[dict] = None, test_cfg: Optional[dict] = None,
                 feature_taps: Optional[Dict[str, str]] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(backbone=backbone, losses=losses, neck=neck, head=head,
                         data_preprocessor=data_preprocessor, train_cfg=train_cfg,
                         test_cfg=test_cfg, feature_taps=feature_taps, init_cfg=init_cfg)
        if stage_switch_iter is not None and int(stage_switch_iter) < 0:
            raise ValueError(f'AllInOneRestorer: stage_switch_iter must be >= 0 or None, '
                             f'got {stage_switch_iter!r}')
        self.stage_switch_iter = stage_switch_iter

    def stage(self) -> int:
        """1 while training before ``stage_switch_iter``, else 2."""
        if not self.training:
            return 2
        if self.stage_switch_iter is None:
            return 1
        return 1 if current_iteration() < int(self.stage_switch_iter) else 2

    @contextmanager
    def batch_context(self, inputs: torch.Tensor,
                      data_samples: Optional[List]) -> Iterator[BatchContext]:
        """Set the context on every reading submodule while inside; clear it after."""
        task_idx = task_indices(data_samples, inputs.device)
        context = BatchContext(inputs=inputs, task_idx=task_idx,
                               stage=self.stage() if task_idx is not None else 2)
        readers = [m for m in self.modules() if getattr(m, 'reads_batch_context', False)]
        for module in readers:
            module.batch_context = context
        try:
            yield context
        finally:
            for module in readers:
                module.batch_context = None

    def forward_tensor(self, inputs: torch.Tensor,
                       data_samples: Optional[List] = None) -> torch.Tensor:
        """:meth:`Restorer.forward_tensor` inside the batch's context.

        Args:
            inputs: ``N x C x H x W`` normalised degraded images, padded.
            data_samples: the batch's samples (task labels). Default ``None``.

        Returns:
            ``N x C x sH x sW`` normalised restoration.
        """
        with self.batch_context(inputs, data_samples):
            return super().forward_tensor(inputs, data_samples)
