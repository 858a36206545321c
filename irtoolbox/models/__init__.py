"""Models: importing this registers every model part in ``MODELS``."""
from . import backbones, data_preprocessors, discriminators, heads, layers, losses, necks, restorers  # noqa: F401
