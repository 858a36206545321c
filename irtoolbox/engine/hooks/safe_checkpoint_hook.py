"""CheckpointHook that saves atomically and whose ``last_checkpoint`` pointer never
names a missing or partial file; it also makes the run's checkpoint loads safe.

mmengine's ``CheckpointHook`` (a) deletes the oldest kept checkpoint *before*
writing the new one, (b) writes the checkpoint with a plain ``open(path, 'wb')``
and (c) rewrites ``work_dir/last_checkpoint`` in place. A crash during the save
can therefore leave no complete checkpoint (``max_keep_ckpts=1``), a truncated
file and a pointer that is empty or names a file that does not exist, and
``--resume`` then fails.

This hook keeps mmengine's behaviour and options but

- saves local checkpoints through ``irtoolbox.utils.checkpoint.AtomicLocalBackend``
  (``backend_args=dict(backend='irtoolbox_atomic_local')`` unless the config
  sets ``backend_args``/``file_client_args``, e.g. for remote storage);
- orders the steps as save new -> atomically replace the pointer -> delete
  outdated checkpoints;
- installs safe checkpoint loading (``install_safe_checkpointing``) in
  ``before_run``, so ``resume``, ``load_from`` and ``init_cfg`` pretrained
  weights of the run go through the allowlist, and uninstalls it in
  ``after_run`` unless it was installed before (by a tool).

It is registered under its own name, ``SafeCheckpointHook``, which
``configs/_base_/default_runtime.py`` names; mmengine's ``CheckpointHook`` is
left as it is.
"""
import logging
import os.path as osp
from typing import List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from irtoolbox.registry import HOOKS
from irtoolbox.utils.checkpoint import (
    ATOMIC_BACKEND,
    atomic_write_text,
    install_safe_checkpointing,
    is_local_path,
    register_atomic_backend,
    safe_checkpointing_installed,
    uninstall_safe_checkpointing,
)

# mmengine builds a FileClient it never uses when file_client_args is None
# (CheckpointHook.before_train and save_checkpoint, kept for backward
# compatibility, says its source), and that object logs these deprecation
# warnings on every run and every save. They say nothing about the user's config.
_UNUSED_FILE_CLIENT_WARNINGS = ('"FileClient" will be deprecated',
                                '"HardDiskBackend" is the alias of "LocalBackend"')


class _DropUnusedFileClientWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_UNUSED_FILE_CLIENT_WARNINGS)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` with atomic saves, crash-safe ordering of save, pointer
    and pruning, and safe loading during the run. Takes mmengine's
    ``CheckpointHook`` arguments (see its documentation)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        register_atomic_backend()  # a new backend name: mmengine's own are unchanged
        self._installed_safe_loading = False
        self._quiet: Optional[logging.Filter] = None

    def before_run(self, runner) -> None:
        """Install safe loading for the run's loads unless already installed."""
        self._installed_safe_loading = not safe_checkpointing_installed()
        if self._installed_safe_loading:
            install_safe_checkpointing(unsafe=False)
        if self.file_client_args is None:  # only the FileClient nobody asked for
            self._quiet = _DropUnusedFileClientWarnings()
            runner.logger.addFilter(self._quiet)

    def after_run(self, runner) -> None:
        """Undo :meth:`before_run`: uninstall safe loading if it installed it."""
        if self._installed_safe_loading:
            uninstall_safe_checkpointing()
            self._installed_safe_loading = False
        if self._quiet is not None:
            runner.logger.removeFilter(self._quiet)
            self._quiet = None

    def before_train(self, runner) -> None:
        """Save local checkpoints atomically; then mmengine's set-up."""
        out_dir = self.out_dir if self.out_dir is not None else runner.work_dir
        if (self.file_client_args is None and self.backend_args is None
                and is_local_path(str(out_dir))):
            self.backend_args = dict(backend=ATOMIC_BACKEND)
        super().before_train(runner)

    def _ids_to_prune(self, runner, step: int) -> List[int]:
        """Update ``keep_ckpt_ids`` for ``step``; return the ids to delete after saving."""
        if self.max_keep_ckpts <= 0:
            return []
        # _save_checkpoint and _save_best_checkpoint may both save one step.
        if len(self.keep_ckpt_ids) > 0 and self.keep_ckpt_ids[-1] == step:
            return []
        outdated = []
        if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
            outdated.append(self.keep_ckpt_ids.popleft())
        self.keep_ckpt_ids.append(step)
        runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))
        return outdated

    def _remove_checkpoint(self, step: int) -> None:
        path = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(step))
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):  # deepspeed saves folders
            self.file_backend.rmtree(path)

    def _save_checkpoint_with_step(self, runner, step, meta):
        outdated = self._ids_to_prune(runner, step)
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)

        runner.save_checkpoint(
            self.out_dir, ckpt_filename, self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta, by_epoch=self.by_epoch, backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        # Only now does the new file exist completely: point at it, then prune.
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        for old_step in outdated:
            if old_step != step:
                self._remove_checkpoint(old_step)
