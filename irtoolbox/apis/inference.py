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
import math
import os
import sys
import time
from typing import Any, Optional, Tuple, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.utils import import_modules_from_strings
from tqdm import tqdm

from irtoolbox.apis.image_streams import (
    InMemoryImage,
    create_sink,
    file_channel_order,
    is_streamed_path,
    open_result,
    open_source,
    release_all,
)
from irtoolbox.apis.tiling import check_overlap, kept_part, model_input, tile_grid
from irtoolbox.degradations.observation_model import flatten_params
from irtoolbox.models.part_protocol import part_attribute
from irtoolbox.registry import MODELS
from irtoolbox.utils.checkpoint import (
    load_checkpoint_file,
    load_weights_checked,
    safe_checkpointing,
)
from irtoolbox.utils.image_conventions import check_channel_order
from irtoolbox.utils.launch import check_config_file

ImageInput = Union[str, os.PathLike, np.ndarray]
PROGRESS_MIN_PIXELS = 2 ** 24  # a tile progress bar from 16 MP (4096 x 4096) up


def _load_config(config: Union[str, os.PathLike, Config], cfg_options: Optional[dict]) -> Config:
    if isinstance(config, (str, os.PathLike)):
        check_config_file(config)
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

    Raises:
        ConfigNotFoundError: ``config`` is a path that names no file (a
            FileNotFoundError; the tools print the same ``config file not found:``).
        CheckpointMismatchError: the checkpoint does not fit the model (unless
            the config, or ``cfg_options``, sets ``load_from_strict=False``).

    Returns:
        The model (a ``Restorer``) in eval mode, with the config as ``model.cfg``.
    """
    cfg = _load_config(config, cfg_options)
    if cfg.get('custom_imports'):
        import_modules_from_strings(**cfg['custom_imports'])
    # safe loading installed explicitly: any mmengine load while building is safe too
    with safe_checkpointing(unsafe=unsafe_load):
        model = MODELS.build(cfg.model)
        if checkpoint is not None:  # the tools' one rule; load_from_strict=False: partial
            path = str(checkpoint)
            load_weights_checked(model, load_checkpoint_file(path, unsafe=unsafe_load), path,
                                 strict=bool(cfg.get('load_from_strict', True)))
    model.cfg = cfg
    return model.to(device).eval()


def _source(img: ImageInput, channel_order: str) -> Tuple[Any, str, bool]:
    """The image as an integer (or float) buffer, its channel order, and whether
    it is a file to convert to 3 colour channels (as ``load_image`` does)."""
    if isinstance(img, (str, os.PathLike)):
        if is_streamed_path(str(img)):  # .npy and TIFF: memory-mapped, never read whole
            return open_source(str(img)), file_channel_order(str(img)), True
        from irtoolbox.datasets.image_io import load_image
        array = load_image(str(img), channel_order='rgb', color_type='color', to_float32=False)
        return InMemoryImage(array), 'rgb', False
    if not isinstance(img, np.ndarray):
        raise TypeError(f'img must be a file path or a numpy array, got {type(img).__name__}')
    array = img[..., None] if img.ndim == 2 else img
    if array.ndim != 3 or min(array.shape) == 0:
        raise ValueError(f'img must be HxW or HxWxC, got shape {img.shape}')
    if array.dtype not in (np.uint8, np.uint16) and not np.issubdtype(array.dtype, np.floating):
        raise TypeError(f'img dtype must be uint8, uint16 or float, got {array.dtype}')
    return InMemoryImage(array), channel_order, False


def _tile_to_float(block: np.ndarray, channel_order: str, to_color: bool) -> np.ndarray:
    """A tile of the stored image -> a new ``h x w x C`` float32 array in [0, 1], RGB.

    Integers are divided by their full-scale value in float32 (correctly
    rounded, the same values as converting the whole image first).
    """
    if to_color:  # as load_image(color_type='color'): gray -> 3 equal channels, alpha dropped
        block = block[..., :3] if block.shape[2] >= 3 else np.repeat(block, 3, axis=2)
    if channel_order == 'bgr' and block.shape[2] >= 3:
        block = block[..., [2, 1, 0]]
    if block.dtype.kind == 'u':
        return np.divide(block, np.float32(np.iinfo(block.dtype).max), dtype=np.float32,
                         order='C')
    return np.ascontiguousarray(block, dtype=np.float32)


def _float_to_int(out: torch.Tensor, dtype: np.dtype, channel_order: str) -> np.ndarray:
    """``[1, C, h, w]`` float in [0, 1] (any range: clamped) -> ``h x w x C`` integers."""
    peak = float(np.iinfo(dtype).max)
    image = out[0].clamp(0, 1).mul_(peak).round_().clamp_(0, peak)
    image = image.to(torch.uint8 if dtype == np.uint8 else torch.int32)
    array = image.permute(1, 2, 0).cpu().numpy()
    if channel_order == 'bgr' and array.shape[2] >= 3:
        array = array[..., [2, 1, 0]]
    return array


def _model_device(model: torch.nn.Module) -> torch.device:
    return next(iter(model.parameters()), torch.empty(0)).device


class _Output:
    """Where the restored image goes: a new array, the caller's array, or a file."""

    def __init__(self, out: Optional[Union[str, os.PathLike, np.ndarray]], dtype: np.dtype,
                 channel_order: str) -> None:
        self.out, self.dtype, self.buffer = out, np.dtype(dtype), None
        self.is_file = isinstance(out, (str, os.PathLike))
        if self.is_file:
            self.channel_order = file_channel_order(str(out))
            self._make = create_sink(str(out))
        else:
            self.channel_order = channel_order
            if out is not None and (not isinstance(out, np.ndarray) or out.dtype != self.dtype
                                    or out.ndim != 3):
                raise TypeError(f'out must be a path or an HxWxC {self.dtype} array, got '
                                f'{getattr(out, "dtype", type(out).__name__)} '
                                f'{getattr(out, "shape", "")}')

    def open(self, shape: Tuple[int, int, int]) -> Any:
        """Create (or check) the destination once the output channels are known."""
        if self.is_file:
            self.buffer = self._make(shape, self.dtype)
        elif self.out is None:
            self.buffer = InMemoryImage(np.empty(shape, self.dtype))
        elif self.out.shape != shape:
            raise ValueError(f'out has shape {self.out.shape}, the result is {shape}')
        else:
            self.buffer = InMemoryImage(self.out)
        return self.buffer

    def result(self) -> np.ndarray:
        if self.is_file:
            self.buffer.close()
            return open_result(str(self.out))
        return self.buffer.array


