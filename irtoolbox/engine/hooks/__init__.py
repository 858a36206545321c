"""Hooks: visualisation, image saving, non-finite guard, RNG state, safe checkpoints."""
from .nonfinite_guard_hook import NonFiniteLossError, NonFiniteLossGuardHook
from .rng_state_hook import RNGStateHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .save_restored_images_hook import SaveRestoredImagesHook
from .visualization_hook import RestorationVisualizationHook

__all__ = ['NonFiniteLossError', 'NonFiniteLossGuardHook', 'RNGStateHook', 'SafeCheckpointHook',
           'SaveRestoredImagesHook', 'RestorationVisualizationHook']
