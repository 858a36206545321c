"""Write the demo dataset from the photographs scikit-image ships (no download).

Usage::

    python tools/data/prepare_demo.py [--out data/demo] [--size 256]

Layout written (all PNG, RGB photographs saved as usual 8-bit colour files)::

    OUT/train/gt/*.png            25 clean size x size images
    OUT/train/gt/meta_info.txt
    OUT/val/gt/*.png               4 clean size x size images
    OUT/val/gt/meta_info.txt
    OUT/val/lq/*.png               the same 4, degraded (fixed, seeded)
    OUT/val/lq/meta_info.txt

Split (fixed, no photograph in both): validation = astronaut, chelsea, coffee,
rocket (each resized so its short side is ``size``, then center-cropped).
Training = motorcycle_left, motorcycle_right, immunohistochemistry,
hubble_deep_field, retina; per photograph 5 crops: the center crop at short
side ``size`` (``<name>_0``) and a 2 x 2 grid of ``size`` crops around the
center of the photograph resized to short side ``zoom * size`` (``<name>_1``
.. ``<name>_4``; zoom 2, 3 for the retina whose corners are black).

Validation inputs (``val/lq``), a fixed blur + noise + JPEG degradation:
Gaussian blur sigma 1.0 (OpenCV kernel size from sigma), additive Gaussian
noise sigma 10/255 from ``np.random.default_rng(SEED + i)`` (``i`` = index of
the image in sorted order, ``SEED`` = 2024), rounding to uint8, JPEG quality
50, decoded and saved as PNG. Same size as the ground truth.

``meta_info.txt`` files follow BasicSR (``name.png (h,w,c) 1``), so the
folders can be turned into LMDBs by ``tools/data/make_lmdb.py``. The script is
idempotent: every run writes identical files; it removes nothing.
"""
import argparse
import os
import os.path as osp
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from tqdm import tqdm

VAL_PHOTOS = ('astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg')
TRAIN_PHOTOS = {  # file in skimage/data -> zoom of the 2 x 2 grid crops
    'motorcycle_left.png': 2,
    'motorcycle_right.png': 2,
    'ihc.png': 2,
    'hubble_deep_field.jpg': 2,
    'retina.jpg': 3,
}
NAMES = {'ihc.png': 'immunohistochemistry'}  # skimage.data's function name
SEED = 2024
BLUR_SIGMA = 1.0
NOISE_SIGMA = 10.0  # in 0..255 units
JPEG_QUALITY = 50


def skimage_photo(file_name: str) -> np.ndarray:
    """A photograph of skimage's data folder as BGR uint8 (OpenCV order)."""
    import skimage.data  # only this script needs scikit-image
    path = osp.join(skimage.data.data_dir, file_name)
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(2, 'scikit-image photograph not found', path)
    return img


def resize_short_side(img: np.ndarray, short: int) -> np.ndarray:
    """Resize so min(h, w) == short (area filter down, bicubic up)."""
    h, w = img.shape[:2]
    scale = short / min(h, w)
    size = (max(short, round(w * scale)), max(short, round(h * scale)))  # (w, h) for cv2
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(img, size, interpolation=interp)


def center_crop(img: np.ndarray, size: int, offset: Tuple[int, int] = (0, 0)) -> np.ndarray:
    """size x size crop whose top-left is the centered one's plus offset."""
    h, w = img.shape[:2]
    top, left = (h - size) // 2 + offset[0], (w - size) // 2 + offset[1]
    return img[top:top + size, left:left + size]


def train_crops(img: np.ndarray, size: int, zoom: int) -> List[np.ndarray]:
    """The center crop, then a 2 x 2 grid of crops of the zoomed photograph."""
    crops = [center_crop(resize_short_side(img, size), size)]
    zoomed = resize_short_side(img, zoom * size)
    half = size // 2
    for dy in (-half, half):  # tiles meeting at the photograph's center
        for dx in (-half, half):
            crops.append(center_crop(zoomed, size, (dy, dx)))
    return crops


def degrade(img: np.ndarray, index: int) -> np.ndarray:
    """The fixed validation degradation (module docstring), BGR uint8 in/out."""
    blurred = cv2.GaussianBlur(img.astype(np.float32), (0, 0), BLUR_SIGMA)
    noise = np.random.default_rng(SEED + index).standard_normal(img.shape) * NOISE_SIGMA
    noisy = np.clip(np.round(blurred + noise), 0, 255).astype(np.uint8)
    ok, encoded = cv2.imencode('.jpg', noisy, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError('OpenCV could not encode JPEG')
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)


def write_folder(folder: str, images: Dict[str, np.ndarray]) -> None:
    """Write ``name.png`` files and a BasicSR meta_info.txt."""
    os.makedirs(folder, exist_ok=True)
    lines = []
    for name in sorted(images):
        img = images[name]
        if not cv2.imwrite(osp.join(folder, f'{name}.png'), img):
            raise OSError(f'Could not write {osp.join(folder, name)}.png')
        h, w, c = img.shape
        lines.append(f'{name}.png ({h},{w},{c}) 1\n')
    with open(osp.join(folder, 'meta_info.txt'), 'w') as f:
        f.writelines(lines)
    print(f'{folder}: {len(images)} images '
          f'({", ".join(sorted(images)[:3])}{", ..." if len(images) > 3 else ""}) '
          '+ meta_info.txt')


def photo_name(file_name: str) -> str:
    return NAMES.get(file_name, osp.splitext(file_name)[0])


def prepare(out: str, size: int) -> Dict[str, int]:
    """Build all folders; returns the number of images per folder."""
    if size < 8 or size % 2:
        raise ValueError(f'--size must be an even number >= 8, got {size}')
    train: Dict[str, np.ndarray] = {}
    val_gt: Dict[str, np.ndarray] = {}
    photos = list(TRAIN_PHOTOS) + list(VAL_PHOTOS)
    for file_name in tqdm(photos, desc='photographs', leave=False):
        img, name = skimage_photo(file_name), photo_name(file_name)
        if file_name in TRAIN_PHOTOS:
            for k, crop in enumerate(train_crops(img, size, TRAIN_PHOTOS[file_name])):
                train[f'{name}_{k}'] = crop
        else:
            val_gt[name] = center_crop(resize_short_side(img, size), size)
    val_lq = {name: degrade(val_gt[name], i) for i, name in enumerate(sorted(val_gt))}
    folders = {osp.join(out, 'train', 'gt'): train, osp.join(out, 'val', 'gt'): val_gt,
               osp.join(out, 'val', 'lq'): val_lq}
    for folder, images in folders.items():
        write_folder(folder, images)
    return {folder: len(images) for folder, images in folders.items()}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description='Write the demo dataset from skimage photos.')
    parser.add_argument('--out', default='data/demo', help='output folder (default data/demo)')
    parser.add_argument('--size', type=int, default=256,
                        help='side of the square images (default 256)')
    args = parser.parse_args(argv)
    prepare(args.out, args.size)


if __name__ == '__main__':
    main()
