"""Helpers shared by the whole package: checkpoints, image conventions, scope set-up.

The names below are imported on first use (PEP 562), so that a tool importing one
light helper module (``irtoolbox.utils.launch`` for its arguments) does not load
torch before it has parsed them (``--help``, a bad flag).
"""
import importlib
from typing import Any

_LAZY = {
    'UnsafeCheckpointError': 'checkpoint',
    'install_safe_checkpointing': 'checkpoint',
    'load_checkpoint_file': 'checkpoint',
    'safe_checkpointing': 'checkpoint',
    'uninstall_safe_checkpointing': 'checkpoint',
    'register_all_modules': 'setup_env',
}

__all__ = ['register_all_modules', 'UnsafeCheckpointError', 'install_safe_checkpointing',
           'load_checkpoint_file', 'safe_checkpointing', 'uninstall_safe_checkpointing']


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    value = getattr(importlib.import_module(f'{__name__}.{_LAZY[name]}'), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
