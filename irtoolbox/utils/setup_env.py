"""Scope set-up, as in the other OpenMMLab 2.x codebases."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every irtoolbox module so that all parts are registered.

    Registries import lazily on lookup, so this is only needed by code that
    lists registries or builds without a Runner. With ``init_default_scope``
    the current default scope becomes ``irtoolbox``.
    """
    import irtoolbox.datasets  # noqa: F401
    import irtoolbox.degradations  # noqa: F401
    import irtoolbox.engine  # noqa: F401
    import irtoolbox.evaluation  # noqa: F401
    import irtoolbox.models  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None or current.scope_name == 'irtoolbox':
        DefaultScope.get_instance('irtoolbox', scope_name='irtoolbox')
        return
    new_name = f'irtoolbox-{datetime.datetime.now()}'
    warnings.warn(f'The default scope was {current.scope_name!r}; switching to irtoolbox '
                  f'as {new_name!r}.')
    DefaultScope.get_instance(new_name, scope_name='irtoolbox')