def recorded_observation(hole_mask: Optional[np.ndarray], noise_sigma: float = 0.0) -> dict:
    """The ``degradation_params`` of an image with holes and Gaussian noise, as the
    ``Degrade`` transform records a ``BernoulliMask`` (+ ``GaussianNoise``).

    Args:
        hole_mask: ``H x W`` array, nonzero where a pixel is missing; ``None``:
            every pixel observed (noise only).
        noise_sigma: std of the image's noise in 0..255 units (0: none).
    """
    if noise_sigma < 0:
        raise ValueError(f'noise sigma must be >= 0, got {noise_sigma}')
    ops = []
    if hole_mask is not None:
        hole_mask = np.asarray(hole_mask)
        if hole_mask.ndim != 2:
            raise ValueError(f'a hole mask is one H x W channel, got shape {hole_mask.shape}')
        observed = (hole_mask == 0).astype(np.uint8)
        ops.append(dict(name='BernoulliMask', drop=float(1 - observed.mean()), seed=0,
                        mask=observed))
    if noise_sigma > 0:
        ops.append(dict(name='GaussianNoise', sigma=float(noise_sigma)))
    return dict(name='Compose', ops=ops)


def check_recorded_masks(params: dict, hw: Tuple[int, int]) -> None:
    """Every stored mask of ``params`` has the image's size ``hw``."""
    for leaf in flatten_params(params):
        if 'mask' in leaf and tuple(np.shape(leaf['mask'])) != tuple(hw):
            raise ValueError(f"the {leaf.get('name')} mask is {np.shape(leaf['mask'])[0]} x "
                             f"{np.shape(leaf['mask'])[1]}, the image {hw[0]} x {hw[1]}")


