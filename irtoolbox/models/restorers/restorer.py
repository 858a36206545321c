"""The top-level restoration model: backbone, optional neck and head, named losses.

``Restorer`` is an mmengine ``BaseModel``, so the Runner drives it in its three
modes:

- ``loss``: returns ``{'loss_<name>': value}``, one entry per configured loss,
  each logged under its own name;
- ``predict``: returns the data samples with ``pred_img`` set (in [0, 1],
  cropped back to the unpadded input size times the model's scale);
- ``tensor``: the raw network output on the normalised, padded batch.

One batch context per forward lets a part need more than its input without
the restorer knowing the part (:mod:`irtoolbox.models.batch_context`;
docs/contributing.md, "Batch context"):

- **Loss inputs.** A loss module may declare ``loss_inputs`` (a tuple of
  names, default ``('pred', 'gt')``); it is called positionally with those
  entries of the batch context: ``pred`` (restored, normalised, unpadded
  ``N x C x H x W``), ``gt`` (normalised target), ``lq`` (the degraded input,
  normalised, unpadded), ``inputs`` (the same, padded), ``data_samples``,
  ``task_idx``, ``stage`` and ``taps`` (the features captured by
  ``feature_taps``). :func:`loss_context` builds that context, for every
  restorer.
- **Feature taps.** ``feature_taps=dict(name='backbone.**.fd_layers.*')`` hooks
  the outputs of every submodule whose qualified name matches the pattern, in
  forward order, into ``taps[name]`` (a list). Patterns match name by name
  like paths: ``*`` stands for one name (``fnmatch`` within it) and ``**`` for
  any number of names (:func:`module_name_matches`). A backbone
  thus needs no code for a loss that reads its features (FDR-Net's SVDO).
- **Parts that read the batch.** Every network call runs inside the batch's
  context (:meth:`BatchContext.active`); a backbone, neck, head or a plugin at
  any depth of a backbone reads it with ``current_batch_context(owner)``
  (DL-Net's likelihood head builds its degradation operator per sample, the
  mask-input autoencoder rebuilds each sample's mask, IDR's SDAM reads the
  degraded image and the meta-prior modules the stage and task labels).
- **Stage.** ``stage_switch_iter`` sets IDR's two-stage training for any
  backbone (:func:`~irtoolbox.models.batch_context.training_stage`).
"""
import fnmatch
import math
from contextlib import contextmanager, nullcontext
from fractions import Fraction
from typing import Callable, ContextManager, Dict, Iterator, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from irtoolbox.models.batch_context import (
    BATCH_CONTEXT_FIELDS,
    DEFAULT_LOSS_INPUTS,
    LOSS_CONTEXT_KEYS,
    BatchContext,
    read_tap,
    task_labels,
    training_stage,
)
from irtoolbox.models.part_protocol import part_attribute
from irtoolbox.models.restorers.self_ensemble import check_self_ensemble_parts, self_ensemble
from irtoolbox.models.restorers.test_time_norm import batch_statistics_norm
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample

OptConfig = Optional[dict]
__all__ = ['Restorer', 'capture_taps', 'crop_to_input', 'loss_context', 'make_batch_context',
           'named_losses', 'read_tap', 'DEFAULT_LOSS_INPUTS',
           'LOSS_CONTEXT_KEYS']


def build_data_preprocessor(cfg: Union[OptConfig, nn.Module], default: dict) -> nn.Module:
    """The model's data preprocessor: ``cfg`` (``default`` when None) built, or a module as is.

    Built here with our registry: BaseModel would use mmengine's root, which
    only sees irtoolbox parts when a default scope is set.
    """
    if cfg is None:
        cfg = dict(default)
    return MODELS.build(cfg) if isinstance(cfg, dict) else cfg


