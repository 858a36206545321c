"""Tiled inference: restore an image of any size with the memory of one tile.

A fully convolutional network with receptive field ``R`` (an output pixel
depends on the input pixels at most ``(R - 1) / 2`` away) gives the same value
for a pixel whether it sees the whole image or only a tile, as long as the
pixel lies at least ``(R - 1) / 2`` inside every *inner* tile edge (edges that
coincide with the image border see the same padding either way). So we cut
the image into tiles that overlap by ``overlap`` pixels and keep, from each
tile, only its centre: the cut between two neighbours sits in the middle of
their overlap, at least ``overlap // 2`` pixels from either inner edge.
With ``overlap >= R - 1`` the stitched result equals the untiled output up to
float rounding; ``restore_image`` warns (:func:`check_overlap`) when the
model declares its ``receptive_field`` (part_protocol.py) and the overlap is
smaller. This is a hard crop, not blending: blending would mix two
values that are already equal where the overlap is large enough, and would
hide (not fix) the error where it is too small.

Networks that downsample need their input to be a multiple of
``size_divisor`` and are shift-equivariant only by multiples of it, so tile
starts and sizes are aligned to it, and the last tile, which ends at the image
border, is padded the way the whole image would be (reflect by default).
Tiles are shrunk evenly to the fewest that cover the image, so the work
repeated in overlaps is ``(size + overlap) / size`` per axis, not up to a
whole extra tile.

Memory: ``tiled_forward`` (float tensors in and out) allocates the output
once, at full size, on ``out_device`` (default: the input's device, e.g. CPU);
each tile is moved to ``device``, run, and its centre copied out before the
next tile starts, so peak memory on the device grows with the tile, not with
the image. ``restore_image`` (:mod:`irtoolbox.apis.inference`) walks the same
:func:`tile_grid` row by row over integer images, converting one tile at a
time, so no full-size float image exists at all; rows of tiles let it stream
memory-mapped files band by band (:mod:`irtoolbox.apis.image_streams`).
"""
import warnings
from typing import Callable, List, NamedTuple, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

Span = Tuple[int, int]


class Tile(NamedTuple):
    """One tile in input pixels: ``[top, bottom) x [left, right)`` is run,
    ``[keep_top, keep_bottom) x [keep_left, keep_right)`` is kept (times
    ``scale`` in the output)."""

    top: int
    bottom: int
    left: int
    right: int
    keep_top: int
    keep_bottom: int
    keep_left: int
    keep_right: int


