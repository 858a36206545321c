"""ResumableInfiniteSampler: order, rank partition and set_position."""
import itertools

import numpy as np
import pytest

from irtoolbox.datasets.samplers import ResumableInfiniteSampler


def _take(sampler, n):
    return list(itertools.islice(iter(sampler), n))


def _sampler(size, rank=0, world_size=1, shuffle=True, seed=7):
    sampler = ResumableInfiniteSampler(list(range(size)), shuffle=shuffle, seed=seed)
    sampler.rank, sampler.world_size = rank, world_size  # as get_dist_info would on that rank
    return sampler


def test_passes_are_permutations_from_seed_and_pass():
    items = _take(_sampler(5), 15)
    for p in range(3):
        chunk = items[5 * p:5 * p + 5]
        assert [q for _, q in chunk] == [p] * 5
        expected = np.random.default_rng([7, p]).permutation(5).tolist()  # documented order
        assert [i for i, _ in chunk] == expected
    assert [i for i, _ in _take(_sampler(4, shuffle=False), 6)] == [0, 1, 2, 3, 0, 1]


@pytest.mark.parametrize('n', [0, 1, 4, 5, 13])
def test_set_position_continues_the_fresh_sequence(n):
    fresh = _take(_sampler(5, rank=1, world_size=3), n + 9)
    moved = _sampler(5, rank=1, world_size=3)
    moved.set_position(n)
    assert _take(moved, 9) == fresh[n:]


def test_ranks_are_disjoint_and_cover_each_pass():
    size, world = 12, 3
    per_rank = [_take(_sampler(size, r, world), 2 * size // world) for r in range(world)]
    union = [item for items in per_rank for item in items]
    assert len(set(union)) == len(union) == 2 * size
    assert sorted(union) == sorted((i, p) for p in range(2) for i in range(size))


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match='empty dataset'):
        ResumableInfiniteSampler([], seed=0)
    with pytest.raises(ValueError, match='non-negative'):
        _sampler(3).set_position(-1)