@MODELS.register_module()
class Restorer(BaseModel):
    """Backbone -> [neck] -> [head], trained with a dict of named losses.

    Args:
        backbone: config of the main network (the only required part).
        losses: ``{name: loss config}``; each loss is called as
            ``loss(pred, gt)`` on normalised tensors. Default: None (no losses:
            a model used for inference only).
        neck: optional module applied to the backbone output. Default: None.
        head: optional module producing the image from the features.
            Default: None.
        data_preprocessor: config of the preprocessor; its padding divisor is
            raised to the model's ``size_divisor``. Default: None
            (``RestorationDataPreprocessor()``: [0, 1] images, no padding).
        train_cfg: kept for subclasses and for the config's record.
            Default: None.
        test_cfg: options of ``predict``. Default: None (none set).
            ``keep_input=True`` also returns the degraded input as
            ``input_img`` (same-size restoration only), so that a metric can
            score the do-nothing baseline beside the model.
            ``bn_train_mode=True`` normalises every BatchNorm with the test
            batch's own statistics (per image at batch size 1), as pix2pix
            evaluates, leaving the running statistics untouched
            (``test_time_norm.py``).
            ``self_ensemble=True`` averages the x8 flips and rotations
            (``self_ensemble.py``).
        feature_taps: ``{tap name: module-name pattern}``; the outputs of the
            matching submodules reach the losses as ``taps[name]``. Default
            ``None`` (no taps).
        stage_switch_iter: IDR's two-stage training: the batch context's
            ``stage`` is 1 while training before this iteration (samples with
            ``task_idx``), 2 from it on and in evaluation; ``None`` keeps
            stage 1 for the whole training. Read only by parts that use the
            stage (meta-prior learning). Default ``None``.
        init_cfg: mmengine weight initialisation config. Default ``None``.
    """

    def __init__(self,
                 backbone: dict,
                 losses: Optional[Dict[str, dict]] = None,
                 neck: OptConfig = None,
                 head: OptConfig = None,
                 data_preprocessor: OptConfig = None,
                 train_cfg: OptConfig = None,
                 test_cfg: OptConfig = None,
                 feature_taps: Optional[Dict[str, str]] = None,
                 stage_switch_iter: Optional[int] = None,
                 init_cfg: OptConfig = None) -> None:
        if stage_switch_iter is not None and int(stage_switch_iter) < 0:
            raise ValueError(f'{type(self).__name__}: stage_switch_iter must be >= 0 or None, '
                             f'got {stage_switch_iter!r}')
        data_preprocessor = build_data_preprocessor(
            data_preprocessor, dict(type='RestorationDataPreprocessor'))
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head) if head is not None else None
        self.losses = nn.ModuleDict(
            {name: MODELS.build(cfg) for name, cfg in (losses or {}).items()})
        self.train_cfg = train_cfg or {}
        self.test_cfg = test_cfg or {}
        for name, loss in self.losses.items():
            check_loss_inputs(name, loss)
        check_context_reads(self)
        if self.test_cfg.get('self_ensemble', False):
            check_self_ensemble_parts([self.backbone, self.neck, self.head])
        self.feature_taps = dict(feature_taps or {})
        self.stage_switch_iter = stage_switch_iter
        self.scale = composed_scale(self.backbone, self.neck, self.head)
        # read by tiled inference (a warning when the tile overlap is smaller)
        self.receptive_field = composed_receptive_field(self.backbone, self.neck, self.head)
        self.size_divisor = int(part_attribute(self.backbone, 'size_divisor'))
        preprocessor = self.data_preprocessor
        if hasattr(preprocessor, 'pad_size_divisor'):
            preprocessor.pad_size_divisor = math.lcm(preprocessor.pad_size_divisor,
                                                     self.size_divisor)

    def forward(self, inputs: torch.Tensor, data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], List, torch.Tensor]:
        """Dispatch to :meth:`loss`, :meth:`predict` or :meth:`forward_tensor` by ``mode``.

        Args:
            inputs: ``N x C x H x W`` degraded batch from the data preprocessor
                (normalised, padded to ``size_divisor``).
            data_samples: the batch's samples (``gt_img`` for ``'loss'``).
                Default: None.
            mode: 'loss', 'predict' or 'tensor'. Default: 'tensor'.

        Returns:
            'loss': ``{'loss_<name>': scalar}``; 'predict': the samples with
            ``pred_img`` (``C x sH x sW`` in [0, 1]); 'tensor': the
            ``N x C x sH x sW`` normalised network output (``s`` = ``scale``).
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.forward_tensor(inputs)
        raise ValueError(f"Restorer.forward: mode must be 'loss', 'predict' or 'tensor', "
                         f'got {mode!r}')

    def batch_context(self, inputs: torch.Tensor,
                      data_samples: Optional[List] = None) -> BatchContext:
        """The context of one forward: inputs (padded), lq (unpadded), samples, labels, stage."""
        return make_batch_context(inputs, data_samples, self.training, self.stage_switch_iter)

    def stage(self) -> int:
        """The training stage a batch with task labels gets now (1 or 2)."""
        return training_stage(self.training, self.stage_switch_iter, has_labels=True)

    def network(self, inputs: torch.Tensor) -> torch.Tensor:
        """Backbone -> [neck] -> [head] (inside an active batch context)."""
        out = self.backbone(inputs)
        if self.neck is not None:
            out = self.neck(out)
        if self.head is not None:
            out = self.head(out)
        return out

    def forward_tensor(self, inputs: torch.Tensor,
                       data_samples: Optional[List] = None) -> torch.Tensor:
        """Backbone -> [neck] -> [head] on a normalised, padded batch, in its context.

        Args:
            inputs: ``N x C x H x W`` normalised degraded images, padded to
                ``size_divisor``.
            data_samples: the batch's samples, for a part that reads them.
                Default ``None``.

        Returns:
            ``N x C x sH x sW`` normalised restoration (``s`` = ``scale``).
        """
        with self.batch_context(inputs, data_samples).active():
            return self.network(inputs)

    def loss(self, inputs: torch.Tensor, data_samples: List) -> Dict[str, torch.Tensor]:
        """``{'loss_<name>': loss(*its loss_inputs)}`` on the normalised, unpadded prediction."""
        if not self.losses:
            raise ValueError('Restorer has no losses configured: add `losses=dict(name=cfg)` '
                             'to the model config to train it')
        return self.named_losses(self.losses, self.restore_batch(inputs, data_samples))

    def restore_batch(self, inputs: torch.Tensor, data_samples: List) -> BatchContext:
        """The loss context of one batch: the network run once in it, taps captured."""
        return loss_context(self, inputs, data_samples, self.network,
                            self.data_preprocessor.gt_batch(data_samples), self.scale,
                            self.feature_taps, self.stage_switch_iter)

    def named_losses(self, losses: nn.ModuleDict,
                     context: BatchContext) -> Dict[str, torch.Tensor]:
        """:func:`named_losses`."""
        return named_losses(losses, context)

    def capture_taps(self) -> ContextManager[Dict[str, List[torch.Tensor]]]:
        """:func:`capture_taps` of this restorer's ``feature_taps``."""
        return capture_taps(self, self.feature_taps)

    def predict(self, inputs: torch.Tensor, data_samples: Optional[List]) -> List:
        """The data samples with ``pred_img`` (C x H x W in [0, 1]) set."""
        with self.test_time_norm():
            if self.test_cfg.get('self_ensemble', False):  # padded per view: self_ensemble.py
                pred = self_ensemble(lambda x: self.forward_tensor(x, data_samples),
                                     self.crop_to_input(inputs, data_samples, scaled=False),
                                     self.data_preprocessor.pad, self.scale)
            else:
                pred = self.crop_to_input(self.forward_tensor(inputs, data_samples),
                                          data_samples)
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

    def test_time_norm(self) -> ContextManager[None]:
        """``test_cfg.bn_train_mode``: BatchNorm with the batch's statistics, else as is."""
        if self.test_cfg.get('bn_train_mode', False):
            return batch_statistics_norm(self)
        return nullcontext()

    def crop_to_input(self, pred: torch.Tensor, data_samples: Optional[List],
                      scaled: bool = True) -> torch.Tensor:
        """:func:`crop_to_input` at the model's scale (1 with ``scaled=False``)."""
        return crop_to_input(pred, data_samples, self.scale if scaled else 1)

    @staticmethod
    def to_data_samples(pred: torch.Tensor, data_samples: Optional[List]) -> List:
        """Set each sample's ``pred_img`` (new samples when there are none)."""
        if data_samples is None:
            data_samples = [RestorationDataSample() for _ in range(pred.shape[0])]
        for sample, image in zip(data_samples, pred):
            sample.pred_img = image.detach()
        return data_samples



