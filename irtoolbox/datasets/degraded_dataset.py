"""A clean-image dataset whose degradation is a config key, and fixed
multi-level test sets (DL-Net, Guo et al., "Deep Likelihood Network", Sec.
IV-A: "ten saved degradations per test image").

``DegradedDataset(dataset=cfg, degradation=op_cfg)`` builds ``dataset`` (a
:class:`SyntheticPairDataset` config whose pipeline loads and crops the clean
image) with a ``Degrade`` step inserted before its ``PackInputs``, so that an
experiment config changes the degradation by overriding one key
(``train_dataloader.dataset.degradation``) instead of rewriting the pipeline.
Indices (ints or ``(index, pass)`` pairs of the resumable sampler) are passed
through: the inner dataset's per-sample seeding is unchanged.

``DegradedDataset(dataset=cfg, levels={label: op_cfg, ...}, copies=10)`` is a
fixed test set: for every level and copy ``c`` the inner dataset is built
with that degradation and ``seed = seed + c``, so each test image has
``copies`` degradations per level, each a pure function of (seed, image
index) - the same in every run, as if saved. Every sample's metainfo gets
``test_level = label`` for the metrics' ``group_by`` (and, with ``copies > 1``,
``degradation_copy = c``, so saved outputs of one image get distinct names).
Samples are ordered by level, then copy, then image. ``dataset`` may also be a list of dataset
configs (e.g. Set5, Set14, BSD100), labelled ``'<name>/<level>'`` with
``dataset_names``; ``level_overrides`` is merged into every level's operator
config (e.g. ``dict(scale=3)``, so a x3 config changes one key).
"""
import bisect
import copy as copy_module
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from torch.utils.data import Dataset

from irtoolbox.registry import DATASETS

#: metainfo key of the copy index of a fixed test set with ``copies > 1``
COPY_KEY = 'degradation_copy'

Index = Union[int, Tuple[int, int]]


def with_degrade(dataset_cfg: dict, degradation: Any, seed_offset: int = 0) -> dict:
    """A copy of ``dataset_cfg`` with ``Degrade(degradation)`` before its ``PackInputs``."""
    cfg = copy_module.deepcopy(dict(dataset_cfg))
    pipeline = list(cfg.get('pipeline', []))
    types = [step.get('type') if isinstance(step, dict) else type(step).__name__
             for step in pipeline]
    if 'Degrade' in types:
        raise ValueError('DegradedDataset: the inner pipeline already has a Degrade step; '
                         'give the degradation to DegradedDataset only')
    at = types.index('PackInputs') if 'PackInputs' in types else len(pipeline)
    pipeline.insert(at, dict(type='Degrade', degradation=degradation, in_key='gt',
                             out_key='img'))
    cfg['pipeline'] = pipeline
    cfg['seed'] = int(cfg.get('seed', 0)) + seed_offset
    return cfg


@DATASETS.register_module()
class DegradedDataset(Dataset):
    """Clean images degraded by one configured operator, or a fixed multi-level test set.

    Args:
        dataset: config of the clean-image dataset (its pipeline without
            ``Degrade``), or a list of them (test sets). Required.
        degradation: the operator config (or list: a chain) for every sample.
            Default: None (then ``levels`` is required).
        levels: ``{label: operator config}``, the fixed test set's levels.
            Default: None.
        copies: degradations per image and level (the paper: 10). Default: 1.
        label_key: metainfo key of the level label. Default: ``'test_level'``.
        dataset_names: with a list of datasets, their names, prefixed to the
            labels (``'Set5/u=1.3'``). Default: None.
        level_overrides: merged into every level's operator config. Default: None.
    """

    def __init__(self, dataset: Union[dict, Sequence[dict]], degradation: Any = None,
                 levels: Optional[Dict[str, Any]] = None, copies: int = 1,
                 label_key: str = 'test_level', dataset_names: Optional[Sequence[str]] = None,
                 level_overrides: Optional[dict] = None) -> None:
        if (degradation is None) == (levels is None):
            raise ValueError('DegradedDataset: give exactly one of degradation (every sample) '
                             'and levels (a fixed multi-level test set)')
        if levels is not None and (not isinstance(levels, dict) or not levels):
            raise ValueError(f'DegradedDataset: levels must be a non-empty dict label -> '
                             f'degradation config, got {levels!r}')
        if int(copies) < 1:
            raise ValueError(f'DegradedDataset: copies must be >= 1, got {copies}')
        self.label_key = label_key
        self.labels: List[Optional[str]] = []
        self.copy_indices: List[Optional[int]] = []
        self.datasets = []
        inner_cfgs = [dataset] if isinstance(dataset, dict) else list(dataset)
        names = [''] * len(inner_cfgs) if dataset_names is None else \
            [f'{name}/' for name in dataset_names]
        if len(names) != len(inner_cfgs):
            raise ValueError(f'DegradedDataset: {len(names)} dataset_names for '
                             f'{len(inner_cfgs)} datasets')
        if levels is None:
            if len(inner_cfgs) != 1:
                raise ValueError('DegradedDataset: several datasets need levels (a test set)')
            self.datasets.append(DATASETS.build(with_degrade(inner_cfgs[0], degradation)))
            self.labels.append(None)
            self.copy_indices.append(None)
        else:
            for name, inner_cfg in zip(names, inner_cfgs):
                for label, level_degradation in levels.items():
                    if level_overrides:
                        level_degradation = dict(level_degradation, **level_overrides)
                    for copy in range(int(copies)):
                        self.datasets.append(DATASETS.build(
                            with_degrade(inner_cfg, level_degradation, seed_offset=copy)))
                        self.labels.append(f'{name}{label}')
                        self.copy_indices.append(copy if int(copies) > 1 else None)
        self.ends = []
        total = 0
        for inner in self.datasets:
            total += len(inner)
            self.ends.append(total)

    @property
    def metainfo(self) -> dict:
        """The inner dataset's metainfo (what the Runner hands the evaluator)."""
        return copy_module.deepcopy(getattr(self.datasets[0], 'metainfo', {}))

    def __len__(self) -> int:
        return self.ends[-1]

    def __getitem__(self, idx: Index) -> dict:
        if len(self.datasets) == 1:
            return self.datasets[0][idx]  # (index, pass) pairs pass through
        if isinstance(idx, tuple):
            idx = idx[0]  # a fixed test set has one pass
        idx = int(idx) % len(self)
        which = bisect.bisect_right(self.ends, idx)
        start = self.ends[which - 1] if which else 0
        item = self.datasets[which][idx - start]
        item['data_samples'].set_metainfo({self.label_key: self.labels[which]})
        if self.copy_indices[which] is not None:  # tells the copies of one image apart
            item['data_samples'].set_metainfo({COPY_KEY: self.copy_indices[which]})
        return item
