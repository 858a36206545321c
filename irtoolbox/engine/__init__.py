"""Engine: hooks, loops and optimizer wrappers registered for the Runner.

Importing it changes nothing in mmengine or torch: safe checkpoint loading and
atomic saving come with ``SafeCheckpointHook`` (named by the default runtime)
and the tools (docs/reliability.md).
"""
from . import hooks, optimizers, runner  # noqa: F401
