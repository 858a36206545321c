"""An infinite sampler that can start at any position: resume without replaying the loader.

mmengine's ``IterBasedTrainLoop`` resumes by calling ``next()`` on the data
loader once per finished iteration: it loads, decodes and degrades every
sample again only to throw it away. This sampler makes the sample order a
pure function of ``(seed, pass, position)`` so a resumed run jumps straight to
its position (:meth:`ResumableInfiniteSampler.set_position`).

Order. The infinite global stream is the concatenation of passes; pass ``p``
is the permutation ``numpy.random.default_rng([seed, p]).permutation(N)``
(identity without shuffle). As in mmengine's ``InfiniteSampler``, rank ``r``
of ``W`` takes global positions ``r, r + W, r + 2W, ...``, so ranks are
disjoint and together cover each pass. Every item is ``(index, pass)``:
irtoolbox datasets draw all randomness of a sample from
``(dataset seed, index, pass)``, so an index seen in a later pass gets a new
crop/degradation while the run stays reproducible.
"""
import itertools
from typing import Iterator, Optional, Sized, Tuple

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from irtoolbox.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class ResumableInfiniteSampler(Sampler):
    """Infinite, rank-partitioned sampler of ``(index, pass)`` with a settable position.

    Args:
        dataset (Sized): the dataset (only its length is used).
        shuffle (bool): a new permutation per pass. Defaults to True.
        seed (int, optional): seed of the permutations; None draws one shared
            by all ranks (as mmengine's ``InfiniteSampler``; the
            ``RNGStateHook`` stores it in checkpoints).
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: Optional[int] = None) -> None:
        rank, world_size = get_dist_info()
        self.rank, self.world_size = rank, world_size
        self.dataset = dataset
        self.size = len(dataset)
        if self.size == 0:
            raise ValueError(f'ResumableInfiniteSampler got an empty dataset '
                             f'({type(dataset).__name__}).')
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else int(seed)
        self._position = 0

    def set_position(self, num_samples: int) -> None:
        """Make the next iteration start after ``num_samples`` samples of this rank."""
        if num_samples < 0:
            raise ValueError(f'set_position needs a non-negative count, got {num_samples}.')
        self._position = int(num_samples)

    def _pass_order(self, pass_idx: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.size)
        return np.random.default_rng([self.seed, pass_idx]).permutation(self.size)

    def _global_stream(self, start: int) -> Iterator[Tuple[int, int]]:
        pass_idx, offset = divmod(start, self.size)
        while True:
            order = self._pass_order(pass_idx)
            for index in order[offset:]:
                yield int(index), pass_idx
            pass_idx, offset = pass_idx + 1, 0

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        start = self.rank + self._position * self.world_size
        yield from itertools.islice(self._global_stream(start), 0, None, self.world_size)

    def __len__(self) -> int:
        # Like InfiniteSampler: the dataset length (mmengine only uses it for logging).
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Unused (the sampler never ends); kept for DataLoader API parity."""


@DATA_SAMPLERS.register_module()
class TaskGroupedSampler(ResumableInfiniteSampler):
    """Infinite sampler of a ``MultiTaskDataset`` in runs of one task (released IDR batching).

    The released IDR code (FACTS.md 3.3 of ``idr_released``) emits ``group_size``
    (7) consecutive samples of one task entry, the task entries in an order
    reshuffled after each round over them, so a batch of 7 is single-task in
    stage 1; from the stage switch (``set_per_degra(1)``) each block of T
    samples holds each of the T task entries once (a batch of 7 = all 7
    entries). Here the stream is a pure function of ``(seed, rank, position)``
    like :class:`ResumableInfiniteSampler` (so ``set_position`` resumes it):
    run ``g`` of round ``g // T`` is task ``perm_round[g % T]``; the k-th draw
    of task t takes slot ``perm_{t,pass}[k % slots_t]`` of that task (a new
    permutation per pass over the task's slots); ranks interleave the draws
    (rank r takes draws ``k W + r``), so they never share a sample. Stage-2
    draws start after every draw stage 1 can have made.

    Args:
        dataset: a ``MultiTaskDataset`` (its ``slots`` per task are used).
        group_size: samples per single-task run in stage 1. Default: 7 (released).
        stage2_from_iter: first iteration of stage 2; ``None``: stage 1 forever.
            Default: ``None``.
        batch_size: samples per iteration on this rank (to place the switch).
            Default: 7 (released).
        seed: seed of the permutations; ``None`` draws one shared by all ranks.
            Default: ``None``.
    """

    def __init__(self, dataset: Sized, group_size: int = 7,
                 stage2_from_iter: Optional[int] = None, batch_size: int = 7,
                 seed: Optional[int] = None) -> None:
        slots = getattr(dataset, 'slots', None)
        if slots is None or not len(slots):
            raise ValueError(f'TaskGroupedSampler needs a MultiTaskDataset (with per-task '
                             f'slots), got {type(dataset).__name__}')
        if group_size < 1 or batch_size < 1:
            raise ValueError(f'TaskGroupedSampler: group_size and batch_size must be >= 1, '
                             f'got {group_size} and {batch_size}')
        super().__init__(dataset, shuffle=False, seed=seed)  # rank, seed, set_position
        self.slots = list(slots)
        self.starts = np.concatenate([[0], np.cumsum(self.slots)]).astype(int)
        self.group_size = int(group_size)
        self.switch = None if stage2_from_iter is None else int(stage2_from_iter) * batch_size

    def _task_order(self, stage: int, round_idx: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.rank, stage, round_idx])
        return rng.permutation(len(self.slots))

    def _item(self, task: int, draw: int) -> Tuple[int, int]:
        """Dataset item ``(index, pass)`` of this rank's ``draw``-th sample of ``task``."""
        global_draw = draw * self.world_size + self.rank
        pass_idx, offset = divmod(global_draw, self.slots[task])
        order = np.random.default_rng([self.seed, task, pass_idx]).permutation(self.slots[task])
        return int(self.starts[task] + order[offset]), pass_idx

    def _at(self, position: int) -> Tuple[int, int]:
        tasks = len(self.slots)
        if self.switch is None or position < self.switch:
            run, within = divmod(position, self.group_size)
            round_idx, slot = divmod(run, tasks)
            return self._item(int(self._task_order(1, round_idx)[slot]),
                              round_idx * self.group_size + within)
        stage1_draws = -(-self.switch // (self.group_size * tasks)) * self.group_size
        round_idx, slot = divmod(position - self.switch, tasks)
        return self._item(int(self._task_order(2, round_idx)[slot]), stage1_draws + round_idx)

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        for position in itertools.count(self._position):
            yield self._at(position)
