"""Package; members register themselves on import."""
from .save_restored_images_hook import SaveRestoredImagesHook  # noqa: F401
from .visualization_hook import RestorationVisualizationHook  # noqa: F401