def _window(params: dict, top: int, bottom: int, left: int, right: int) -> dict:
    """``params`` with every stored mask cropped to one tile."""
    if params.get('name') == 'Compose':
        return dict(params, ops=[_window(op, top, bottom, left, right) for op in params['ops']])
    if 'mask' in params:
        return dict(params, mask=np.asarray(params['mask'])[top:bottom, left:right])
    return params


def recorded_samples(params: Optional[dict], window: Tuple[int, int, int, int]
                     ) -> Optional[list]:
    """One data sample recording ``params`` for the ``(top, bottom, left, right)``
    part of the image the model runs on (None without params)."""
    if params is None:
        return None
    from irtoolbox.structures import RestorationDataSample
    top, bottom, left, right = window
    return [RestorationDataSample(metainfo=dict(
        degradation_params=_window(params, top, bottom, left, right),
        input_shape=(bottom - top, right - left)))]


def _forward(model: torch.nn.Module, x: torch.Tensor, samples: Optional[list]) -> torch.Tensor:
    # samples only when there are some: any object with forward_tensor(x) is served
    return model.forward_tensor(x) if samples is None else model.forward_tensor(x, samples)


def restore_image(model: torch.nn.Module,
                  img: ImageInput,
                  tile: Optional[int] = None,
                  tile_overlap: int = 32,
                  channel_order: str = 'rgb',
                  out: Optional[Union[str, os.PathLike, np.ndarray]] = None,
                  out_dtype: Optional[Union[str, np.dtype, type]] = None,
                  progress: Optional[bool] = None,
                  degradation_params: Optional[dict] = None) -> np.ndarray:
    """Restore one image with a model built by :func:`init_model`.

    The image stays in its stored integer type; tiled, each tile is
    converted to float on its way to the model and its kept centre is
    rounded straight into the integer output, so memory is the integer
    input and output plus one tile's working set (see docs/inference.md,
    "Memory"). ``.npy`` and TIFF files (input or ``out``) are memory-mapped
    and processed a band of rows at a time, so they may be larger than memory.

    Args:
        model: a ``Restorer`` (anything with ``data_preprocessor``,
            ``forward_tensor``, ``scale`` and ``size_divisor``).
        img: a file path (``.npy``/``.tif``/``.tiff``: memory-mapped; other
            formats decoded with OpenCV, as integers), or an ``HxW``/``HxWxC``
            array (uint8, uint16, or float in [0, 1]) in ``channel_order``.
            The model sees RGB.
        tile: tile side in pixels; ``None`` (default) runs the whole image at once.
        tile_overlap: overlap of neighbouring tiles (default 32); at least the
            model's receptive field minus one for a result equal to the untiled one.
        channel_order: order of ``img`` and of the result when they are arrays
            (default ``'rgb'``); files keep their format's order (``.npy``
            BGR as OpenCV, TIFF RGB).
        out: ``None`` (default): a new array; an ``HxWxC`` array of the result's
            shape and type to fill; or a ``.npy``/``.tif``/``.tiff`` path,
            written tile by tile (TIFF as uncompressed BigTIFF).
        out_dtype: ``uint8`` or ``uint16``; default ``None``: the input's
            integer type (``uint8`` for float input).
        progress: a tqdm bar over tiles (tiles done/total, MP/s) on stderr;
            default ``None``: shown for tiled images of at least 16 MP.
        degradation_params: the image's degradation as the ``Degrade``
            transform records it (e.g. :func:`recorded_observation` of a hole
            mask and a noise level), for models whose parts read it (DL-Net's
            likelihood head, the SFT context encoder); stored masks must have
            the image's size and are cropped with each tile. Default ``None``:
            none (such a head then runs as its reference network, K = 1).

    Returns:
        The restored image, ``H*scale x W*scale x C`` of ``out_dtype``; for a
        path ``out``, the written file mapped read-only.
    """
    check_channel_order(channel_order)
    src, src_order, to_color = _source(img, channel_order)
    output = None
    try:
        if out_dtype is None:
            out_dtype = src.array.dtype if src.array.dtype.kind == 'u' else np.uint8
        if np.dtype(out_dtype) not in (np.uint8, np.uint16):
            raise TypeError(f'out_dtype must be uint8 or uint16, got {np.dtype(out_dtype)}')
        output = _Output(out, np.dtype(out_dtype).newbyteorder('='), channel_order)
        if degradation_params is not None:
            check_recorded_masks(degradation_params, tuple(src.array.shape[:2]))
        with torch.no_grad():
            if tile is None:
                _restore_whole(model, src, src_order, to_color, output, degradation_params)
            else:
                _restore_tiled(model, src, src_order, to_color, output, tile, tile_overlap,
                               progress, degradation_params)
        return output.result()
    except BaseException:
        if output is not None and output.is_file:
            release_all(output.buffer)
        raise
    finally:
        src.close()


