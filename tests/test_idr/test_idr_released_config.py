"""The released IDR recipe as configured (FACTS.md 3.1-3.2 of ``idr_released``)."""
import math
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.optim.scheduler import CosineRestartLR

from irtoolbox.registry import MODELS

CONFIG = Path(__file__).resolve().parents[2] / 'configs' / 'idr' / \
    'idr_released-d30_1xb7-480k_five-task.py'
CONFIG_D24 = CONFIG.with_name('idr_released-d24_1xb7-480k_five-task.py')


def released_lr(it: int, scale: int) -> float:
    """BasicSR's CosineAnnealingRestartCyclicLR with the released yml, periods / scale."""
    start = 0
    for period, weight, eta in ((92, 1, 2e-5), (88, 1, 1e-6), (172, .5, 1e-6), (128, .3, 1e-6)):
        period = period * 1000 // scale
        if it <= start + period:
            cosine = 1 + math.cos(math.pi * (it - start) / period)
            return eta + weight * 0.5 * (1e-4 - eta) * cosine
        start += period
    raise ValueError(it)


def test_schedule_is_the_released_one_but_at_restarts():
    """Periods scaled by 1/1000 (480 steps); only the 3 restart iterations may differ."""
    cfg, scale = Config.fromfile(str(CONFIG)), 1000
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=cfg.base_lr)
    schedulers = []
    for s in cfg.param_scheduler:
        s = {k: v for k, v in s.items() if k != 'type'}
        s.update(begin=s['begin'] // scale, end=s['end'] // scale,
                 periods=[p // scale for p in s['periods']])
        schedulers.append(CosineRestartLR(opt, **s))
    off = []
    for it in range(480):
        if abs(opt.param_groups[0]['lr'] - released_lr(it, scale)) > 1e-12:
            off.append(it)
        opt.step()
        for scheduler in schedulers:
            scheduler.step()
    assert off == [92, 180, 352]


@pytest.mark.parametrize('config,params', [(CONFIG, 12_262_448), (CONFIG_D24, 7_887_130)])
def test_model_is_the_released_network(config, params):
    cfg = Config.fromfile(str(config))
    assert cfg.stage_switch_iter == 551 * 400 and cfg.model.losses.cls.until_iter == 220400
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.backbone.parameters()) == params
    entries = cfg.train_dataloader.dataset.tasks
    assert [t['index'] for t in entries] == [0, 0, 0, 1, 2, 4, 3]
