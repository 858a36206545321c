"""Engine: hooks, loops and optimizer wrappers registered for the Runner."""
from irtoolbox.utils.checkpoint import ensure_safe_checkpoint_loading

from . import hooks, optimizers, runner  # noqa: F401

# Every checkpoint load/save of a run that uses irtoolbox parts goes through the
# safe loader and the atomic writer (docs/reliability.md).
ensure_safe_checkpoint_loading()
