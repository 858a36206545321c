"""Package; members register themselves on import."""
from .nonfinite_guard_hook import NonFiniteLossError, NonFiniteLossGuardHook  # noqa: F401
from .rng_state_hook import RNGStateHook  # noqa: F401
from .safe_checkpoint_hook import SafeCheckpointHook  # noqa: F401
from .save_restored_images_hook import SaveRestoredImagesHook  # noqa: F401
from .visualization_hook import RestorationVisualizationHook  # noqa: F401
