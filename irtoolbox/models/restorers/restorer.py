"""The top-level restoration model: backbone, optional neck and head, named losses.

``Restorer`` is an mmengine ``BaseModel``, so the Runner drives it in its three
modes:

- ``loss``: returns ``{'loss_<name>': value}``, one entry per configured loss,
  each logged under its own name;
- ``predict``: returns the data samples with ``pred_img`` set (in [0, 1],
  cropped back to the unpadded input size times the model's scale);
- ``tensor``: the raw network output on the normalised, padded batch.
"""
import math
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample

OptConfig = Optional[dict]


@MODELS.register_module()
class Restorer(BaseModel):
    """Backbone -> [neck] -> [head], trained with a dict of named losses.

    Args:
        backbone: config of the main network (the only required part).
        losses: ``{name: loss config}``; each loss is called as
            ``loss(pred, gt)`` on normalised tensors. ``None`` gives no losses
            (a model used for inference only).
        neck: optional module applied to the backbone output.
        head: optional module producing the image from the features.
        data_preprocessor: config of the preprocessor; its padding divisor is
            raised to the model's ``size_divisor``.
        train_cfg: kept for subclasses and for the config's record.
        test_cfg: ``keep_input=True`` also returns the degraded input as
            ``input_img`` (same-size restoration only), so that a metric can
            score the do-nothing baseline beside the model.
        init_cfg: mmengine weight initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 losses: Optional[Dict[str, dict]] = None,
                 neck: OptConfig = None,
                 head: OptConfig = None,
                 data_preprocessor: OptConfig = None,
                 train_cfg: OptConfig = None,
                 test_cfg: OptConfig = None,
                 init_cfg: OptConfig = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='RestorationDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            # Built here with our registry: BaseModel would use mmengine's root,
            # which only sees irtoolbox parts when a default scope is set.
            data_preprocessor = MODELS.build(data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head) if head is not None else None
        self.losses = nn.ModuleDict(
            {name: MODELS.build(cfg) for name, cfg in (losses or {}).items()})
        self.train_cfg = train_cfg or {}
        self.test_cfg = test_cfg or {}
        self.scale = int(getattr(self.backbone, 'scale', 1))
        self.size_divisor = int(getattr(self.backbone, 'size_divisor', 1))
        preprocessor = self.data_preprocessor
        if hasattr(preprocessor, 'pad_size_divisor'):
            preprocessor.pad_size_divisor = math.lcm(preprocessor.pad_size_divisor,
                                                     self.size_divisor)

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], List, torch.Tensor]:
        """Dispatch to :meth:`loss`, :meth:`predict` or :meth:`forward_tensor` by ``mode``."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.forward_tensor(inputs)
        raise ValueError(f"Restorer.forward: mode must be 'loss', 'predict' or 'tensor', "
                         f'got {mode!r}')

    def forward_tensor(self, inputs: torch.Tensor) -> torch.Tensor:
        """Backbone -> [neck] -> [head] on a normalised, padded batch."""
        out = self.backbone(inputs)
        if self.neck is not None:
            out = self.neck(out)
        if self.head is not None:
            out = self.head(out)
        return out

    def loss(self, inputs: torch.Tensor, data_samples: List) -> Dict[str, torch.Tensor]:
        """``{'loss_<name>': loss(pred, gt)}`` on the normalised, unpadded prediction."""
        if not self.losses:
            raise ValueError('Restorer has no losses configured: add `losses=dict(name=cfg)` '
                             'to the model config to train it')
        pred = self.crop_to_input(self.forward_tensor(inputs), data_samples)
        gt = self.data_preprocessor.gt_batch(data_samples)
        return {f'loss_{name}': loss(pred, gt) for name, loss in self.losses.items()}

    def predict(self, inputs: torch.Tensor, data_samples: Optional[List]) -> List:
        """The data samples with ``pred_img`` (C x H x W in [0, 1]) set."""
        pred = self.crop_to_input(self.forward_tensor(inputs), data_samples)
        pred = self.data_preprocessor.denormalize(pred).clamp(0, 1)
        data_samples = self.to_data_samples(pred, data_samples)
        if self.test_cfg.get('keep_input', False):
            # The degraded input, for metrics of the do-nothing baseline
            # (e.g. PSNR(pred_key='input_img')). Only same-size restoration.
            h, w = pred.shape[-2:]
            inputs = self.data_preprocessor.denormalize(inputs[..., :h, :w]).clamp(0, 1)
            for sample, image in zip(data_samples, inputs):
                sample.input_img = image.detach()
        return data_samples

    def crop_to_input(self, pred: torch.Tensor, data_samples: Optional[List]) -> torch.Tensor:
        """Undo the preprocessor's padding: keep ``input_shape * scale``."""
        if not data_samples or 'input_shape' not in data_samples[0].metainfo:
            return pred
        h, w = data_samples[0].metainfo['input_shape']
        return pred[..., :h * self.scale, :w * self.scale]

    @staticmethod
    def to_data_samples(pred: torch.Tensor, data_samples: Optional[List]) -> List:
        """Set each sample's ``pred_img`` (new samples when there are none)."""
        if data_samples is None:
            data_samples = [RestorationDataSample() for _ in range(pred.shape[0])]
        for sample, image in zip(data_samples, pred):
            sample.pred_img = image.detach()
        return data_samples

