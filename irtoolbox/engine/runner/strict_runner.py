"""mmengine's Runner with the toolbox's one checkpoint-loading rule.

mmengine's ``Runner.load_checkpoint`` (used by ``load_from`` and by
``resume``) loads with ``strict=False``: a checkpoint of another model loads
partly, logs a long key list and the run goes on with mostly untrained
weights. :class:`StrictLoadRunner` loads through
:func:`irtoolbox.utils.checkpoint.load_weights_checked` instead: a checkpoint
that does not fit stops the run with one message naming the file, the model
and the first keys that differ; ``load_from_strict=False`` in the config
(``--cfg-options load_from_strict=False``) is the explicit partial load,
which logs what it skipped. The tools build this runner.
"""
from typing import Callable, Union

from mmengine.model import is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

from irtoolbox.registry import RUNNERS
from irtoolbox.utils.checkpoint import load_weights_checked

#: config key switching strict loading off (an explicit partial load)
STRICT_KEY = 'load_from_strict'


@RUNNERS.register_module()
class StrictLoadRunner(Runner):
    """``Runner`` whose ``load_checkpoint`` (``load_from``, ``resume``) is strict by
    default; the config's ``load_from_strict=False`` allows a logged partial load."""

    def load_checkpoint(self, filename: str, map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False, revise_keys: list = None) -> dict:
        """Load ``filename`` into the model by the toolbox's rule.

        ``strict`` and ``revise_keys`` of mmengine's signature are ignored: the
        config's ``load_from_strict`` (default True) decides, and the DDP
        ``module.`` prefix is always removed.
        """
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        load_weights_checked(model, checkpoint, filename,
                             strict=bool(self.cfg.get(STRICT_KEY, True)))
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
