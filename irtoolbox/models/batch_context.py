"""The one per-forward batch context, and its readers (docs/contributing.md, "Batch context").

A restorer builds one :class:`BatchContext` per forward and hands it to every
part that reads more than its own input:

- **losses** declare ``loss_inputs`` (names of context entries, default
  ``('pred', 'gt')``) and are called positionally with them
  (:meth:`BatchContext.loss_inputs`);
- **backbones, necks, heads and the plugins inside a backbone** read the
  context that is active during the forward with :func:`current_batch_context`
  (the restorer activates it around the network call with
  :meth:`BatchContext.active`). Nothing is written onto a module and no
  module keeps forward state: the context is gone when the forward returns.

Names (the same in every reader): ``inputs`` is the normalised batch *padded*
to the model's ``size_divisor`` (what the network sees), ``lq`` the same
images *unpadded*; ``pred`` / ``gt`` the unpadded restoration and target
(set for the losses); ``data_samples`` the batch's samples; ``task_idx`` the
samples' task indices (``None`` when any sample has none); ``stage`` the IDR
training stage (1: known task labels, 2: predictions; :func:`training_stage`);
``taps`` the features of the restorer's ``feature_taps``. A part that computes
something a later part reads (the first meta-prior module's type
prediction) puts it there with :meth:`BatchContext.publish`; the later one
reads it with :meth:`BatchContext.read`.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub

#: the entries a loss may declare in ``loss_inputs``
LOSS_CONTEXT_KEYS = ('pred', 'gt', 'lq', 'inputs', 'data_samples', 'taps', 'task_idx', 'stage')
DEFAULT_LOSS_INPUTS = ('pred', 'gt')
#: what a network part may declare in ``context_reads`` (part_protocol.py)
BATCH_CONTEXT_FIELDS = ('inputs', 'lq', 'data_samples', 'task_idx', 'stage', 'published')

_ACTIVE: ContextVar[Optional['BatchContext']] = ContextVar('irtoolbox_batch_context',
                                                           default=None)


@dataclass
class BatchContext:
    """What the parts of one forward may read (module docstring for the names).

    Attributes:
        inputs: ``N x C x H x W`` normalised batch, padded to ``size_divisor``.
        lq: the same, unpadded (``inputs`` when nothing was padded).
        data_samples: the batch's samples, or ``None``.
        task_idx: ``N`` long tensor of the samples' ``task_idx``, or ``None``.
        stage: 1 (each sample's known task) or 2 (predicted). Default: 2.
        taps: ``{tap name: [captured outputs]}``. Default: empty.
        pred: the unpadded restoration (set before the losses). Default: None.
        gt: the normalised target (set before the losses). Default: None.
    """

    inputs: torch.Tensor
    lq: Optional[torch.Tensor] = None
    data_samples: Optional[List] = None
    task_idx: Optional[torch.Tensor] = None
    stage: int = 2
    taps: Dict[str, List[torch.Tensor]] = field(default_factory=dict)
    pred: Optional[torch.Tensor] = None
    gt: Optional[torch.Tensor] = None
    published: Dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.lq is None:
            self.lq = self.inputs

    # ------------------------------------------------------- publish / read
    def publish(self, name: str, value: Any) -> None:
        """Make ``value`` readable as ``name`` by later parts of this forward."""
        self.published[name] = value

    def collect(self, name: str, value: Any) -> None:
        """Append ``value`` to the list published as ``name`` (one entry per part, in
        forward order: e.g. every meta-prior module's hub weights)."""
        self.published.setdefault(name, []).append(value)

    def read(self, name: str, default: Any = None) -> Any:
        """What an earlier part published as ``name`` (``default`` if none did)."""
        return self.published.get(name, default)

    # ------------------------------------------------------------- readers
    def loss_inputs(self, names: Sequence[str]) -> tuple:
        """The entries ``names`` in order, for a loss called positionally."""
        return tuple(getattr(self, name) for name in names)

    def degradation_params(self) -> Optional[List[dict]]:
        """Each sample's recorded ``degradation_params``, or None if any has none."""
        if not self.data_samples:
            return None
        params = [s.metainfo.get('degradation_params') for s in self.data_samples]
        return None if any(p is None for p in params) else params

    @contextmanager
    def active(self) -> Iterator['BatchContext']:
        """Make this the context :func:`current_batch_context` returns while inside."""
        token = _ACTIVE.set(self)
        try:
            yield self
        finally:
            _ACTIVE.reset(token)


def current_batch_context(owner: str) -> BatchContext:
    """The context of the forward in progress, or one error naming ``owner``."""
    context = _ACTIVE.get()
    if context is None:
        raise RuntimeError(f'{owner} reads the batch (degraded image, samples or task labels) '
                           'but runs outside a restorer forward: call it through a Restorer, '
                           'or inside `with BatchContext(inputs=...).active():`')
    return context


def optional_batch_context() -> Optional[BatchContext]:
    """The active context, or None outside a restorer forward (for optional readers)."""
    return _ACTIVE.get()


# ---------------------------------------------------------------- task labels
def task_labels(data_samples: Optional[List], device: torch.device,
                owner: Optional[str] = None) -> Optional[torch.Tensor]:
    """The samples' ``task_idx`` metainfo as an ``N`` long tensor.

    When a sample lacks it: ``None`` if ``owner`` is None (an optional reader,
    e.g. the context of an evaluation batch), else one KeyError naming
    ``owner`` and the first samples without it (a loss that needs labels).
    """
    samples = data_samples or []
    missing = [i for i, s in enumerate(samples) if 'task_idx' not in s.metainfo]
    if missing or not samples:
        if owner is None:
            return None
        raise KeyError(f'{owner}: samples {missing[:3]} have no task_idx in their metainfo '
                       '(MultiTaskDataset sets it)')
    return torch.tensor([int(s.metainfo['task_idx']) for s in samples], dtype=torch.long,
                        device=device)


def training_stage(training: bool, stage_switch_iter: Optional[int],
                   has_labels: bool) -> int:
    """IDR's stage: 1 while training before ``stage_switch_iter`` with task labels, else 2.

    The iteration is mmengine's ``MessageHub`` ``'iter'``, which the Runner
    updates before every training iteration, so a resumed run is in the same
    stage as the uninterrupted one. ``stage_switch_iter=None``: stage 1 for
    the whole training.
    """
    if not training or not has_labels:
        return 2
    if stage_switch_iter is None:
        return 1
    return 1 if current_iteration() < int(stage_switch_iter) else 2


def current_iteration() -> int:
    """The Runner's current training iteration (0 outside a Runner)."""
    return int(MessageHub.get_current_instance().get_info('iter', 0))


# ------------------------------------------------------------------- taps
def read_tap(taps: Dict[str, List[torch.Tensor]], tap: str, owner: str,
             provider: str) -> List[torch.Tensor]:
    """The outputs captured under ``taps[tap]`` for a loss (``owner``) that needs them.

    One KeyError naming the missing ``feature_taps`` entry and the part that
    provides it (``provider``) when the tap is missing or empty. The pattern
    to configure is written once, in the config (``feature_taps``).
    """
    outputs = taps.get(tap)
    if not outputs:
        raise KeyError(f"{owner}: the restorer captured no '{tap}' tap; configure "
                       f"feature_taps=dict({tap}=<module-name pattern>) matching {provider}")
    return outputs


# ----------------------------------------------------------------- resize
def resize_image(img: torch.Tensor, size: Sequence[int], mode: str = 'area') -> torch.Tensor:
    """``img`` resized to ``size`` (h, w) with ``F.interpolate`` ``mode``; as is at that size."""
    if tuple(img.shape[-2:]) == tuple(size):
        return img
    if mode in ('bilinear', 'bicubic'):
        return F.interpolate(img, size=size, mode=mode, align_corners=False)
    if mode == 'area' and torch.jit.is_tracing():
        # ONNX has adaptive pooling for constant output sizes only: at an integer
        # factor, 'area' is the same windows as a fixed average-pooling kernel
        kernel = [int(img.shape[d]) // int(size[i]) for i, d in enumerate((-2, -1))]
        if all(int(size[i]) * kernel[i] == int(img.shape[d]) for i, d in enumerate((-2, -1))):
            return F.avg_pool2d(img, kernel)
    return F.interpolate(img, size=size, mode=mode)