def crop_to_input(tensor: torch.Tensor, data_samples: Optional[List],
                  scale: int = 1) -> torch.Tensor:
    """Undo the preprocessor's padding: keep ``input_shape * scale`` (the samples'
    ``input_shape`` metainfo; ``tensor`` as is when the samples record none)."""
    if not data_samples or 'input_shape' not in data_samples[0].metainfo:
        return tensor
    h, w = data_samples[0].metainfo['input_shape']
    return tensor[..., :h * scale, :w * scale]


def composed_scale(*parts: Optional[nn.Module]) -> int:
    """The model's output/input size ratio: the product of each part's own ``scale``
    (part_protocol.py; a part may declare a fraction, e.g. a backbone whose features
    are at half the input size before a head that upsamples by 2). One error when
    the product is not a whole number >= 1."""
    ratio = Fraction(1)
    for part in parts:
        if part is not None:
            ratio *= Fraction(part_attribute(part, 'scale'))
    if ratio.denominator != 1 or ratio < 1:
        names = [type(p).__name__ for p in parts if p is not None]
        raise ValueError(f'the parts {names} compose to scale {ratio} (their scales '
                         f'{[part_attribute(p, "scale") for p in parts if p is not None]}); '
                         'a restorer needs a whole upscaling factor >= 1')
    return int(ratio)


