"""Write a grid of samples G(z), z ~ N(0, I), of a trained noise-to-image generator.

Usage::

    python tools/analysis/sample_generator.py CONFIG CHECKPOINT [--out grid.png]
        [--rows 4] [--cols 8] [--seed 0] [--truncation 1.0]

CONFIG is an ``UnconditionalGAN`` config (its ``model.generator``) or any
config whose ``model`` has a ``generator`` entry; CHECKPOINT holds the
generator's weights under ``backbone.*`` (a GAN training checkpoint),
``generator.*`` or as a bare state dict, read with the safe loader. With
``--truncation psi < 1`` the latents are pulled towards the mean latent of
10,000 draws, ``w = w_mean + psi (w - w_mean)`` (StyleGAN's truncation trick;
needs ``mapping``/``synthesis``/``num_ws``). The grid is ``rows x cols``
images with a 2-pixel gap, written as an 8-bit RGB PNG.
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import cv2
import numpy as np
import torch
from mmengine.config import Config

from irtoolbox.registry import MODELS
from irtoolbox.utils import register_all_modules
from irtoolbox.utils.checkpoint import load_checkpoint_file, sub_state_dict

_PREFIXES = ('backbone.', 'generator.', '')  # '': a bare state dict


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Sample a grid from a trained generator')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='work_dirs/generator_samples.png')
    parser.add_argument('--rows', type=int, default=4)
    parser.add_argument('--cols', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--truncation', type=float, default=1.0)
    return parser.parse_args(argv)


def generator_state(path: str) -> dict:
    """The generator's entries of a checkpoint, prefix removed."""
    return sub_state_dict(load_checkpoint_file(path, map_location='cpu'), _PREFIXES, path)


def grid(images: torch.Tensor, rows: int, cols: int, gap: int = 2) -> np.ndarray:
    """N x 3 x H x W in [-1, 1] -> one H x W x 3 uint8 RGB grid, row-major."""
    n, _, h, w = images.shape
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap, 3), 255, np.uint8)
    pixels = ((images.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    for i in range(min(n, rows * cols)):
        r, c = divmod(i, cols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = pixels[i]
    return out


@torch.no_grad()
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if 'generator' not in cfg.model:
        print(f'sample_generator.py: error: {args.config}: model has no generator entry',
              file=sys.stderr)
        return 1
    generator = MODELS.build(cfg.model.generator)
    generator.load_state_dict(generator_state(args.checkpoint))
    generator.eval()
    gen = torch.Generator().manual_seed(args.seed)
    z = torch.randn(args.rows * args.cols, generator.z_dim, generator=gen)
    if args.truncation < 1.0:
        w_mean = generator.mapping(torch.randn(10000, generator.z_dim, generator=gen)).mean(0)
        w = w_mean + args.truncation * (generator.mapping(z) - w_mean)
        images = generator.synthesis(w.unsqueeze(1).expand(-1, generator.num_ws, -1))
    else:
        images = generator(z)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, cv2.cvtColor(grid(images, args.rows, args.cols), cv2.COLOR_RGB2BGR))
    print(f'wrote {args.out}: {args.rows} x {args.cols} samples of '
          f'{images.shape[-2]} x {images.shape[-1]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
