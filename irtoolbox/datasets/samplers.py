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
