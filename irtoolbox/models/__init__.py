"""Models: importing this registers every model part in ``MODELS``."""
from . import (  # noqa: F401
    backbones,
    data_preprocessors,
    density,
    discriminators,
    heads,
    layers,
    losses,
    necks,
    plugins,
    restorers,
)
