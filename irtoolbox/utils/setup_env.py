"""Scope set-up, as in the other OpenMMLab 2.x codebases, and weight initialisation
outside a Runner without mmengine's per-parameter report on the console."""
import datetime
import warnings
from typing import Any, Optional

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


def init_weights_quietly(module: Any, log_file: Optional[str] = None) -> None:
    """``module.init_weights()`` outside a Runner, its initialisation report kept off
    the console.

    mmengine's ``BaseModule.init_weights`` reports how every parameter was
    initialised (one entry per parameter: 168 lines for a tiny StyleGAN2
    generator). Inside a Runner the report goes to the run's log file, the
    current ``MMLogger``'s ``FileHandler``; without one, mmengine logs it entry
    by entry at INFO on the console. Here the logger gets a file for the call:
    ``log_file`` (appended to), or ``os.devnull`` when None.
    """
    import logging
    import os

    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    handler = logging.FileHandler(log_file or os.devnull, mode='a')
    handler.setLevel(logging.CRITICAL)  # the report is written to its stream directly
    logger.addHandler(handler)
    try:
        module.init_weights()
    finally:
        logger.removeHandler(handler)
        handler.close()
