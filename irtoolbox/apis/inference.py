"""The programmatic face of irtoolbox: build a trained model, restore images.

    >>> from irtoolbox.apis import init_model, restore_image
    >>> model = init_model('configs/demo/....py', 'work_dirs/.../iter_1000.pth')
    >>> restored = restore_image(model, 'photo.png', tile=512)   # HxWx3 uint8, RGB

``restore_image`` does what ``Restorer.predict`` does for a batch from the
data pipeline (normalise with the model's data preprocessor, pad to the
model's size divisor, ``forward_tensor``, crop, denormalise), for one image
from a file or an array, optionally tiled (:mod:`irtoolbox.apis.tiling`) so
that a 4K image fits in the memory of one tile.
"""
import os
from typing import Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.utils import import_modules_from_strings

from irtoolbox.apis.tiling import tiled_forward
from irtoolbox.registry import MODELS

ImageInput = Union[str, os.PathLike, np.ndarray]
CHANNEL_ORDERS = ('rgb', 'bgr')


def load_checkpoint_file(path: str, unsafe_load: bool = False) -> dict:
    """Read a checkpoint file into a dict without running pickled code.

    Goes through the project's safe loader (``weights_only=True`` plus an
    allowlist of the types our checkpoints hold, see
    :mod:`irtoolbox.utils.checkpoint`). ``unsafe_load=True`` allows arbitrary
    pickles, with a loud warning: only for files you trust.
    """
    from irtoolbox.utils.checkpoint import load_checkpoint_file as safe_loader
    return safe_loader(path, map_location='cpu', unsafe=unsafe_load)