def composed_receptive_field(*parts: Optional[nn.Module]) -> Optional[int]:
    """The receptive field, in input pixels, of the parts applied in order, or None
    when any part present does not declare its own: a part with field ``r`` on
    features at ``s`` times the input size widens the field by ``(r - 1) / s``
    input pixels (rounded up)."""
    field, ratio = Fraction(1), Fraction(1)
    for part in parts:
        if part is None:
            continue
        own = part_attribute(part, 'receptive_field')
        if own is None:
            return None
        field += Fraction(int(own) - 1) / ratio
        ratio *= Fraction(part_attribute(part, 'scale'))
    return math.ceil(field)


def make_batch_context(inputs: torch.Tensor, data_samples: Optional[List], training: bool,
                       stage_switch_iter: Optional[int] = None) -> BatchContext:
    """The context of one forward: ``inputs`` (padded), ``lq`` (unpadded, by
    :func:`crop_to_input`), the samples, their task labels and the training stage."""
    task_idx = task_labels(data_samples, inputs.device)
    return BatchContext(
        inputs=inputs, lq=crop_to_input(inputs, data_samples), data_samples=data_samples,
        task_idx=task_idx,
        stage=training_stage(training, stage_switch_iter, task_idx is not None))


@contextmanager
def capture_taps(model: nn.Module, feature_taps: Optional[Dict[str, str]]
                 ) -> Iterator[Dict[str, List[torch.Tensor]]]:
    """Collect the outputs of ``model``'s submodules matching ``feature_taps``
    (``{tap name: module-name pattern}``) while inside, as ``{tap name: [outputs]}``."""
    feature_taps = feature_taps or {}
    taps: Dict[str, List[torch.Tensor]] = {name: [] for name in feature_taps}
    handles = []
    for tap, pattern in feature_taps.items():
        matched = [(qualname, module) for qualname, module in model.named_modules()
                   if qualname and module_name_matches(qualname, pattern)]
        if not matched:
            raise KeyError(f'feature_taps[{tap!r}]: no submodule of the restorer matches '
                           f'{pattern!r} (names look like '
                           f'{[n for n, _ in list(model.named_modules())[1:6]]})')
        for _, module in matched:
            handles.append(module.register_forward_hook(
                lambda _m, _i, output, tap=tap: taps[tap].append(output)))
    try:
        yield taps
    finally:
        for handle in handles:
            handle.remove()


