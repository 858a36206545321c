"""Package; members register themselves on import."""
from .loops import ResumableIterBasedTrainLoop  # noqa: F401
