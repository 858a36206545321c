"""Degradation synthesis: blur -> noise -> JPEG samples/s on 256 x 256 crops.

    python benchmarks/bench_degradation_synthesis.py [--quick] [--profile]

Candidate: the ``Degrade`` transform (a degradation ``Compose`` of
GaussianBlur -> GaussianNoise -> JPEGCompression with the demo config's
ranges, read from ``configs/_base_/datasets/demo_blur_noise_jpeg.py``) on
``results['gt']`` = a 256 x 256 float32 RGB crop of a scikit-image photograph,
exactly as the training pipeline calls it (one sample at a time, random
parameters drawn from numpy's global generator).

Baseline: a naive chain that does the same work the obvious way: per call it
rebuilds the 21 x 21 Gaussian kernel (``np.meshgrid`` + ``np.exp``, no cache)
and filters with the full 2-D kernel (``cv2.filter2D``, replicate border),
adds float32 Gaussian noise, clips, and round-trips through ``cv2`` JPEG, with
parameters drawn from the same ranges. It shows what the operator code saves
(kernel cache, separable filtering) or costs (parameter records, checks).

Parameters are drawn from the full ranges, as in training. Every sigma is a
new real number (a level ``k`` also draws sigma uniformly from its table
interval), so a kernel cache keyed by sigma cannot hit: what matters is the
cost of building and applying the kernel.

Timing alternates blocks of ``--block`` samples of candidate and baseline
over ``--rounds`` rounds; figures are medians over rounds (samples/s, and
candidate / baseline per round). Per-operator times (median per call) are
printed for the candidate. ``--profile`` runs the candidate under cProfile.
Machine-dependent; not a test; asserts nothing.
"""
import argparse
import cProfile
import os.path as osp
import pstats
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional

import cv2
import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA_CONFIG = osp.join(REPO_ROOT, 'configs', '_base_', 'datasets', 'demo_blur_noise_jpeg.py')
PHOTOS = ('astronaut', 'chelsea', 'coffee', 'rocket')
SIDE = 256


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='5 rounds instead of 15')
    parser.add_argument('--rounds', type=int, default=None)
    parser.add_argument('--block', type=int, default=40, help='samples per block')
    parser.add_argument('--profile', action='store_true', help='cProfile the candidate')
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 5 if args.quick else 15
    return args


def crops() -> List[np.ndarray]:
    """256 x 256 float32 RGB crops in [0, 1] (the pipeline convention)."""
    import skimage.data
    out = []
    for name in PHOTOS:
        img = getattr(skimage.data, name)()[..., :3]
        h, w = img.shape[:2]
        for top, left in ((0, 0), (h - SIDE, w - SIDE), ((h - SIDE) // 2, (w - SIDE) // 2)):
            out.append(np.ascontiguousarray(img[top:top + SIDE, left:left + SIDE])
                       .astype(np.float32) / 255.0)
    return out


def demo_degradation() -> list:
    from mmengine.config import Config
    return [dict(d) for d in Config.fromfile(DATA_CONFIG).degradation]


# ------------------------------------------------------------------ baseline
def naive_kernel(size: int, sigma: float) -> np.ndarray:
    offsets = np.arange(size, dtype=np.float64) - size // 2
    yy, xx = np.meshgrid(offsets, offsets, indexing='ij')
    kernel = np.exp(-(xx ** 2 + yy ** 2) / (2.0 * sigma ** 2)) if sigma > 0 else \
        ((yy == 0) & (xx == 0)).astype(np.float64)
    return (kernel / kernel.sum()).astype(np.float32)


class NaiveChain:
    """Blur (kernel rebuilt per call, 2-D filter) -> noise -> JPEG, same ranges."""

    def __init__(self, cfgs: list) -> None:
        blur, noise, jpeg = cfgs
        self.size = blur['kernel_size']
        self.sigma_range = blur['sigma_range']
        self.noise_range = noise['sigma_range']
        self.quality_range = jpeg['quality_range']

    @staticmethod
    def _draw(rng: np.random.Generator, low_high, integer: bool = False) -> float:
        if integer:
            return int(rng.integers(low_high[0], low_high[1] + 1))
        return float(rng.uniform(*low_high))

    def __call__(self, results: dict) -> dict:
        rng = np.random.default_rng(np.random.randint(2**32))
        img = results['gt']
        kernel = naive_kernel(self.size, self._draw(rng, self.sigma_range))
        out = cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE)
        sigma = self._draw(rng, self.noise_range)
        out = out + rng.standard_normal(out.shape, dtype=np.float32) * np.float32(sigma / 255)
        u8 = np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
        quality = int(self._draw(rng, self.quality_range, integer=True))
        ok, buf = cv2.imencode('.jpg', np.ascontiguousarray(u8[..., ::-1]),
                               [int(cv2.IMWRITE_JPEG_QUALITY), quality])
        results['img'] = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float32) / 255
        return results


