"""Stop training at the first non-finite loss, before anything saves the poisoned state.

A NaN/Inf loss has already been back-propagated when ``after_train_iter``
runs, so the weights in memory are usually poisoned. mmengine's
``CheckpointHook`` (priority VERY_LOW) would then save them and move the
``last_checkpoint`` pointer onto a useless file. This hook runs first
(priority ABOVE_NORMAL) and raises, so the hooks after it, checkpointing
included, never run for that iteration and the last good checkpoint stays
the one ``--resume`` picks.
"""
import math
import os.path as osp
from numbers import Number
from typing import Any, Iterator, Optional, Tuple

import torch
from mmengine.hooks import Hook

from irtoolbox.registry import HOOKS


class NonFiniteLossError(RuntimeError):
    """A loss term became NaN or infinite."""


def _loss_terms(outputs: Any, prefix: str = '') -> Iterator[Tuple[str, Any]]:
    """(name, value) for every tensor or number in the (nested) ``outputs``."""
    if isinstance(outputs, dict):
        for key, value in outputs.items():
            yield from _loss_terms(value, f'{prefix}{key}' if not prefix else f'{prefix}.{key}')
    elif isinstance(outputs, (list, tuple)):
        for i, value in enumerate(outputs):
            yield from _loss_terms(value, f'{prefix}[{i}]')
    elif isinstance(outputs, torch.Tensor) or isinstance(outputs, Number):
        yield prefix, outputs


def _is_finite(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return bool(torch.isfinite(value.detach()).all())
    return math.isfinite(float(value))


def last_good_state(runner: Any) -> str:
    """Which checkpoint holds the last good state: the one mmengine's
    ``last_checkpoint`` pointer in the work dir names, if that file exists."""
    pointer = osp.join(str(runner.work_dir), 'last_checkpoint')
    checkpoint = None
    if osp.isfile(pointer):
        with open(pointer) as f:
            checkpoint = f.read().strip() or None
    if checkpoint and osp.isfile(checkpoint):
        return (f'{checkpoint} is the last good state (resume it with a lower learning '
                'rate or gradient clipping).')
    return (f'no checkpoint has been saved in {runner.work_dir} yet: restart with a lower '
            'learning rate or gradient clipping.')


@HOOKS.register_module()
class NonFiniteLossGuardHook(Hook):
    """Raise :class:`NonFiniteLossError` when any term of the train outputs is NaN/Inf.

    Args:
        keys_prefix (str): only terms whose name starts with it are checked
            ('loss' by default: mmengine's log vars also hold e.g. learning
            rates; '' checks every term).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, keys_prefix: str = 'loss') -> None:
        self.keys_prefix = keys_prefix

    def after_train_iter(self, runner, batch_idx: int, data_batch: Any = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        bad = [name for name, value in _loss_terms(outputs)
               if name.split('.')[-1].startswith(self.keys_prefix) and not _is_finite(value)]
        if bad:
            raise NonFiniteLossError(
                f'Non-finite loss at iteration {batch_idx + 1}: {", ".join(bad)} (NaN/Inf). '
                f'Training stopped without saving this iteration; {last_good_state(runner)}')
