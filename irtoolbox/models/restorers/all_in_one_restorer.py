"""``AllInOneRestorer``: the name IDR's configs use for a plain ``Restorer``.

IDR's plugins need more than the features at their position (Zhang et al.,
"Ingredient-oriented Multi-Degradation Learning for Image Restoration", CVPR
2023, and its supplement): the SDAM adds the degraded image at its scale, and
the meta-prior learning module picks the prior hub of each sample's known
degradation type in the first training stage and the classifier's predicted
mixture afterwards. Every ``Restorer`` now provides both: each forward runs in
one :class:`~irtoolbox.models.batch_context.BatchContext` (degraded image,
task labels, stage) that any part reads, and ``stage_switch_iter`` is a
``Restorer`` argument. ``AllInOneRestorer`` is ``Restorer`` registered under a
second name, so that existing configs keep their model type.
"""
from irtoolbox.models.batch_context import BatchContext, current_iteration
from irtoolbox.registry import MODELS

from .restorer import Restorer

__all__ = ['AllInOneRestorer', 'BatchContext', 'current_iteration']

#: :class:`Restorer` itself, registered under the name of IDR's configs (no subclass)
AllInOneRestorer = Restorer
MODELS.register_module(name='AllInOneRestorer', module=Restorer)
