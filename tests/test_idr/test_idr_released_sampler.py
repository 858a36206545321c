"""TaskGroupedSampler: the released IDR batches (FACTS.md 3.3 of ``idr_released``).

Stage 1: batches of 7 consecutive samples of one task entry, every entry once
per round of 7 runs; stage 2: each batch of 7 holds each of the 7 entries once.
"""
import itertools

from irtoolbox.datasets import MultiTaskDataset
from irtoolbox.datasets.samplers import TaskGroupedSampler

ENTRIES = ['denoise_15', 'denoise_25', 'denoise_50', 'derain', 'dehaze', 'delowlight', 'deblur']


def dataset():
    # Plain lists as the task datasets: only their sizes matter to the sampler.
    tasks = [dict(name=n, dataset=list(range(5 + 3 * i))) for i, n in enumerate(ENTRIES)]
    data = MultiTaskDataset(tasks, balance=False)
    data.full_init()
    return data


def batches(sampler, count, size=7):
    stream = list(itertools.islice(iter(sampler), count * size))
    return [stream[i:i + size] for i in range(0, len(stream), size)]


def test_stage1_single_task_batches_then_one_of_each():
    data = dataset()
    sampler = TaskGroupedSampler(data, group_size=7, stage2_from_iter=14, batch_size=7, seed=3)
    stage1, stage2 = (lambda b: (b[:14], b[14:]))(batches(sampler, 28))
    tasks1 = [[data.locate(item)[0] for item in batch] for batch in stage1]
    assert all(len(set(batch)) == 1 for batch in tasks1)
    for round_start in (0, 7):  # each round of 7 runs visits every entry once
        assert sorted(b[0] for b in tasks1[round_start:round_start + 7]) == list(range(7))
    for batch in stage2:
        assert sorted(data.locate(item)[0] for item in batch) == list(range(7))


def test_items_unique_within_a_pass_and_resume():
    data = dataset()
    sampler = TaskGroupedSampler(data, stage2_from_iter=5, seed=0)
    stream = list(itertools.islice(iter(sampler), 200))
    seen = set()
    for index, pass_idx in stream:
        # The k-th draw of a task is in its pass k // slots: no repeat inside a pass.
        assert (index, pass_idx) not in seen
        seen.add((index, pass_idx))
    sampler.set_position(37)
    assert list(itertools.islice(iter(sampler), 50)) == stream[37:87]


def test_ranks_draw_disjoint_samples():
    data = dataset()
    streams = []
    for rank in (0, 1):
        sampler = TaskGroupedSampler(data, seed=1)
        sampler.rank, sampler.world_size = rank, 2  # two ranks simulated in one process
        streams.append(set(itertools.islice(iter(sampler), 140)))
    assert not streams[0] & streams[1]
