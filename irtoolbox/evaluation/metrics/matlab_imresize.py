"""MATLAB ``imresize`` (bicubic, antialiased when shrinking) of a 2-D float64 image.

Needed by NIQE, whose second scale is ``imresize(img, 0.5)`` (MATLAB default
method 'bicubic', 'Antialiasing' true). Follows MATLAB's ``contributions``:
Keys' cubic with a = -0.5; when shrinking by ``s`` the kernel is stretched to
width ``4 / s`` and scaled by ``s``; output pixel ``x`` (1-based) is centred
on ``u = x / s + (1 - 1 / s) / 2``; weights are normalised to sum 1; indices
outside the image are mirrored (symmetric, edge pixel repeated). Rows are
resized first, then columns (MATLAB's order for equal scales). Computed in
float64 as MATLAB does (BasicSR's port works in float32).
"""
import math

import numpy as np


def _cubic(x: np.ndarray) -> np.ndarray:
    ax = np.abs(x)
    near = (1.5 * ax ** 3 - 2.5 * ax ** 2 + 1) * (ax <= 1)
    far = (-0.5 * ax ** 3 + 2.5 * ax ** 2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2))
    return near + far


def resize_matrix(in_length: int, scale: float, antialiasing: bool = True) -> np.ndarray:
    """The ``out x in`` matrix of MATLAB's 1-D bicubic resize by ``scale``."""
    out_length = int(math.ceil(in_length * scale))
    stretch = scale if (scale < 1 and antialiasing) else 1.0
    kernel_width = 4.0 / stretch
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - kernel_width / 2)
    taps = int(math.ceil(kernel_width)) + 2
    indices = left[:, None] + np.arange(taps)[None, :]  # 1-based, may fall outside
    weights = stretch * _cubic(stretch * (u[:, None] - indices))
    weights /= weights.sum(axis=1, keepdims=True)
    # symmetric padding: 0, -1 ... map to 1, 2 ...; in+1 to in
    period = 2 * in_length
    zero_based = np.mod(indices - 1, period).astype(np.int64)
    zero_based = np.where(zero_based < in_length, zero_based, period - 1 - zero_based)
    matrix = np.zeros((out_length, in_length), dtype=np.float64)
    np.add.at(matrix, (np.repeat(np.arange(out_length), taps), zero_based.ravel()),
              weights.ravel())
    return matrix


def imresize(img: np.ndarray, scale: float, antialiasing: bool = True) -> np.ndarray:
    """``imresize(img, scale)`` of MATLAB for a 2-D image, in float64."""
    img = np.asarray(img, dtype=np.float64)
    if img.ndim != 2:
        raise ValueError(f'imresize takes a 2-D image, got shape {img.shape}')
    rows = resize_matrix(img.shape[0], scale, antialiasing)
    cols = resize_matrix(img.shape[1], scale, antialiasing)
    return rows @ img @ cols.T
