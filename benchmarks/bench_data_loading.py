"""Data loading: paired 96 x 96 crops per second from PNG folders, a PNG LMDB and a raw LMDB.

    python benchmarks/bench_data_loading.py [--quick] [--profile] [--float-on-load]
                                            [--settle SECONDS]

Data: ``--images`` (100) pairs of 512 x 512 RGB images cut from scikit-image's
photographs (resized, tiled crops at several zooms, flipped variants), so that
decoding dominates as with real training sets. The ground truth is the crop,
the input a blurred + JPEG-compressed copy; both are written as PNG with
compression level 1 (as BasicSR writes its LMDBs). The two LMDB variants are
built from these same folders with irtoolbox's writer
(:func:`irtoolbox.datasets.lmdb_writer.make_lmdb`): PNG bytes (compress
level 1) and raw arrays (``raw=True``, NPY).

Each storage is read by the same pipeline: ``PairedImageDataset`` ->
``LoadImageFromFile`` (img, gt; ``to_float32=False``: the stored uint8 is
kept) -> ``PairedRandomCrop(96)`` -> ``PackInputs`` (converts the 96 x 96
patches to float32 in [0, 1]). ``--float-on-load`` converts whole images on
load instead (``to_float32=True``, the transform's default), for comparison.
The pipeline runs through a ``torch.utils.data.DataLoader`` with ``--workers`` (2) persistent
workers, batch ``--batch-size`` (16), mmengine's ``pseudo_collate`` and a
random sampler with replacement (an endless stream). The LMDBs are read
through the ``lmdb_lazy`` file backend.

Timing: the three loaders alternate in rounds; in each round a loader first
hands out ``workers * prefetch_factor`` batches untimed (the ones its workers
prefetched while another loader was being timed), then ``--batches`` batches
are timed. Per storage the figure is the median over rounds of samples/s;
the ratios are medians over rounds of (storage rate / folder rate in the
same round).

Overlap: after its block a loader's workers go on computing the batches
they prefetch (``workers * prefetch_factor``), while the next loader is
timed. With the order folders, PNG LMDB, raw LMDB / raw, PNG, folders, the
PNG LMDB is always timed beside the folder loader's or the raw loader's
prefetch, the others only in every other round, which biases the PNG LMDB
low. ``--settle S`` sleeps S seconds before each block so that this
background work ends first (default 0: the schedule above).

``--profile`` profiles ``dataset[i]`` in this process for each storage
(cProfile, top entries by own time), to see where the time goes.
Machine-dependent; not a test; asserts nothing.
"""
import argparse
import cProfile
import functools
import importlib.util
import itertools
import os.path as osp
import pstats
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Optional

import cv2
import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PHOTOS = ('astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg', 'motorcycle_left.png',
          'ihc.png', 'hubble_deep_field.jpg', 'retina.jpg', 'motorcycle_right.png', 'brick.png')
STORAGES = ('folders', 'lmdb_png', 'lmdb_raw')
TARGET = 3.0
SIDE = 512
CROP = 96
PNG_LEVEL = 1


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='3 rounds instead of 7')
    parser.add_argument('--rounds', type=int, default=None)
    parser.add_argument('--images', type=int, default=100, help='image pairs')
    parser.add_argument('--batches', type=int, default=10, help='timed batches per block')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--work-dir', default=None, help='where to write the data '
                        '(default: a temporary folder, removed afterwards)')
    parser.add_argument('--float-on-load', action='store_true',
                        help='LoadImageFromFile(to_float32=True): convert whole images to '
                        'float32 before the crop')
    parser.add_argument('--settle', type=float, default=0.0,
                        help='seconds to wait before each timed block (lets the previous '
                        "loader's prefetch finish)")
    parser.add_argument('--profile', action='store_true',
                        help='cProfile dataset[i] per storage instead of timing')
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 3 if args.quick else 7
    return args


