"""CheckpointHook whose ``last_checkpoint`` pointer never names a missing or partial file.

mmengine's ``CheckpointHook`` (a) deletes the oldest kept checkpoint *before*
writing the new one, and (b) rewrites ``work_dir/last_checkpoint`` with a plain
``open(..., 'w')``. A crash during the save can therefore leave no complete
checkpoint (``max_keep_ckpts=1``) and a pointer that is empty or names a file
that does not exist, and ``--resume`` then fails.

This hook keeps mmengine's behaviour and options but orders the steps as
save new (atomically, see ``irtoolbox.utils.checkpoint.atomic_save_checkpoint``)
-> atomically replace the pointer -> delete outdated checkpoints.
It is registered in the irtoolbox scope both as ``SafeCheckpointHook`` and as
``CheckpointHook``, so configs with ``default_scope='irtoolbox'`` get it
without naming it.
"""
import os.path as osp
from typing import List

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from irtoolbox.registry import HOOKS
from irtoolbox.utils.checkpoint import atomic_write_text


@HOOKS.register_module(name=['SafeCheckpointHook', 'CheckpointHook'])
class SafeCheckpointHook(CheckpointHook):
    """``CheckpointHook`` with crash-safe ordering of save, pointer and pruning."""

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
