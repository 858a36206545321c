"""Optimizer wrapper constructors (registered in mmengine's root registry)."""
from .multi_optim_wrapper_constructor import MultiOptimWrapperConstructor  # noqa: F401
