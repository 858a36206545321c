"""Package; members register themselves on import."""
from .subpix_upsamp import SubPixUpsamp  # noqa: F401