def _restore_whole(model: torch.nn.Module, src: Any, src_order: str, to_color: bool,
                   output: _Output, degradation_params: Optional[dict] = None) -> None:
    """The untiled path: the whole image through the model at once."""
    pre = model.data_preprocessor
    scale = int(part_attribute(model, 'scale'))
    x = torch.from_numpy(_tile_to_float(src.array, src_order, to_color)).permute(2, 0, 1)[None]
    x = x.to(_model_device(model))
    height, width = x.shape[-2:]
    samples = recorded_samples(degradation_params, (0, height, 0, width))
    result = _forward(model, model_input(pre, x), samples)
    del x
    result = pre.denormalize(result[..., :height * scale, :width * scale]).cpu()
    block = _float_to_int(result, output.dtype, output.channel_order)
    output.open(block.shape).array[...] = block


def _restore_tiled(model: torch.nn.Module, src: Any, src_order: str, to_color: bool,
                   output: _Output, tile: int, overlap: int, progress: Optional[bool],
                   degradation_params: Optional[dict] = None) -> None:
    """One tile at a time: integers -> float tile -> model -> integers in the output.

    The same float operations as normalising the whole image first, tile by
    tile: the result is bit-identical to converting the whole image.
    """
    pre = model.data_preprocessor
    scale = int(part_attribute(model, 'scale'))
    # the preprocessor pads to its divisor, which a Restorer raises to its parts'
    divisor = math.lcm(int(pre.pad_size_divisor), int(part_attribute(model, 'size_divisor')))
    check_overlap(part_attribute(model, 'receptive_field'), overlap, 'restore_image')
    device = _model_device(model)
    height, width = src.array.shape[:2]
    grid = tile_grid(height, width, tile, overlap, divisor)
    show = height * width >= PROGRESS_MIN_PIXELS if progress is None else progress
    bar = tqdm(total=sum(len(row) for row in grid), desc='tiles', unit='tile',
               disable=not show, file=sys.stderr)
    start, done_pixels = time.perf_counter(), 0
    with bar:
        for index, row in enumerate(grid):
            for t in row:
                block = _tile_to_float(src.array[t.top:t.bottom, t.left:t.right], src_order,
                                       to_color)
                x = torch.from_numpy(block).permute(2, 0, 1)[None]
                patch = model_input(pre, x.to(device))
                samples = recorded_samples(degradation_params, (t.top, t.bottom, t.left, t.right))
                result = kept_part(pre.denormalize(_forward(model, patch, samples)), t, scale)
                kept = _float_to_int(result.cpu(), output.dtype, output.channel_order)
                del block, x, patch, result  # this tile's floats, before the next tile
                dst = output.buffer or output.open((height * scale, width * scale,
                                                    kept.shape[2]))
                dst.array[t.keep_top * scale:t.keep_bottom * scale,
                          t.keep_left * scale:t.keep_right * scale] = kept
                done_pixels += (t.keep_bottom - t.keep_top) * (t.keep_right - t.keep_left)
                bar.set_postfix_str(f'{done_pixels / 1e6 / (time.perf_counter() - start):.2f} '
                                    'MP/s', refresh=False)
                bar.update(1)
            # rows above the next row of tiles are finished on both sides
            src.release_rows(grid[index + 1][0].top if index + 1 < len(grid) else height)
            output.buffer.release_rows(row[0].keep_bottom * scale)
