"""Models: importing this registers every model part in ``MODELS``."""
from . import (  # noqa: F401
    backbones,
    data_preprocessors,
    density,
    discriminators,
    generators,
    heads,
    layers,
    losses,
    necks,
    plugins,
    restorers,
)
