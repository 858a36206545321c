"""Draw what each all-in-one degradation operator does to a demo photograph.

Writes one row: the clean crop, then Gaussian noise, motion blur, haze, low
light and rain streaks (the five synthesised tasks of the IDR demo config),
each drawn with a fixed seed, labelled with its params::

    python tools/analysis/show_all_in_one_degradations.py \
        --out docs/images/degradations_all_in_one.png
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

import cv2
import numpy as np

sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data'))
from prepare_demo import center_crop, resize_short_side, skimage_photo  # noqa: E402

from irtoolbox.degradations import build_degradation  # noqa: E402

OPERATORS = [
    ('noise', dict(type='GaussianNoise', sigma_range=(25, 25)), 'sigma'),
    ('motion blur', dict(type='MotionBlur'), 'length'),
    ('haze', dict(type='Haze'), 'beta'),
    ('low light', dict(type='LowLight'), 'gamma'),
    ('rain', dict(type='RainStreaks'), 'angle'),
]


def panels(img: np.ndarray, seed: int) -> List[np.ndarray]:
    """The clean image and one labelled panel per operator (RGB uint8)."""
    out = [label(img, 'clean')]
    for name, cfg, key in OPERATORS:
        degraded, params = build_degradation(cfg)(img, np.random.default_rng(seed))
        out.append(label(degraded, f'{name} {key}={params[key]:.1f}'))
    return out


def label(img: np.ndarray, text: str) -> np.ndarray:
    canvas = np.full((img.shape[0] + 22, img.shape[1], 3), 255, np.uint8)
    canvas[22:] = np.round(np.clip(img, 0, 1) * 255).astype(np.uint8)
    cv2.putText(canvas, text, (4, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1,
                cv2.LINE_AA)
    return canvas


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='docs/images/degradations_all_in_one.png')
    parser.add_argument('--photo', default='astronaut.png', help='a scikit-image photograph')
    parser.add_argument('--size', type=int, default=192)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    photo = cv2.cvtColor(skimage_photo(args.photo), cv2.COLOR_BGR2RGB)  # operators see RGB
    img = center_crop(resize_short_side(photo, args.size), args.size).astype(np.float32) / 255
    row = np.concatenate(panels(img, args.seed), axis=1)
    cv2.imwrite(args.out, cv2.cvtColor(row, cv2.COLOR_RGB2BGR))
    print(f'wrote {args.out} ({row.shape[1]} x {row.shape[0]})')


if __name__ == '__main__':
    main()
