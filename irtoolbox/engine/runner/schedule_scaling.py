"""Schedules that follow the run length: ``train_cfg.max_iters=N`` scales them.

The configs write iteration-based schedules in absolute iterations (the paper's
numbers: cosine ``T_max=300000``, pix2pix's linear decay ``begin=70000,
end=140000``, IDR's stage switch at 150000). A user who shortens a run with
``--cfg-options train_cfg.max_iters=N`` means the same schedule on a shorter
run; left alone, a 1000-iteration cosine run would end at nearly the initial
learning rate and a short IDR run would never reach stage 2.
:func:`scale_schedule` multiplies, by ``N / max_iters`` of the config:

- every iteration-based (``by_epoch=False``) ``param_scheduler`` entry's
  ``begin``, ``end``, ``T_max``, ``step_size``, ``milestones`` and ``periods``;
- every :data:`ITER_KEYS` value anywhere in the config (IDR's
  ``stage_switch_iter``, its classification loss's ``until_iter`` and its
  sampler's ``stage2_from_iter``).

Values are rounded to whole iterations. Keys given explicitly in the same
``--cfg-options`` are applied afterwards and win. Validation and checkpoint
intervals are not scaled.
"""
from typing import Any, Dict, Iterator

from mmengine.config import Config, ConfigDict

#: keys naming an iteration, scaled wherever they occur in a config
ITER_KEYS = ('stage_switch_iter', 'until_iter', 'stage2_from_iter')
#: iteration fields of an iteration-based parameter scheduler
SCHEDULER_KEYS = ('begin', 'end', 'T_max', 'step_size')
#: iteration lists of a scheduler (MultiStepLR, CosineRestartLR)
LIST_KEYS = ('milestones', 'periods')
#: mmengine's "until the end" sentinel for ``end`` (never scaled)
_INF_END = 2 ** 31


def _scaled(value: Any, ratio: float) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return value if value >= _INF_END else int(round(value * ratio))


def _schedulers(cfg: Config) -> Iterator[dict]:
    schedulers = cfg.get('param_scheduler') or []
    for scheduler in [schedulers] if isinstance(schedulers, dict) else schedulers:
        if isinstance(scheduler, dict) and scheduler.get('by_epoch', True) is False:
            yield scheduler


def _scale_iter_keys(node: Any, ratio: float) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ITER_KEYS:
                node[key] = _scaled(value, ratio)
            else:
                _scale_iter_keys(value, ratio)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _scale_iter_keys(item, ratio)


def scale_schedule(cfg: Config, max_iters: int) -> Dict[str, float]:
    """Scale the iteration-based schedule of ``cfg`` to a run of ``max_iters``
    (in place; ``cfg.train_cfg.max_iters`` becomes ``max_iters``).

    Returns:
        ``{'ratio': N / old max_iters}`` (1.0: nothing changed).
    """
    old = (cfg.get('train_cfg') or {}).get('max_iters')
    if not old or int(max_iters) == int(old):
        return dict(ratio=1.0)
    ratio = int(max_iters) / int(old)
    for scheduler in _schedulers(cfg):
        for key in SCHEDULER_KEYS:
            if key in scheduler:
                scheduler[key] = _scaled(scheduler[key], ratio)
        for key in LIST_KEYS:
            if key in scheduler:
                scheduler[key] = [_scaled(m, ratio) for m in scheduler[key]]
    for key in cfg.keys():
        if key != 'param_scheduler':
            value = cfg[key]
            _scale_iter_keys(value, ratio)
            if isinstance(value, ConfigDict) or key not in ITER_KEYS:
                continue
            cfg[key] = _scaled(value, ratio)
    cfg.train_cfg.max_iters = int(max_iters)
    return dict(ratio=ratio)
