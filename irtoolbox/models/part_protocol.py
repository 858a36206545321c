"""The attributes a part may declare for the parts around it to read.

A restorer, the plugin stack and the inference tools read a few facts from the
modules they compose. Instead of each reader guessing with its own
``getattr(module, name, default)``, every such fact is named here once, with
its meaning and its default, and read through :func:`part_attribute`.

==================  =======  ==================================================
attribute           default  meaning
==================  =======  ==================================================
``scale``           1        the part's own output size / input size
                             (super-resolution > 1; a fraction such as
                             ``Fraction(1, 2)`` for features at half the
                             input size); the restorer composes backbone x
                             neck x head
``size_divisor``    1        input sides must be multiples of it; the data
                             preprocessor pads to it and the restorer crops back
``out_channels``    None     channels of the output; ``None``: measure it with
                             a dummy forward pass (the plugin stack does)
``receptive_field`` None     side of the receptive field in input pixels, or
                             ``None`` when unknown; tiled inference uses it to
                             check that the overlap covers it
``input_size``      None     the one input side the part accepts (the context
                             encoder's channel-wise FC is sized for it), or
                             ``None`` for any size; the ONNX exporter then
                             keeps H and W fixed
``context_reads``   ()       the batch-context entries the part reads during
                             its forward (``'inputs'``, ``'data_samples'``,
                             ``'task_idx'``, ``'stage'``, ...;
                             :mod:`irtoolbox.models.batch_context`); the
                             restorer checks them at build time
==================  =======  ==================================================

A part declares a fact as a plain attribute (or property) of the module; a
part that declares nothing gets the defaults above.
"""
from typing import Any, Optional, Protocol, Tuple, runtime_checkable

import torch.nn as nn

PART_ATTRIBUTES = {
    'scale': 1,
    'size_divisor': 1,
    'out_channels': None,
    'receptive_field': None,
    'input_size': None,
    'context_reads': (),
}


@runtime_checkable
class RestorationPart(Protocol):
    """Static description of the protocol (for type checkers and readers)."""

    scale: int
    size_divisor: int
    out_channels: Optional[int]
    receptive_field: Optional[int]
    input_size: Optional[int]
    context_reads: Tuple[str, ...]


def part_attribute(module: nn.Module, name: str) -> Any:
    """``module.<name>`` if the part declares it, else the protocol default.

    A DDP-style wrapper (anything with a ``module`` attribute that is an
    ``nn.Module``) is looked through. An unknown ``name`` is an error, so a
    typo cannot silently read a default.
    """
    if name not in PART_ATTRIBUTES:
        raise KeyError(f'part_attribute: {name!r} is not a protocol attribute; '
                       f'known: {sorted(PART_ATTRIBUTES)}')
    inner = getattr(module, 'module', None)
    if isinstance(inner, nn.Module) and not hasattr(module, name):
        module = inner
    value = getattr(module, name, None)
    return PART_ATTRIBUTES[name] if value is None else value


def reads_context(module: nn.Module, entry: str) -> bool:
    """True when ``module`` declares that its forward reads batch-context ``entry``
    (``'data_samples'``: each sample's recorded degradation)."""
    return entry in part_attribute(module, 'context_reads')