def _load_config(config: Union[str, os.PathLike, Config], cfg_options: Optional[dict]) -> Config:
    if isinstance(config, (str, os.PathLike)):
        if not os.path.isfile(config):
            raise FileNotFoundError(2, f'Config not found: {str(config)!r}', str(config))
        config = Config.fromfile(str(config))
    elif not isinstance(config, Config):
        raise TypeError(f'config must be a file path or an mmengine Config, '
                        f'got {type(config).__name__}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    if 'model' not in config:
        raise KeyError(f'The config {config.filename!r} has no `model` key: '
                       'inference needs `model = dict(type=...)`')
    return config


def _state_dict(checkpoint: dict, path: str) -> dict:
    if not isinstance(checkpoint, dict):
        raise TypeError(f'Checkpoint {path!r} holds a {type(checkpoint).__name__}, '
                        'expected a dict')
    state = checkpoint.get('state_dict', checkpoint)
    # Checkpoints saved from a DDP-wrapped model carry a 'module.' prefix.
    return {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}


def _load_weights(model: torch.nn.Module, path: str, unsafe_load: bool) -> None:
    state = _state_dict(load_checkpoint_file(path, unsafe_load), path)
    result = model.load_state_dict(state, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise KeyError(f'Checkpoint {path!r} does not fit the model of the config: '
                       f'missing {result.missing_keys[:5]}, '
                       f'unexpected {result.unexpected_keys[:5]} (first 5 of each)')


def init_model(config: Union[str, os.PathLike, Config],
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               cfg_options: Optional[dict] = None,
               unsafe_load: bool = False) -> torch.nn.Module:
    """Build the config's ``model`` and load its trained weights.

    Args:
        config: a config file path or an mmengine ``Config``.
        checkpoint: weights saved by training (``state_dict`` inside) or a bare
            state dict; ``None`` keeps the initial weights.
        device: where the model lives.
        cfg_options: ``{dotted.key: value}`` overrides merged into the config.
        unsafe_load: load the checkpoint with full pickle (trusted files only).

    Returns:
        The model (a ``Restorer``) in eval mode, with the config as ``model.cfg``.
    """
    cfg = _load_config(config, cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        _load_weights(model, str(checkpoint), unsafe_load)
    model.cfg = cfg
    return model.to(device).eval()


def _read_image(img: ImageInput, channel_order: str) -> np.ndarray:
    """A file path or an array -> a new HxWxC float32 array in [0, 1], RGB."""
    if isinstance(img, (str, os.PathLike)):
        from irtoolbox.datasets.image_io import load_image
        return load_image(str(img), channel_order='rgb', color_type='color')
    if not isinstance(img, np.ndarray):
        raise TypeError(f'img must be a file path or a numpy array, got {type(img).__name__}')
    array = img[..., None] if img.ndim == 2 else img
    if array.ndim != 3 or min(array.shape) == 0:
        raise ValueError(f'img must be HxW or HxWxC, got shape {img.shape}')
    if array.dtype not in (np.uint8, np.uint16) and not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f'img dtype must be uint8, uint16 or float, got {array.dtype}')
    peak = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(array.dtype, 1.0)
    array = array.astype(np.float32)  # a copy, always: callers may modify it in place
    array /= peak  # in place: one float image at a time (floats are taken in [0, 1])
    if channel_order == 'bgr' and array.shape[2] >= 3:
        array = array[..., [2, 1, 0]]
    return np.ascontiguousarray(array)


def _to_uint8(out: torch.Tensor, channel_order: str) -> np.ndarray:
    """[1, C, H, W] float in [0, 1] -> HxWxC uint8 in ``channel_order``."""
    image = out[0].mul_(255.0).round_().clamp_(0, 255).to(torch.uint8)
    array = image.permute(1, 2, 0).contiguous().cpu().numpy()
    if channel_order == 'bgr' and array.shape[2] >= 3:
        array = array[..., [2, 1, 0]]
    return np.ascontiguousarray(array)


def _model_device(model: torch.nn.Module) -> torch.device:
    return next(iter(model.parameters()), torch.empty(0)).device


def restore_image(model: torch.nn.Module,
                  img: ImageInput,
                  tile: Optional[int] = None,
                  tile_overlap: int = 32,
                  channel_order: str = 'rgb') -> np.ndarray:
    """Restore one image with a model built by :func:`init_model`.

    Args:
        model: a ``Restorer`` (anything with ``data_preprocessor``,
            ``forward_tensor``, ``scale`` and ``size_divisor``).
        img: a file path, or an ``HxW``/``HxWxC`` array (uint8, uint16, or
            float in [0, 1]) in ``channel_order``. The model sees RGB.
        tile: tile side in pixels; ``None`` runs the whole image at once.
        tile_overlap: overlap of neighbouring tiles; at least the model's
            receptive field minus one for a result equal to the untiled one.
        channel_order: order of ``img`` (if an array) and of the result.

    Returns:
        The restored image, ``H*scale x W*scale x C`` ``uint8`` in ``channel_order``.
    """
    if channel_order not in CHANNEL_ORDERS:
        raise ValueError(f'channel_order must be one of {CHANNEL_ORDERS}, got {channel_order!r}')
    pre = model.data_preprocessor
    scale = int(getattr(model, 'scale', 1))
    divisor = int(getattr(pre, 'pad_size_divisor', getattr(model, 'size_divisor', 1)))
    device = _model_device(model)
    x = torch.from_numpy(_read_image(img, channel_order)).permute(2, 0, 1)[None]
    with torch.no_grad():
        if tile is None:
            out = _forward_whole(model, x.to(device), scale)
        else:
            # The image and the result stay on the CPU; one tile at a time
            # goes to the model's device.
            # _read_image returns a fresh array: normalising in place saves a copy.
            x = x.sub_(pre.mean.cpu()).div_(pre.std.cpu())
            out = tiled_forward(lambda t: pre.denormalize(model.forward_tensor(t)), x,
                                tile=tile, overlap=tile_overlap, scale=scale,
                                size_divisor=divisor, device=device, out_device='cpu',
                                pad_mode=getattr(pre, 'pad_mode', 'reflect'))
        del x  # before the uint8 conversion: one full-size float image less
    return _to_uint8(out.clamp_(0, 1), channel_order)


def _forward_whole(model: torch.nn.Module, x: torch.Tensor, scale: int) -> torch.Tensor:
    pre = model.data_preprocessor
    height, width = x.shape[-2:]
    out = model.forward_tensor(pre.pad(pre.normalize(x)))
    return pre.denormalize(out[..., :height * scale, :width * scale])
