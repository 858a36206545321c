"""Iteration-based training loop that resumes by position instead of replaying the data.

mmengine's ``IterBasedTrainLoop`` (a) creates the data loader iterator in its
constructor, so workers start prefetching from sample 0 before a checkpoint
is even loaded, and (b) on resume calls ``next()`` once per finished
iteration, loading every sample again to discard it. This loop creates the
iterator only when training starts; if the train sampler has
``set_position`` (``ResumableInfiniteSampler``) it is first moved to
``iter * batch_size`` so the first batch loaded is the next one to train on.
Other samplers fall back to mmengine's replay, with a warning.

Two details keep resumed runs bit-identical to uninterrupted ones:
creating a ``DataLoader`` iterator draws a worker base seed from torch's
global generator, and so does the validation loader; both happen at points
where a resumed and an uninterrupted run differ, so both run inside
``torch.random.fork_rng`` and leave the training random stream untouched
(the training states themselves are restored by ``RNGStateHook``).
"""
import logging
from typing import Any, Dict, List, Optional, Tuple, Union

import torch
from mmengine.logging import print_log
from mmengine.runner.base_loop import BaseLoop
from mmengine.runner.loops import IterBasedTrainLoop, _InfiniteDataloaderIterator
from mmengine.runner.utils import calc_dynamic_intervals
from torch.utils.data import DataLoader

from irtoolbox.registry import LOOPS


def train_sampler(dataloader: Optional[DataLoader]) -> Any:
    """The sampler that orders the samples of ``dataloader`` (None if there is none)."""
    batch_sampler = getattr(dataloader, 'batch_sampler', None)
    return getattr(batch_sampler, 'sampler', None) or getattr(dataloader, 'sampler', None)


def _batch_size(dataloader: DataLoader) -> int:
    if dataloader.batch_size is not None:
        return int(dataloader.batch_size)
    return int(dataloader.batch_sampler.batch_size)


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """``IterBasedTrainLoop`` with a lazily created iterator and position-based resume.

    Same arguments as mmengine's ``IterBasedTrainLoop``.
    """

    def __init__(self, runner, dataloader: Union[DataLoader, Dict], max_iters: int,
                 val_begin: int = 1, val_interval: int = 1000,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None) -> None:
        # Not IterBasedTrainLoop.__init__: it would create the iterator now.
        BaseLoop.__init__(self, runner, dataloader)
        self._max_iters = int(max_iters)
        if self._max_iters != max_iters:
            raise ValueError(f'max_iters must be an integer, got {max_iters!r}.')
        self._max_epochs = 1
        self._epoch = 0
        self._iter = 0
        self.val_begin = val_begin
        self.val_interval = val_interval
        self.stop_training = False  # EarlyStoppingHook sets it
        if hasattr(self.dataloader.dataset, 'metainfo'):
            self.runner.visualizer.dataset_meta = self.dataloader.dataset.metainfo
        self.dataloader_iterator: Optional[_InfiniteDataloaderIterator] = None
        self.dynamic_milestones, self.dynamic_intervals = calc_dynamic_intervals(
            self.val_interval, dynamic_intervals)

    def _start_data_stream(self) -> None:
        """Create the iterator positioned at the first sample not yet trained on."""
        sampler = train_sampler(self.dataloader)
        can_seek = hasattr(sampler, 'set_position')
        if can_seek:
            sampler.set_position(self._iter * _batch_size(self.dataloader))
        with torch.random.fork_rng(devices=[]):
            self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)
        if self._iter > 0 and not can_seek:
            print_log(f'{type(sampler).__name__} has no set_position: replaying {self._iter} '
                      'batches to resume (use ResumableInfiniteSampler to skip this).',
                      logger='current', level=logging.WARNING)
            for _ in range(self._iter):
                next(self.dataloader_iterator)

    def _should_validate(self) -> bool:
        return (self.runner.val_loop is not None and self._iter >= self.val_begin
                and (self._iter % self.val_interval == 0 or self._iter == self._max_iters))

    def run(self) -> torch.nn.Module:
        """Launch (or continue) training."""
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        self._start_data_stream()
        while self._iter < self._max_iters and not self.stop_training:
            self.runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.run_iter(data_batch)
            self._decide_current_val_interval()
            if self._should_validate():
                # Validation must not shift the training random stream (see module doc).
                with torch.random.fork_rng(devices=self._cuda_devices()):
                    self.runner.val_loop.run()
        self.runner.call_hook('after_train_epoch')
        self.runner.call_hook('after_train')
        return self.runner.model

    @staticmethod
    def _cuda_devices() -> List[int]:
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            return list(range(torch.cuda.device_count()))
        return []
