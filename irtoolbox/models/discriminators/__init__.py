"""Package; members register themselves on import."""
from .patchgan import PatchDiscriminator  # noqa: F401
