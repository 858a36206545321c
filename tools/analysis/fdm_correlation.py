"""FDR-Net's interpretation figures (Fig. 8): channel correlation before and after an
FDM, and the mean channel response after it per distortion type and level.

Usage::

    python tools/analysis/fdm_correlation.py CONFIG CHECKPOINT --images FOLDER
        [--out-dir DIR] [--block 0] [--bucket moderate] [--crop 96] [--max-images 16]
        [--relative] [--seed 0] [--device cpu] [--cfg-options key=value ...]

For a trained model (any backbone holding ``FDFABlock`` modules: FDR-Net, or
another backbone with the FD/FA layers as a plugin) and the clean images of
``FOLDER``:

- ``correlation_before_fdm.png`` / ``correlation_after_fdm.png``: the C x C
  Pearson correlation between channels of the FDM's input (the phase input)
  and of its output (the last FD-layer), pooled over every pixel of every
  image degraded by the hybrid chain with a triple of ``--bucket`` (seeded);
  the title gives the mean absolute off-diagonal correlation (the paper
  reports 0.272 before and 0.164 after, Sec. 4.5);
- ``channel_response.png`` (Fig. 8c): the mean absolute response of each
  channel after the FDM for images with **one** distortion, blur, noise or
  JPEG, at each of its ten protocol levels (one panel per type, levels as
  rows, channels as columns); with ``--relative``, minus the response to the
  clean image, so what each distortion adds stands out of the content;
- ``fdm_correlation.json``: the numbers behind the pictures.

``--block`` picks which FDM (``FDFABlock`` in module order; FDR-Net's phase
index). Images are centre-cropped to ``--crop`` pixels (0: whole images).
"""
import argparse
import glob
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import DictAction
from tqdm import tqdm

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='config file of the model')
    parser.add_argument('checkpoint', help='trained weights')
    parser.add_argument('--images', required=True, help='folder of clean images')
    parser.add_argument('--out-dir', default=None,
                        help='where the PNGs go (default: <checkpoint folder>/fdm_correlation)')
    parser.add_argument('--block', type=int, default=0, help='index of the FDM (FDFABlock)')
    parser.add_argument('--bucket', default='moderate',
                        help='hybrid bucket of the correlation inputs')
    parser.add_argument('--crop', type=int, default=96, help='centre crop side, 0: none')
    parser.add_argument('--max-images', type=int, default=16)
    parser.add_argument('--relative', action='store_true',
                        help='channel responses minus those of the clean images (shows what '
                             'each distortion adds; the raw response is dominated by content)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='config overrides, key=value (as tools/train.py)')
    parser.add_argument('--unsafe-load', action='store_true',
                        help='load a checkpoint with full pickle (trusted files only)')
    return parser.parse_args(argv)


def correlation_matrix(features: np.ndarray) -> np.ndarray:
    """Pearson correlation between the channels of ``C x M`` samples (constant
    channels get correlation 0 with the others, 1 with themselves)."""
    centred = features - features.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    corr = (centred @ centred.T) / np.outer(safe, safe)
    corr[norms == 0, :] = 0
    corr[:, norms == 0] = 0
    np.fill_diagonal(corr, 1.0)
    return corr


def mean_abs_off_diagonal(corr: np.ndarray) -> float:
    """Mean of ``|corr[i, j]|`` over ``i != j``."""
    c = corr.shape[0]
    return float((np.abs(corr).sum() - np.abs(np.diag(corr)).sum()) / (c * (c - 1)))


def list_images(folder: str, max_images: int) -> List[str]:
    paths = sorted(p for p in glob.glob(osp.join(folder, '*'))
                   if p.lower().endswith(IMAGE_SUFFIXES))
    if not paths:
        raise FileNotFoundError(f'fdm_correlation: no images ({", ".join(IMAGE_SUFFIXES)}) '
                                f'in {folder!r}')
    return paths[:max_images]


def centre_crop(img: np.ndarray, side: int) -> np.ndarray:
    if side <= 0:
        return img
    h, w = img.shape[:2]
    if h < side or w < side:
        raise ValueError(f'fdm_correlation: --crop {side} is larger than an image of '
                         f'{h} x {w}; use a smaller --crop or 0')
    top, left = (h - side) // 2, (w - side) // 2
    return img[top:top + side, left:left + side]


class FDMProbe:
    """Hooks that keep the input and the last FD-layer output of one FDFABlock."""

    def __init__(self, model: torch.nn.Module, block_index: int) -> None:
        from irtoolbox.models.layers.fd_fa_layers import FDFABlock
        blocks = [m for m in model.modules() if isinstance(m, FDFABlock)]
        if not blocks:
            raise ValueError('fdm_correlation: the model has no FDM (FDFABlock module); '
                             'is it an FDR-Net or a backbone with the FD/FA layers?')
        if not 0 <= block_index < len(blocks):
            raise ValueError(f'fdm_correlation: --block {block_index} out of range; the '
                             f'model has {len(blocks)} FDMs (0..{len(blocks) - 1})')
        block = blocks[block_index]
        self.before: Optional[torch.Tensor] = None
        self.after: Optional[torch.Tensor] = None
        self.handles = [
            block.register_forward_pre_hook(lambda _m, args: setattr(self, 'before', args[0])),
            block.fd_layers[-1].register_forward_hook(
                lambda _m, _i, out: setattr(self, 'after', out)),
        ]
        self.channels = block.out_channels

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


@torch.no_grad()
def fdm_features(model: torch.nn.Module, probe: FDMProbe, image: np.ndarray,
                 device: str) -> Tuple[np.ndarray, np.ndarray]:
    """``(before, after)``, each ``C x HW``, for one ``H x W x 3`` float image in [0, 1]."""
    tensor = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float()
    data = model.data_preprocessor(dict(inputs=[tensor.to(device)]), False)
    model.forward_tensor(data['inputs'])
    flat = [t[0].flatten(1).double().cpu().numpy() for t in (probe.before, probe.after)]
    return flat[0], flat[1]


def draw_correlation(corr: np.ndarray, title: str, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4.6, 4))
    shown = ax.imshow(np.abs(corr), cmap='viridis', vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel('channel')
    ax.set_ylabel('channel')
    fig.colorbar(shown, ax=ax, label='|correlation|')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def draw_responses(responses: Dict[str, np.ndarray], path: str, relative: bool) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(responses), 1, figsize=(7, 2.2 * len(responses)),
                             squeeze=False)
    what = 'mean |response| - clean image\'s' if relative else 'mean |response|'
    for ax, (name, response) in zip(axes[:, 0], responses.items()):
        # one scale per panel: JPEG's changes are an order smaller than noise's
        top = max(float(np.abs(response).max()), 1e-12)
        shown = ax.imshow(response, cmap='coolwarm' if relative else 'magma',
                          vmin=-top if relative else 0, vmax=top, aspect='auto',
                          extent=(-0.5, response.shape[1] - 0.5, response.shape[0] + 0.5, 0.5))
        ax.set_title(f'{name}: {what} after the FDM per channel and level', fontsize=9)
        ax.set_ylabel('level')
        fig.colorbar(shown, ax=ax)
    axes[-1, 0].set_xlabel('channel')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    from irtoolbox.apis import init_model
    from irtoolbox.datasets.image_io import load_image
    from irtoolbox.degradations import build_degradation
    from irtoolbox.degradations.hybrid_levels import NUM_LEVELS, hybrid_chain, level_triples

    model = init_model(args.config, args.checkpoint, device=args.device,
                       cfg_options=args.cfg_options, unsafe_load=args.unsafe_load)
    probe = FDMProbe(model, args.block)
    images = [centre_crop(load_image(p, channel_order='rgb'), args.crop)
              for p in list_images(args.images, args.max_images)]
    chain = build_degradation(hybrid_chain())
    triples = level_triples(args.bucket)
    rng = np.random.default_rng(args.seed)
    names = ('blur', 'noise', 'jpeg')
    total = len(images) * (2 + len(names) * NUM_LEVELS)
    before, after = [], []
    responses = {name: np.zeros((NUM_LEVELS, probe.channels)) for name in names}
    with tqdm(total=total, desc='fdm_correlation', unit='pass') as bar:
        for image in images:
            triple = triples[int(rng.integers(len(triples)))]
            degraded, _ = chain(image, rng, level=list(triple))
            b, a = fdm_features(model, probe, np.clip(degraded, 0, 1), args.device)
            before.append(b)
            after.append(a)
            bar.update()
            _, clean = fdm_features(model, probe, image, args.device)
            clean_response = np.abs(clean).mean(axis=1) if args.relative else 0.0
            bar.update()
            for name, op in zip(names, chain.ops):
                for level in range(1, NUM_LEVELS + 1):
                    single, _ = op(image, rng, level=level)
                    _, a = fdm_features(model, probe, np.clip(single, 0, 1), args.device)
                    response = np.abs(a).mean(axis=1) - clean_response
                    responses[name][level - 1] += response / len(images)
                    bar.update()
    probe.remove()

    out_dir = args.out_dir or osp.join(osp.dirname(osp.abspath(args.checkpoint)),
                                       'fdm_correlation')
    os.makedirs(out_dir, exist_ok=True)
    summary = dict(block=args.block, bucket=args.bucket, images=len(images))
    for key, feats in (('before', before), ('after', after)):
        corr = correlation_matrix(np.concatenate(feats, axis=1))
        value = mean_abs_off_diagonal(corr)
        summary[f'mean_abs_offdiag_{key}'] = value
        draw_correlation(corr, f'channel correlation {key} FDM {args.block}\n'
                               f'mean |off-diagonal| = {value:.3f}',
                         osp.join(out_dir, f'correlation_{key}_fdm.png'))
    draw_responses(responses, osp.join(out_dir, 'channel_response.png'), args.relative)
    summary['relative_to_clean'] = args.relative
    summary['channel_response'] = {k: v.round(6).tolist() for k, v in responses.items()}
    with open(osp.join(out_dir, 'fdm_correlation.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print(f"mean |off-diagonal| correlation: before FDM {summary['mean_abs_offdiag_before']:.3f}"
          f", after FDM {summary['mean_abs_offdiag_after']:.3f}; PNGs in {out_dir}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
