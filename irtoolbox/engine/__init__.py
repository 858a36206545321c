"""Engine: hooks, loops and optimizer wrappers registered for the Runner."""
from . import hooks, runner  # noqa: F401