# ------------------------------------------------------------------ timing
def candidate(cfgs: list) -> Callable[[dict], dict]:
    from irtoolbox.datasets.transforms import Degrade
    return Degrade(degradation=cfgs)


def run_block(fn: Callable[[dict], dict], images: List[np.ndarray], n: int, start: int) -> float:
    """Samples/s of ``fn`` over ``n`` samples (fresh results dicts, as a pipeline has)."""
    t0 = time.perf_counter()
    for i in range(start, start + n):
        out = fn(dict(gt=images[i % len(images)], gt_path=f'crop{i}', channel_order='rgb'))
    rate = n / (time.perf_counter() - t0)
    assert out['img'].shape == (SIDE, SIDE, 3) and out['img'].dtype == np.float32
    return rate


def per_op_times(cfgs: list, images: List[np.ndarray], n: int = 60) -> Dict[str, float]:
    """Median seconds per call of each operator of the chain, on the same crops."""
    from irtoolbox.degradations import build_degradation
    rng = np.random.default_rng(0)
    times: Dict[str, float] = {}
    for cfg in cfgs:
        op = build_degradation(cfg)
        samples = []
        for i in range(n):
            params = op.sample_params(rng)
            t0 = time.perf_counter()
            op.apply(images[i % len(images)], params)
            samples.append(time.perf_counter() - t0)
        times[op.name] = statistics.median(samples)
    return times


def measure(cfgs: list, images: List[np.ndarray], args: argparse.Namespace) -> None:
    cand, base = candidate(cfgs), NaiveChain(cfgs)
    np.random.seed(0)
    run_block(cand, images, 10, 0)  # warm-up: imports, caches, allocator
    run_block(base, images, 10, 0)
    cand_rates, base_rates = [], []
    for r in range(args.rounds):
        pair = [(cand, cand_rates), (base, base_rates)]
        for fn, rates in (pair if r % 2 == 0 else pair[::-1]):
            rates.append(run_block(fn, images, args.block, r * args.block))
    ratios = [c / b for c, b in zip(cand_rates, base_rates)]
    print(f'Degrade (blur->noise->JPEG): median '
          f'{statistics.median(cand_rates):.1f} samples/s; naive baseline '
          f'{statistics.median(base_rates):.1f} samples/s; '
          f'RESULT candidate/naive = {statistics.median(ratios):.2f}x '
          f'(rounds {min(ratios):.2f}..{max(ratios):.2f})')


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, REPO_ROOT)
    cv2.setNumThreads(1)  # one sample per worker process, as in a DataLoader
    cfgs, images = demo_degradation(), crops()
    print(f'{len(images)} crops of {SIDE}x{SIDE}x3 float32; chain: '
          + ' -> '.join(f"{c['type']}({', '.join(f'{k}={v}' for k, v in c.items() if k != 'type')})"
                        for c in cfgs))
    if args.profile:
        fn = candidate(cfgs)
        profiler = cProfile.Profile()
        profiler.runcall(run_block, fn, images, args.block * args.rounds, 0)
        pstats.Stats(profiler).strip_dirs().sort_stats('tottime').print_stats(20)
        return
    ops = per_op_times(cfgs, images)
    print('per operator (median per call): '
          + ', '.join(f'{name} {t * 1e3:.2f} ms' for name, t in ops.items()))
    measure(cfgs, images, args)


if __name__ == '__main__':
    main()