# ------------------------------------------------------------------ data
@functools.lru_cache(maxsize=1)
def _prepare_demo_module():
    """``tools/data/prepare_demo.py`` (a script, so loaded by path), once."""
    spec = importlib.util.spec_from_file_location(
        'irtoolbox_prepare_demo', osp.join(REPO_ROOT, 'tools', 'data', 'prepare_demo.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def photo_bgr(file_name: str) -> np.ndarray:
    """A photograph of scikit-image's data folder as 3-channel BGR uint8, read
    as the demo data is (``prepare_demo.skimage_photo``)."""
    return _prepare_demo_module().skimage_photo(file_name)


def photo_crops(img: np.ndarray, count: int) -> List[np.ndarray]:
    """``count`` SIDE x SIDE crops: zooms 1.0-2.5 of the photo, tiled, some mirrored."""
    crops: List[np.ndarray] = []
    for k in itertools.count():
        zoom = 1.0 + 0.5 * (k % 4)
        short = int(SIDE * zoom)
        h, w = img.shape[:2]
        scale = short / min(h, w)
        big = cv2.resize(img, (max(SIDE, round(w * scale)), max(SIDE, round(h * scale))),
                         interpolation=cv2.INTER_CUBIC)
        bh, bw = big.shape[:2]
        top = (k * 97) % (bh - SIDE + 1)
        left = (k * 193) % (bw - SIDE + 1)
        crop = big[top:top + SIDE, left:left + SIDE]
        crops.append(crop[:, ::-1] if k % 2 else crop)
        if len(crops) == count:
            return crops
    raise AssertionError('unreachable')


def degraded(gt: np.ndarray) -> np.ndarray:
    """The input partner: Gaussian blur then JPEG quality 60 (decoded)."""
    blurred = cv2.GaussianBlur(gt, (0, 0), 1.2)
    ok, buf = cv2.imencode('.jpg', blurred, [cv2.IMWRITE_JPEG_QUALITY, 60])
    if not ok:
        raise RuntimeError('OpenCV could not encode JPEG')
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def write_folders(root: str, num_images: int) -> None:
    """root/gt/*.png and root/lq/*.png, PNG compression level 1."""
    import os
    per_photo = -(-num_images // len(PHOTOS))
    images = [c for name in PHOTOS for c in photo_crops(photo_bgr(name), per_photo)]
    for sub in ('gt', 'lq'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    for i, gt in enumerate(images[:num_images]):
        for sub, img in (('gt', gt), ('lq', degraded(gt))):
            path = osp.join(root, sub, f'{i:04d}.png')
            if not cv2.imwrite(path, np.ascontiguousarray(img),
                               [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL]):
                raise OSError(f'could not write {path}')


def build_data(root: str, num_images: int) -> None:
    from irtoolbox.datasets.lmdb_writer import make_lmdb
    write_folders(root, num_images)
    for sub in ('gt', 'lq'):
        make_lmdb(osp.join(root, sub), osp.join(root, f'{sub}_png.lmdb'), raw=False,
                  compress_level=PNG_LEVEL, workers=2, progress=False)
        make_lmdb(osp.join(root, sub), osp.join(root, f'{sub}_raw.lmdb'), raw=True,
                  workers=2, progress=False)


def folder_mib(path: str) -> float:
    import os
    total = 0
    for dirpath, _, files in os.walk(path):
        total += sum(osp.getsize(osp.join(dirpath, f)) for f in files)
    return total / 2**20


# ------------------------------------------------------------------ datasets
def make_dataset(root: str, storage: str, to_float32: bool = False):
    from irtoolbox.datasets import PairedImageDataset
    if storage == 'folders':
        prefix, backend = dict(img='lq', gt='gt'), None
    else:
        kind = storage.split('_')[1]
        prefix, backend = dict(img=f'lq_{kind}.lmdb', gt=f'gt_{kind}.lmdb'), \
            dict(backend='lmdb_lazy')
    pipeline = [
        dict(type='LoadImageFromFile', key='img', backend_args=backend, to_float32=to_float32),
        dict(type='LoadImageFromFile', key='gt', backend_args=backend, to_float32=to_float32),
        dict(type='PairedRandomCrop', crop_size=CROP),
        dict(type='PackInputs'),
    ]
    return PairedImageDataset(data_root=root, data_prefix=prefix, backend_args=backend,
                              pipeline=pipeline)


def make_loader(dataset, args: argparse.Namespace):
    import torch
    from mmengine.dataset import pseudo_collate
    sampler = torch.utils.data.RandomSampler(dataset, replacement=True, num_samples=10**8,
                                             generator=torch.Generator().manual_seed(0))
    return torch.utils.data.DataLoader(dataset, batch_size=args.batch_size, sampler=sampler,
                                       num_workers=args.workers, collate_fn=pseudo_collate,
                                       persistent_workers=args.workers > 0,
                                       prefetch_factor=2 if args.workers > 0 else None)


def timed_block(iterator, args: argparse.Namespace) -> float:
    """Samples/s over ``args.batches`` batches, after draining the prefetched ones."""
    time.sleep(args.settle)
    for _ in range(max(1, args.workers * 2)):
        batch = next(iterator)
    start = time.perf_counter()
    samples = 0
    for _ in range(args.batches):
        batch = next(iterator)
        samples += len(batch['inputs'])
    rate = samples / (time.perf_counter() - start)
    assert tuple(batch['inputs'][0].shape) == (3, CROP, CROP), batch['inputs'][0].shape
    return rate


def run_timed(root: str, args: argparse.Namespace) -> None:
    iterators = {s: iter(make_loader(make_dataset(root, s, args.float_on_load), args))
                 for s in STORAGES}
    for it in iterators.values():  # start the workers, open files/databases
        timed_block(it, argparse.Namespace(**{**vars(args), 'batches': 2}))
    rates: Dict[str, List[float]] = {s: [] for s in STORAGES}
    for r in range(args.rounds):
        order = STORAGES if r % 2 == 0 else STORAGES[::-1]  # no storage always first
        for storage in order:
            rates[storage].append(timed_block(iterators[storage], args))
    report(root, rates, args)


def report(root: str, rates: Dict[str, List[float]], args: argparse.Namespace) -> None:
    print(f'{args.images} pairs of {SIDE}x{SIDE} RGB images, {CROP}x{CROP} paired crops, '
          f'batch {args.batch_size}, {args.workers} workers, {args.rounds} rounds x '
          f'{args.batches} batches, '
          f'{"float32 on load" if args.float_on_load else "uint8 on load, float32 after crop"}'
          f'{f", settle {args.settle:g} s" if args.settle else ""}')
    sizes = {'folders': folder_mib(osp.join(root, 'gt')) + folder_mib(osp.join(root, 'lq')),
             'lmdb_png': folder_mib(osp.join(root, 'gt_png.lmdb'))
             + folder_mib(osp.join(root, 'lq_png.lmdb')),
             'lmdb_raw': folder_mib(osp.join(root, 'gt_raw.lmdb'))
             + folder_mib(osp.join(root, 'lq_raw.lmdb'))}
    for storage in STORAGES:
        ratio = statistics.median(a / b for a, b in zip(rates[storage], rates['folders']))
        print(f'{storage:9s}: median {statistics.median(rates[storage]):7.1f} samples/s '
              f'(rounds: {", ".join(f"{x:.0f}" for x in rates[storage])}), '
              f'x{ratio:.2f} vs folders, {sizes[storage]:.0f} MiB on disk')
    ratio = statistics.median(a / b for a, b in zip(rates['lmdb_raw'], rates['folders']))
    verdict = 'meets' if ratio >= TARGET else 'MISSES'
    print(f'RESULT raw LMDB / PNG folders: {ratio:.2f}x ({verdict} target >= {TARGET:.1f}x)')


def run_profiled(root: str, args: argparse.Namespace) -> None:
    for storage in STORAGES:
        dataset = make_dataset(root, storage, args.float_on_load)
        dataset[0]  # open the database, warm caches
        profiler = cProfile.Profile()
        n = 60
        start = time.perf_counter()
        profiler.runcall(lambda: [dataset[i % len(dataset)] for i in range(n)])
        took = time.perf_counter() - start
        print(f'==== {storage}: {n} samples in this process, {n / took:.1f} samples/s '
              '(under cProfile)')
        pstats.Stats(profiler).strip_dirs().sort_stats('tottime').print_stats(12)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, REPO_ROOT)
    import torch
    torch.set_num_threads(1)  # the workers do the work; the main thread only collates
    with tempfile.TemporaryDirectory(prefix='bench_data_') as tmp:
        root = args.work_dir or tmp
        if not osp.isfile(osp.join(root, 'lq_raw.lmdb', 'meta_info.txt')):
            start = time.perf_counter()
            build_data(root, args.images)
            print(f'wrote folders and LMDBs in {time.perf_counter() - start:.1f} s')
        (run_profiled if args.profile else run_timed)(root, args)


if __name__ == '__main__':
    main()
