from .checkpoint import UnsafeCheckpointError, install_safe_checkpoint_loading, load_checkpoint_file
from .setup_env import register_all_modules

__all__ = ['register_all_modules', 'UnsafeCheckpointError', 'install_safe_checkpoint_loading',
           'load_checkpoint_file']
