"""mmengine's Runner with the toolbox's one checkpoint-loading rule.

mmengine's ``Runner.load_checkpoint`` (used by ``load_from`` and by
``resume``) loads with ``strict=False``: a checkpoint of another model loads
partly, logs a long key list and the run goes on with mostly untrained
weights. :class:`StrictLoadRunner` loads through
:func:`irtoolbox.utils.checkpoint.load_weights_checked` instead: a checkpoint
that does not fit stops the run with one message naming the file, the model
and the first keys that differ; ``load_from_strict=False`` in the config
(``--cfg-options load_from_strict=False``) is the explicit partial load,
which logs what it skipped.

``resume`` also refuses a run whose configured schedule differs from the one
saved in the checkpoint (typically: the run extended by a larger
``max_iters``). mmengine would restore the saved scheduler state over the
configured one, keeping the old schedule's end, so the learning rate would
silently freeze after it.

Validation and test loops drop the stand-ins that a dataset with
``on_error='skip'`` returns for bad samples (metainfo ``SKIPPED_KEY``) before
the evaluator sees them, so no image is scored twice. The tools build this
runner.
"""
from typing import Any, Callable, Dict, List, Sequence, Union

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

from irtoolbox.datasets.basic_restoration_dataset import SKIPPED_KEY
from irtoolbox.registry import RUNNERS
from irtoolbox.utils.checkpoint import load_weights_checked

#: config key switching strict loading off (an explicit partial load)
STRICT_KEY = 'load_from_strict'
#: scheduler attributes that place a schedule in iterations
SCHEDULE_FIELDS = ('begin', 'end', 'T_max', 'milestones', 'periods', 'step_size')


def _flat_schedulers(schedulers: Any) -> List[Any]:
    """The scheduler objects of a list, or of a dict of lists (one per optimizer)."""
    if schedulers is None:
        return []
    if isinstance(schedulers, dict):
        return [s for group in schedulers.values() for s in _flat_schedulers(group)]
    return list(schedulers) if isinstance(schedulers, (list, tuple)) else [schedulers]


def _without_stand_ins(process: Callable) -> Callable:
    """``evaluator.process`` that leaves out the samples standing in for bad files."""
    def process_kept(data_samples: Sequence, data_batch: Any = None) -> None:
        keep = [i for i, s in enumerate(data_samples)
                if SKIPPED_KEY not in getattr(s, 'metainfo', s if isinstance(s, dict) else {})]
        if len(keep) == len(data_samples):
            return process(data_samples, data_batch)
        if not keep:
            return None
        if isinstance(data_batch, dict):
            data_batch = {k: [v[i] for i in keep] if isinstance(v, (list, tuple)) else
                          (v[keep] if hasattr(v, 'shape') else v) for k, v in data_batch.items()}
        return process([data_samples[i] for i in keep], data_batch)
    return process_kept


def schedule_placement(schedulers: Any) -> List[Dict[str, Any]]:
    """Each scheduler's type and iteration fields (:data:`SCHEDULE_FIELDS`)."""
    return [dict(type=type(s).__name__,
                 **{k: getattr(s, k) for k in SCHEDULE_FIELDS if hasattr(s, k)})
            for s in _flat_schedulers(schedulers)]


@RUNNERS.register_module()
class StrictLoadRunner(Runner):
    """``Runner`` whose ``load_checkpoint`` (``load_from``, ``resume``) is strict by
    default; the config's ``load_from_strict=False`` allows a logged partial load."""

    def build_val_loop(self, loop: Any) -> Any:
        return self._drop_stand_ins(super().build_val_loop(loop))

    def build_test_loop(self, loop: Any) -> Any:
        return self._drop_stand_ins(super().build_test_loop(loop))

    @staticmethod
    def _drop_stand_ins(loop: Any) -> Any:
        evaluator = getattr(loop, 'evaluator', None)
        if evaluator is not None:
            evaluator.process = _without_stand_ins(evaluator.process)
        return loop

    def resume(self, filename: str, resume_optimizer: bool = True,
               resume_param_scheduler: bool = True, map_location: Any = 'default') -> None:
        """mmengine's resume, refusing a saved schedule that differs from the config's."""
        configured = schedule_placement(self.param_schedulers)
        super().resume(filename, resume_optimizer, resume_param_scheduler, map_location)
        saved = schedule_placement(self.param_schedulers)
        if resume_param_scheduler and saved != configured:
            raise RuntimeError(
                f'--resume {filename}: the schedule saved in the checkpoint {saved} differs '
                f'from the configured one {configured} (a run extended by a larger '
                'max_iters?). Resuming would keep the saved schedule and freeze the '
                'learning rate after its end. Start a new run from these weights with '
                'load_from= (without --resume), or resume with the original max_iters')

    def load_checkpoint(self, filename: str, map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False, revise_keys: list = None) -> dict:
        """Load ``filename`` into the model by the toolbox's rule.

        ``strict`` and ``revise_keys`` of mmengine's signature are ignored: the
        config's ``load_from_strict`` (default True) decides, and the DDP
        ``module.`` prefix is always removed.
        """
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        load_weights_checked(model, checkpoint, filename,
                             strict=bool(self.cfg.get(STRICT_KEY, True)))
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
