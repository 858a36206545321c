"""Draw degraded images from a trained degradation model (Han et al. 2024, Fig. 5).

Usage::

    python tools/analysis/sample_degradations.py CONFIG CHECKPOINT [--out-dir DIR]
        [--num-images 4] [--num-samples 3] [--size 64] [--sampler fast|naive] [--seed 0]

For each of the first ``--num-images`` images of the config's test split
(clean image + its real degraded version, made by the dataset's pipeline),
``--num-samples`` degraded images are drawn from ``p(degraded | clean)`` with
the fast exact sampler (or the naive one: one network pass per pixel) and
written as PNGs::

    DIR/<stem>_clean.png  DIR/<stem>_degraded.png  DIR/<stem>_sample<k>.png
    DIR/<stem>_row.png    clean | real degraded | samples, side by side

``--size`` centre-crops the images first (sampling time grows with the pixel
count). The checkpoint is read with the safe loader. A progress bar counts
sampled pixels.
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
from mmengine.utils import ProgressBar

from irtoolbox.models.density.pixelcnn_sampler import make_draws, sample_fast, sample_naive
from irtoolbox.registry import DATASETS, MODELS
from irtoolbox.utils import register_all_modules
from irtoolbox.utils.checkpoint import load_checkpoint_file


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Sample degraded images from a trained '
                                                 'conditional degradation model')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out-dir', default='work_dirs/degradation_samples')
    parser.add_argument('--num-images', type=int, default=4)
    parser.add_argument('--num-samples', type=int, default=3)
    parser.add_argument('--size', type=int, default=0, help='centre crop side (0: whole image)')
    parser.add_argument('--sampler', choices=('fast', 'naive'), default='fast')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def to_uint8_rgb(x: torch.Tensor) -> np.ndarray:
    """C x H x W in [-1, 1] -> H x W x 3 uint8 (RGB)."""
    img = ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).cpu().numpy()
    return np.ascontiguousarray(img)


def centre_crop(x: torch.Tensor, size: int) -> torch.Tensor:
    if size <= 0:
        return x
    h, w = x.shape[-2:]
    if size > min(h, w):
        raise ValueError(f'--size {size} is larger than the image ({h} x {w})')
    top, left = (h - size) // 2, (w - size) // 2
    return x[..., top:top + size, left:left + size]


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    register_all_modules()
    cfg = Config.fromfile(args.config)
    model = MODELS.build(cfg.model)
    state = load_checkpoint_file(args.checkpoint)
    model.load_state_dict(state.get('state_dict', state))
    density = getattr(model, 'density', model).eval()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    os.makedirs(args.out_dir, exist_ok=True)
    sampler = sample_fast if args.sampler == 'fast' else sample_naive
    gen = torch.Generator().manual_seed(args.seed)
    count = min(args.num_images, len(dataset))
    items = [dataset[i] for i in range(count)]
    pixels = sum(centre_crop(it['inputs'], args.size)[0].numel() for it in items)
    bar = ProgressBar(pixels * args.num_samples)
    for item in items:
        sample = item['data_samples']
        clean = centre_crop(sample.gt_img, args.size) * 2 - 1
        degraded = centre_crop(item['inputs'], args.size) * 2 - 1
        k, (_, h, w) = args.num_samples, clean.shape
        draws = make_draws(k, density.in_channels, density.num_mix, h, w, gen)
        drawn = sampler(density, clean[None].expand(k, -1, -1, -1).contiguous(), draws,
                        progress=lambda n: bar.update(n * k))
        stem = osp.splitext(osp.basename(sample.metainfo.get('gt_path', 'image')))[0]
        panels = [to_uint8_rgb(clean), to_uint8_rgb(degraded)] + [to_uint8_rgb(x) for x in drawn]
        names = ['clean', 'degraded'] + [f'sample{i}' for i in range(k)]
        for name, panel in zip(names, panels):
            cv2.imwrite(osp.join(args.out_dir, f'{stem}_{name}.png'), panel[..., ::-1])
        gap = np.full((h, 2, 3), 255, np.uint8)
        row = np.concatenate([p for panel in panels for p in (panel, gap)][:-1], axis=1)
        cv2.imwrite(osp.join(args.out_dir, f'{stem}_row.png'), row[..., ::-1])
    sys.stdout.write(f'\nwrote {count} rows of {args.num_samples} samples to {args.out_dir}\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
