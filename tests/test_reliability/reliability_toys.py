"""Small real parts for the reliability tests: a counting dataset and a dropout model.

Not a test module (no ``test_`` prefix); imported by the test files next to it.
"""
import os.path as osp
from typing import Any, Dict, Optional

import numpy as np
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset


class CountingPairDataset(Dataset):
    """Samples that are a pure function of (seed, index, pass), counting every load.

    Each requested item is appended to the text file ``log_path`` (the Runner
    deep-copies datasets and workers are other processes, so a list would not do).
    """

    metainfo = dict(name='counting')

    def __init__(self, log_path: str, length: int = 12, seed: int = 3) -> None:
        self.log_path, self.length, self.seed = log_path, length, seed

    def loaded(self) -> list:
        """The (index, pass) items loaded so far, in order."""
        if not osp.exists(self.log_path):
            return []
        with open(self.log_path) as f:
            return [tuple(int(v) for v in line.split()) for line in f]

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, idx: Any) -> Dict[str, torch.Tensor]:
        index, pass_idx = (idx, 0) if isinstance(idx, int) else (int(idx[0]), int(idx[1]))
        with open(self.log_path, 'a') as f:
            f.write(f'{index} {pass_idx}\n')
        rng = np.random.default_rng([self.seed, index, pass_idx])
        x = torch.from_numpy(rng.standard_normal(4).astype(np.float32))
        return dict(inputs=x, target=x.sum(0, keepdim=True) * 0.5 + 0.1)


class DropoutRegressor(BaseModel):
    """Linear regressor with dropout: training draws from torch's global generator."""

    def __init__(self, nan_at_call: Optional[int] = None) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.3), nn.Linear(8, 1))
        self.nan_at_call = nan_at_call  # 1-based forward call that yields a NaN loss
        self.calls = 0

    def forward(self, inputs, target=None, mode='loss'):
        self.calls += 1
        loss = ((self.net(inputs) - target) ** 2).mean()
        if self.nan_at_call is not None and self.calls >= self.nan_at_call:
            loss = loss * float('nan')
        return dict(loss_mse=loss)


def make_runner(work_dir: str, dataset: Dataset, max_iters: int, interval: int,
                resume: bool = False, model: Optional[nn.Module] = None,
                max_keep_ckpts: int = -1, num_workers: int = 0, **kwargs) -> Runner:
    """A real mmengine Runner using the irtoolbox reliability parts."""
    cfg = dict(
        model=model if model is not None else DropoutRegressor(),
        work_dir=work_dir,
        train_dataloader=dict(dataset=dataset, batch_size=3, num_workers=num_workers,
                              persistent_workers=False,
                              sampler=dict(type='ResumableInfiniteSampler', seed=5),
                              collate_fn=dict(type='default_collate')),
        train_cfg=dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        param_scheduler=[dict(type='MultiStepLR', by_epoch=False, milestones=[5], gamma=0.5)],
        default_hooks=dict(checkpoint=dict(type='SafeCheckpointHook', interval=interval,
                                           by_epoch=False, max_keep_ckpts=max_keep_ckpts),
                           logger=dict(type='LoggerHook', interval=100)),
        custom_hooks=[dict(type='RNGStateHook'), dict(type='NonFiniteLossGuardHook')],
        randomness=dict(seed=0, deterministic=True),
        default_scope='irtoolbox', resume=resume,
        experiment_name='_'.join(work_dir.split(osp.sep)[-2:]),
        log_level='WARNING')
    cfg.update(kwargs)
    return Runner(**cfg)


def weights(runner: Runner) -> Dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in runner.model.state_dict().items()}
