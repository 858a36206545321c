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

The start-up report mmengine logs (system and runtime environment, the whole
config, the hook order; 300-400 lines) goes to the log file only: the console
gets one line naming that file, so the first lines a user reads are the run's
own (a config error among them). ``log_verbose=True`` in the config (the
tools' ``--verbose``) prints the report on the console too. Grouped validation
and test metrics print as a table, one row per group (``metrics_table.py``).
"""
import contextlib
import logging
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Union

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

from irtoolbox.datasets.basic_restoration_dataset import SKIPPED_KEY
from irtoolbox.engine.runner.metrics_table import print_metrics_tables
from irtoolbox.registry import RUNNERS
from irtoolbox.utils.checkpoint import load_weights_checked

#: config key switching strict loading off (an explicit partial load)
STRICT_KEY = 'load_from_strict'
#: config key printing mmengine's start-up report on the console too (tools: --verbose)
VERBOSE_KEY = 'log_verbose'
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


class StartupReportFilter(logging.Filter):
    """Console-handler filter holding back mmengine's start-up report.

    ``hold`` is set while ``Runner._log_env`` runs (it logs the environment and
    the config and nothing else); ``hide_once`` names the hook table, which
    ``Runner.__init__`` logs right after asking ``get_hooks_info`` for it.
    Warnings and errors always pass: only INFO records are held back.
    """

    def __init__(self) -> None:
        super().__init__()
        self.hold = False
        self._hidden: List[str] = []

    def hide_once(self, text: str) -> None:
        """Hold back the next INFO record whose message contains ``text``."""
        self._hidden.append(text)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        if self.hold:
            return False
        message = record.getMessage()
        for i, text in enumerate(self._hidden):
            if text in message:
                del self._hidden[i]
                return False
        return True


def _console_handlers(logger: logging.Logger) -> List[logging.Handler]:
    return [h for h in logger.handlers if not isinstance(h, logging.FileHandler)]


def _log_file(logger: logging.Logger) -> Optional[str]:
    files = [h.baseFilename for h in logger.handlers if isinstance(h, logging.FileHandler)]
    return files[0] if files else None


def schedule_placement(schedulers: Any) -> List[Dict[str, Any]]:
    """Each scheduler's type and iteration fields (:data:`SCHEDULE_FIELDS`)."""
    return [dict(type=type(s).__name__,
                 **{k: getattr(s, k) for k in SCHEDULE_FIELDS if hasattr(s, k)})
            for s in _flat_schedulers(schedulers)]


@RUNNERS.register_module()
class StrictLoadRunner(Runner):
    """``Runner`` whose ``load_checkpoint`` (``load_from``, ``resume``) is strict by
    default; the config's ``load_from_strict=False`` allows a logged partial load."""

    _startup_filter: Optional[StartupReportFilter] = None
    _report_announced = False

    def build_log_processor(self, log_processor: Any) -> Any:
        """The config's log processor; grouped metrics print as a table (metrics_table.py)."""
        return print_metrics_tables(super().build_log_processor(log_processor))

    def build_logger(self, log_level: Union[int, str] = 'INFO', log_file: Optional[str] = None,
                     **kwargs: Any) -> Any:
        """mmengine's logger; unless ``log_verbose``, its console handlers hold back
        the start-up report (:class:`StartupReportFilter`), the file keeps it."""
        logger = super().build_logger(log_level=log_level, log_file=log_file, **kwargs)
        if self.cfg.get(VERBOSE_KEY, False):
            return logger
        self._startup_filter = StartupReportFilter()
        for handler in _console_handlers(logger):
            # a logger reused by a second Runner in one process keeps one filter of ours
            for old in [f for f in handler.filters if isinstance(f, StartupReportFilter)]:
                handler.removeFilter(old)
            handler.addFilter(self._startup_filter)
        return logger

    @contextlib.contextmanager
    def _file_only(self) -> Iterator[None]:
        """INFO records logged inside go to the log file only (unless ``log_verbose``)."""
        report = self._startup_filter
        if report is None:
            yield
            return
        report.hold = True
        try:
            yield
        finally:
            report.hold = False

    def _log_env(self, env_cfg: dict) -> None:
        """mmengine's environment and config report, to the log file only (see module doc)."""
        with self._file_only():
            super()._log_env(env_cfg)

    def wrap_model(self, model_wrapper_cfg: Optional[Dict], model: Any) -> Any:
        """mmengine's wrapping; its note on SyncBN reversion (an environment fact) goes to
        the log file only."""
        with self._file_only():
            return super().wrap_model(model_wrapper_cfg, model)

    def load_or_resume(self) -> None:
        """Point at the start-up report once everything is built (a config error
        raised while building is then the first line on the console), then load."""
        if self._startup_filter is not None and not self._report_announced:
            self._report_announced = True
            where = _log_file(self.logger)
            self.logger.info(f'Environment, config and hook order: {where or "no log file"} '
                             '(--verbose prints them here)')
        super().load_or_resume()

    def get_hooks_info(self) -> str:
        """The hook table; the next log record holding it goes to the log file only."""
        info = super().get_hooks_info()
        if self._startup_filter is not None:
            self._startup_filter.hide_once(info)
        return info

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