def loss_context(model: nn.Module, inputs: torch.Tensor, data_samples: Optional[List],
                 network: Callable[[torch.Tensor], torch.Tensor],
                 gt: Optional[torch.Tensor], scale: int = 1,
                 feature_taps: Optional[Dict[str, str]] = None,
                 stage_switch_iter: Optional[int] = None) -> BatchContext:
    """The one loss context of every model of ``restorers/``: ``network(inputs)`` run
    once inside the batch's context (:func:`make_batch_context`) with ``model``'s
    ``feature_taps`` captured; ``pred`` is its output cropped to the input (times
    ``scale``, :func:`crop_to_input`), ``gt`` the given target.

    ``network`` is what produces ``pred`` (the restorer's backbone -> neck -> head,
    a GAN's generator on noise, a density model's mixture parameters, a latent
    restorer's synthesis).
    """
    context = make_batch_context(inputs, data_samples, model.training, stage_switch_iter)
    with context.active(), capture_taps(model, feature_taps) as taps:
        context.pred = crop_to_input(network(inputs), data_samples, scale)
    context.taps, context.gt = taps, gt
    return context


def named_losses(losses: nn.ModuleDict, context: BatchContext) -> Dict[str, torch.Tensor]:
    """Call each loss with the context entries it declares; key ``loss_<name>``."""
    return {f'loss_{name}': loss(*context.loss_inputs(loss_inputs_of(loss)))
            for name, loss in losses.items()}


def loss_inputs_of(loss: nn.Module) -> tuple:
    """The context entries a loss is called with (``loss_inputs``, default pred, gt)."""
    return tuple(getattr(loss, 'loss_inputs', DEFAULT_LOSS_INPUTS))


def check_loss_inputs(name: str, loss: nn.Module) -> None:
    """One clear error at build time for a loss asking for an unknown entry."""
    unknown = [key for key in loss_inputs_of(loss) if key not in LOSS_CONTEXT_KEYS]
    if unknown:
        raise ValueError(f'loss {name!r} ({type(loss).__name__}) declares loss_inputs '
                         f'{unknown} that the restorer does not provide; known: '
                         f'{list(LOSS_CONTEXT_KEYS)}')


def check_context_reads(model: nn.Module) -> None:
    """One clear error at build time for a part declaring an unknown context entry."""
    for qualname, module in model.named_modules():
        unknown = [key for key in part_attribute(module, 'context_reads')
                   if key not in BATCH_CONTEXT_FIELDS]
        if unknown:
            raise ValueError(f'{qualname} ({type(module).__name__}) declares context_reads '
                             f'{unknown} that the batch context does not hold; known: '
                             f'{list(BATCH_CONTEXT_FIELDS)}')


def module_name_matches(qualname: str, pattern: str) -> bool:
    """Whether a dotted module name matches a dotted pattern, name by name.

    ``*`` (and any ``fnmatch`` pattern) matches within one name, ``**`` matches
    zero or more names: ``'backbone.body.*'`` matches ``backbone.body.0`` but not
    ``backbone.body.0.conv1``; ``'backbone.**.conv1'`` matches both
    ``backbone.conv1`` and ``backbone.body.0.conv1``.
    """
    def match(names: List[str], parts: List[str]) -> bool:
        if not parts:
            return not names
        if parts[0] == '**':
            return any(match(names[i:], parts[1:]) for i in range(len(names) + 1))
        return bool(names) and fnmatch.fnmatchcase(names[0], parts[0]) and \
            match(names[1:], parts[1:])
    return match(qualname.split('.'), pattern.split('.'))
