"""The programmatic face: build a trained model and restore images (tiled)."""
from .inference import init_model, restore_image
from .tiling import tile_spans, tiled_forward

__all__ = ['init_model', 'restore_image', 'tiled_forward', 'tile_spans']
