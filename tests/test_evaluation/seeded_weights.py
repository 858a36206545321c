"""Seeded random weights shared by the metric tests and their oracle script.

Plain numpy + torch (no irtoolbox), so ``perceptual_oracles.py`` can build
the same tensors in a separate environment beside the reference packages.
Each tensor is drawn from its own generator seeded by (seed, crc32 of its
name): the values depend on the name and shape only, not on the order.
"""
import zlib
from typing import Dict, Tuple

import numpy as np
import torch


def seeded_tensor(name: str, shape: Tuple[int, ...], seed: int = 0) -> torch.Tensor:
    """He-scaled conv/linear weights, small biases, unit-ish batch-norm statistics."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    leaf = name.rsplit('.', 1)[-1]
    if leaf == 'num_batches_tracked':
        return torch.zeros(shape, dtype=torch.long)
    if leaf == 'running_var':
        values = rng.uniform(0.5, 1.5, shape)
    elif leaf == 'running_mean' or leaf == 'bias':
        values = 0.05 * rng.standard_normal(shape)
    elif len(shape) == 1:  # a batch-norm scale
        values = 1 + 0.1 * rng.standard_normal(shape)
    else:
        fan_in = int(np.prod(shape[1:]))
        values = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    return torch.from_numpy(values.astype(np.float32))


def seeded_state_dict(shapes: Dict[str, Tuple[int, ...]], seed: int = 0) -> Dict[str, torch.Tensor]:
    """``{name: seeded_tensor(name, shape, seed)}``."""
    return {name: seeded_tensor(name, tuple(shape), seed) for name, shape in shapes.items()}


def seeded_lpips_heads(widths: Tuple[int, ...], seed: int = 0) -> Dict[str, torch.Tensor]:
    """Non-negative linear heads in the lpips package's layout (``lin{l}.model.1.weight``)."""
    heads = {}
    for layer, width in enumerate(widths):
        rng = np.random.default_rng([seed, 1000 + layer])
        heads[f'lin{layer}.model.1.weight'] = torch.from_numpy(
            np.abs(rng.standard_normal((1, width, 1, 1))).astype(np.float32) * 0.1)
    return heads


ALEX_FEATURE_SHAPES = {
    'features.0.weight': (64, 3, 11, 11), 'features.0.bias': (64,),
    'features.3.weight': (192, 64, 5, 5), 'features.3.bias': (192,),
    'features.6.weight': (384, 192, 3, 3), 'features.6.bias': (384,),
    'features.8.weight': (256, 384, 3, 3), 'features.8.bias': (256,),
    'features.10.weight': (256, 256, 3, 3), 'features.10.bias': (256,)}
ALEX_WIDTHS = (64, 192, 384, 256, 256)
