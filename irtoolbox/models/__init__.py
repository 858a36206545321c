"""Models: importing this registers every model part in ``MODELS``."""
from . import (backbones, data_preprocessors, discriminators, heads, layers,  # noqa: F401
               losses, necks, restorers)
