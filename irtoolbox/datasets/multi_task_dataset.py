"""Several restoration tasks in one dataset, each sample tagged with its task.

All-in-one restoration (IDR, AirNet, PromptIR) trains one model on a mix of
tasks: derain, dehaze, denoise, deblur, low light. Each task here is any
irtoolbox dataset config: a paired dataset (Rain100L, SOTS, GoPro, LOL) or a
degradation pipeline (a ``SyntheticPairDataset`` whose pipeline ``Degrade`` s
clean images: the BSD68 noise levels, or every task of the demo).

``tasks=[dict(name='derain', dataset=dict(...), index=1, ratio=1.0), ...]``:

- ``name``: written to each sample's metainfo as ``task_name`` (metrics
  report per task with ``group_by='task_name'``);
- ``index``: written as ``task_idx`` (the degradation type a model's prior hub
  and classifier use); by default the task's position in the list. Several
  tasks may share an index (the three BSD68 noise levels are one type);
- ``ratio``: with ``balance=True`` (training) the tasks take up the samples of
  an epoch in proportion to their ratios, whatever their sizes: a task of
  ``n_t`` images gets ``m_t = round(unit * ratio_t)`` slots with ``unit =
  max_t(n_t / ratio_t)``, slot ``j`` showing image ``j mod n_t``. With
  ``balance=False`` (evaluation) the tasks are concatenated, so every image is
  seen exactly once.

Randomness: item ``(i, pass)`` of slot ``j`` of task ``t`` is item ``(j mod n_t,
pass * ceil(m_t / n_t) + j // n_t)`` of the task's dataset, so the repeats of
an image within a pass get new crops/degradations and every sample stays a
pure function of ``(seed, index, pass)`` (the resume contract). A task's
dataset without a ``seed`` gets ``seed + position`` so that tasks made from
the same clean images do not draw the same crops.
"""
import bisect
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from irtoolbox.registry import DATASETS

Index = Union[int, Tuple[int, int]]


@DATASETS.register_module()
class MultiTaskDataset:
    """Mix task datasets, tag samples with ``task_name``/``task_idx``, balance by ratio.

    Args:
        tasks: ``[dict(name, dataset, index=None, ratio=1.0)]`` (module docstring).
        balance: repeat tasks to their ratios (training) instead of
            concatenating them (evaluation). Default: False.
        seed: base seed given to task datasets that set none. Default: 0.
        test_mode: passed to task datasets that do not set it. Default: False.
    """

    def __init__(self, tasks: Sequence[dict], balance: bool = False, seed: int = 0,
                 test_mode: bool = False) -> None:
        if not tasks:
            raise ValueError('MultiTaskDataset: tasks must list at least one task')
        self.names: List[str] = []
        self.indices: List[int] = []
        self.datasets: List[Any] = []
        ratios = []
        for position, task in enumerate(tasks):
            if not isinstance(task, dict) or 'name' not in task or 'dataset' not in task:
                raise ValueError(f'MultiTaskDataset: tasks[{position}] must be a dict with '
                                 f'"name" and "dataset", got {task!r}')
            unknown = set(task) - {'name', 'dataset', 'index', 'ratio'}
            if unknown:
                raise ValueError(f"MultiTaskDataset: tasks[{position}] ({task['name']}) has "
                                 f'unknown keys {sorted(unknown)}')
            dataset = task['dataset']
            if isinstance(dataset, dict):
                cfg = dict(dataset)
                cfg.setdefault('seed', seed + position)
                cfg.setdefault('test_mode', test_mode)
                dataset = DATASETS.build(cfg)
            self.names.append(str(task['name']))
            self.indices.append(int(task.get('index', position)))
            self.datasets.append(dataset)
            ratio = float(task.get('ratio', 1.0))
            if ratio <= 0:
                raise ValueError(f"MultiTaskDataset: task {task['name']} has ratio {ratio}; "
                                 'ratios must be > 0')
            ratios.append(ratio)
        if len(set(self.names)) != len(self.names):
            raise ValueError(f'MultiTaskDataset: task names must be unique, got {self.names}')
        self.balance = balance
        self.test_mode = test_mode
        self._ratios = ratios
        self._slots: Optional[List[int]] = None

    # ------------------------------------------------------------ layout
    def full_init(self) -> None:
        """Initialise every task dataset and lay out the slots."""
        for dataset in self.datasets:
            if hasattr(dataset, 'full_init'):
                dataset.full_init()
        sizes = [len(d) for d in self.datasets]
        empty = [n for n, size in zip(self.names, sizes) if size == 0]
        if empty:
            raise ValueError(f'MultiTaskDataset: tasks {empty} have no samples')
        if self.balance:
            unit = max(size / ratio for size, ratio in zip(sizes, self._ratios))
            slots = [max(1, round(unit * ratio)) for ratio in self._ratios]
        else:
            slots = sizes
        self._slots = slots
        self._starts = [0]
        for count in slots:
            self._starts.append(self._starts[-1] + count)

    @property
    def slots(self) -> List[int]:
        """Samples per task in one pass over this dataset."""
        if self._slots is None:
            self.full_init()
        return list(self._slots)

    @property
    def metainfo(self) -> Dict[str, Any]:
        """``tasks``: the task names, ``task_indices``: their indices."""
        return dict(tasks=list(self.names), task_indices=list(self.indices))

    def __len__(self) -> int:
        return sum(self.slots)

    def locate(self, idx: Index) -> Tuple[int, int, int]:
        """``(task, index in the task's dataset, its pass)`` of item ``idx``."""
        if isinstance(idx, (tuple, list)):
            index, pass_ = int(idx[0]), int(idx[1])
        else:
            index, pass_ = int(idx), 0
        length = len(self)
        if not -length <= index < length:
            raise IndexError(f'Index {index} out of range for a MultiTaskDataset of {length}')
        index %= length
        task = bisect.bisect_right(self._starts, index) - 1
        slot = index - self._starts[task]
        size = len(self.datasets[task])
        repeats = math.ceil(self._slots[task] / size)
        return task, slot % size, pass_ * repeats + slot // size

    def __getitem__(self, idx: Index) -> dict:
        task, inner, pass_ = self.locate(idx)
        data = self.datasets[task][(inner, pass_) if pass_ else inner]
        sample = data.get('data_samples') if isinstance(data, dict) else None
        if sample is None:
            raise TypeError(f'MultiTaskDataset: task {self.names[task]} returned no '
                            "'data_samples' (end its pipeline with PackInputs)")
        sample.set_metainfo(dict(task_name=self.names[task], task_idx=self.indices[task]))
        return data
