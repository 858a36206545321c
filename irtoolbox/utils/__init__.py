"""Helpers shared by the whole package: checkpoints, image conventions, scope set-up."""
from .checkpoint import (
    UnsafeCheckpointError,
    install_safe_checkpointing,
    load_checkpoint_file,
    safe_checkpointing,
    uninstall_safe_checkpointing,
)
from .setup_env import register_all_modules

__all__ = ['register_all_modules', 'UnsafeCheckpointError', 'install_safe_checkpointing',
           'load_checkpoint_file', 'safe_checkpointing', 'uninstall_safe_checkpointing']