def _round_up(value: int, divisor: int) -> int:
    return -(-value // divisor) * divisor


def tile_spans(length: int, tile: int, overlap: int, divisor: int = 1) -> List[Span]:
    """The ``[start, end)`` spans of the tiles along one axis of ``length`` pixels.

    Uses the fewest tiles of at most ``tile`` pixels (``tile`` rounded up to
    ``divisor``) whose neighbours overlap by at least ``overlap``, then shrinks
    them evenly, so the work repeated in overlaps stays small (a fixed tile
    size would repeat up to a whole tile at the border). Starts are multiples
    of ``divisor`` (networks that downsample are shift-equivariant only by
    multiples of it) and so are tile sizes; the last tile ends at ``length``
    and is no longer than the others.
    """
    tile = _round_up(tile, divisor)
    if length <= tile:
        return [(0, length)]
    # With aligned starts, an aligned overlap of ``aligned_overlap`` keeps
    # every tile size a multiple of ``divisor``.
    aligned_overlap = _round_up(overlap, divisor)
    max_stride = tile - aligned_overlap
    if max_stride <= 0:
        raise ValueError(f'tile_overlap={overlap} leaves no stride for tile={tile} '
                         f'(size divisor {divisor}): use tile > overlap + {divisor - 1}')
    count = -(-(length - aligned_overlap) // max_stride)
    stride = _round_up(-(-(length - aligned_overlap) // count), divisor)
    size = stride + aligned_overlap
    spans = [(k * stride, min(k * stride + size, length)) for k in range(count)]
    spans[-1] = (spans[-1][0], length)
    while len(spans) > 1 and spans[-2][1] == length:  # rounding made the last one redundant
        spans.pop()
    return spans


def _keep_ranges(spans: List[Span]) -> List[Span]:
    """The part of each tile that is kept: cut in the middle of each overlap."""
    cuts = [(spans[i + 1][0] + spans[i][1]) // 2 for i in range(len(spans) - 1)]
    lows = [spans[0][0]] + cuts
    highs = cuts + [spans[-1][1]]
    return list(zip(lows, highs))


def tile_grid(height: int, width: int, tile: int, overlap: int,
              divisor: int = 1) -> List[List[Tile]]:
    """The tiles of an ``height x width`` image, as rows of tiles, top to bottom.

    Rows are what streamed images rely on: once row ``i`` is done, input rows
    above ``grid[i + 1][0].top`` and output rows above ``grid[i][0].keep_bottom``
    (times the scale) are never touched again.
    """
    if tile <= 0 or overlap < 0:
        raise ValueError(f'tile must be > 0 and overlap >= 0, got tile={tile}, '
                         f'overlap={overlap}')
    rows = tile_spans(height, tile, overlap, divisor)
    cols = tile_spans(width, tile, overlap, divisor)
    return [[Tile(top, bottom, left, right, keep_top, keep_bottom, keep_left, keep_right)
             for (left, right), (keep_left, keep_right) in zip(cols, _keep_ranges(cols))]
            for (top, bottom), (keep_top, keep_bottom) in zip(rows, _keep_ranges(rows))]


def check_overlap(receptive_field: Optional[int], overlap: int, owner: str) -> None:
    """Warn when ``overlap`` is below ``receptive_field - 1`` (module docstring: the
    tiled result then differs from the untiled one near the cuts); silent when the
    receptive field is unknown (``None``)."""
    if receptive_field is not None and overlap < int(receptive_field) - 1:
        warnings.warn(f'{owner}: tile overlap {overlap} is smaller than the receptive field '
                      f'{receptive_field} - 1 = {int(receptive_field) - 1}: the tiled result '
                      'will differ from the whole-image one near the tile cuts; use '
                      f'overlap >= {int(receptive_field) - 1}', stacklevel=3)


def model_input(preprocessor: torch.nn.Module, x: Tensor) -> Tensor:
    """``x`` (``N x C x H x W`` floats in [0, 1]) as the model's data preprocessor
    hands a batch to the network: normalised, then padded to its size divisor.

    The one path of whole-image and tiled inference (a tile is padded as the
    whole image would be, by the preprocessor's own ``pad``).
    """
    return preprocessor.pad(preprocessor.normalize(x))


def pad_to_divisor(x: Tensor, divisor: int, mode: str) -> Tensor:
    """Pad bottom/right to a multiple of ``divisor``, as the whole image would be."""
    height, width = x.shape[-2:]
    pad_h, pad_w = _round_up(height, divisor) - height, _round_up(width, divisor) - width
    if pad_h == 0 and pad_w == 0:
        return x
    # reflect needs the pad to be smaller than the side; tiny inputs fall back
    if mode == 'reflect' and (pad_h >= height or pad_w >= width):
        mode = 'replicate'
    return F.pad(x, (0, pad_w, 0, pad_h), mode=mode)


def tiled_forward(fn: Callable[[Tensor], Tensor],
                  x: Tensor,
                  tile: int,
                  overlap: int,
                  scale: int = 1,
                  size_divisor: int = 1,
                  device: Optional[Union[str, torch.device]] = None,
                  out_device: Optional[Union[str, torch.device]] = None,
                  pad_mode: str = 'reflect') -> Tensor:
    """Run ``fn`` on overlapping tiles of ``x`` and stitch the tile centres.

    Args:
        fn: maps a batch ``[N, C, h, w]`` (``h, w`` multiples of
            ``size_divisor``) to ``[N, C', h * scale, w * scale]``.
        x: the input batch ``[N, C, H, W]``.
        tile: tile side in input pixels (rounded up to ``size_divisor``).
        overlap: pixels shared by neighbouring tiles; choose it at least the
            receptive field of ``fn`` minus one for an exact result.
        scale: the upscale factor of ``fn``.
        size_divisor: ``fn`` needs sides that are multiples of this.
        device: where ``fn`` runs (default: the device of ``x``).
        out_device: where the output is allocated (default: the device of ``x``).
        pad_mode: how a tile at the image border is padded to ``size_divisor``.

    Returns:
        ``[N, C', H * scale, W * scale]`` on ``out_device``.
    """
    if x.dim() != 4:
        raise ValueError(f'tiled_forward expects [N, C, H, W], got shape {tuple(x.shape)}')
    device = x.device if device is None else torch.device(device)
    out_device = x.device if out_device is None else torch.device(out_device)
    out = None
    for row in tile_grid(x.shape[-2], x.shape[-1], tile, overlap, size_divisor):
        for t in row:
            patch = pad_to_divisor(x[..., t.top:t.bottom, t.left:t.right].to(device),
                                    size_divisor, pad_mode)
            result = fn(patch)
            if out is None:
                out = result.new_empty((x.shape[0], result.shape[1], x.shape[-2] * scale,
                                        x.shape[-1] * scale), device=out_device)
            out[..., t.keep_top * scale:t.keep_bottom * scale,
                t.keep_left * scale:t.keep_right * scale] = kept_part(result, t, scale).to(
                    out_device)
            del patch, result  # free this tile before the next one is made
    return out


def kept_part(result: Tensor, t: Tile, scale: int = 1) -> Tensor:
    """The part of a tile's output ``[..., h * scale, w * scale]`` that is kept."""
    return result[..., (t.keep_top - t.top) * scale:(t.keep_bottom - t.top) * scale,
                  (t.keep_left - t.left) * scale:(t.keep_right - t.left) * scale]
