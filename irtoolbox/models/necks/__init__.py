"""Package; members register themselves on import."""
from .info_accum import InfoAccum  # noqa: F401
