"""Time to sample degraded images from the conditional PixelCNN++ degradation model.

Paper size (6 blocks, 100 channels, 10 components) by default. The fast
wavefront sampler is timed on a full image (and on a batch); the naive sampler
(one full network pass per pixel) is timed on a small image, and its
256 x 256 time is extrapolated from one timed full pass at that size times the
number of pixels (a pass costs the same for every pixel). Both samplers are
run on the small image with the same draws and must agree exactly.

    OMP_NUM_THREADS=1 python benchmarks/bench_pixelcnn_sampling.py --size 256 --batch 8 --threads 1

Figures and their reading: docs/benchmarks.md.
"""
import argparse
import os
import time

import torch

from irtoolbox.models.density import ConditionalPixelCNN
from irtoolbox.models.density.pixelcnn_sampler import make_draws, sample_fast, sample_naive


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=256, help='side of the sampled images')
    parser.add_argument('--batch', type=int, default=8, help='images sampled at once (0: skip)')
    parser.add_argument('--batch-size-side', type=int, default=0,
                        help='side of the batched images (0: --size)')
    parser.add_argument('--naive-size', type=int, default=12, help='side for the naive run')
    parser.add_argument('--blocks', type=int, default=6)
    parser.add_argument('--channels', type=int, default=100)
    parser.add_argument('--num-mix', type=int, default=10)
    parser.add_argument('--threads', type=int, default=0, help='torch threads (0: default)')
    return parser.parse_args()


def timed(fn, *args) -> tuple:
    """(result, wall seconds); the CPU seconds of this process go to ``CPU``."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    CPU.append(time.process_time() - cpu)
    return out, time.perf_counter() - start


CPU: list = []


def cpu_note() -> str:
    """The last call's CPU time and the machine's load: a shared machine slows the wall time."""
    return f'[CPU {CPU[-1]:.1f} s, load average {os.getloadavg()[0]:.1f}]'


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = ConditionalPixelCNN(channels=args.channels, num_blocks=args.blocks,
                                num_mix=args.num_mix)
    model.init_weights()
    model.eval()
    print(f'model: {args.blocks} blocks, {args.channels} channels, {args.num_mix} components, '
          f'{sum(p.numel() for p in model.parameters())} parameters, '
          f'{torch.get_num_threads()} threads')

    s = args.naive_size
    cond = torch.rand(1, 3, s, s) * 2 - 1
    draws = make_draws(1, 3, args.num_mix, s, s, torch.Generator().manual_seed(1))
    naive, t_naive = timed(sample_naive, model, cond, draws)
    fast, t_fast_small = timed(sample_fast, model, cond, draws)
    print(f'{s}x{s}: naive {t_naive:.2f} s, fast {t_fast_small:.2f} s {cpu_note()}, '
          f'identical: {torch.equal(naive, fast)}')

    n = args.size
    cond = torch.rand(1, 3, n, n) * 2 - 1
    with torch.no_grad():
        _, t_pass = timed(model, torch.zeros(1, 3, n, n), cond)
    print(f'naive {n}x{n} (extrapolated): one full pass {t_pass:.2f} s {cpu_note()} x {n * n} '
          f'pixels = {t_pass * n * n / 3600:.1f} h')
    draws = make_draws(1, 3, args.num_mix, n, n, torch.Generator().manual_seed(2))
    _, t_fast = timed(sample_fast, model, cond, draws)
    print(f'fast {n}x{n}, 1 image: {t_fast:.1f} s {cpu_note()}')
    if args.batch:
        b, n = args.batch, args.batch_size_side or n
        cond = torch.rand(b, 3, n, n) * 2 - 1
        draws = make_draws(b, 3, args.num_mix, n, n, torch.Generator().manual_seed(3))
        _, t_batch = timed(sample_fast, model, cond, draws)
        print(f'fast {n}x{n}, {b} images at once: {t_batch:.1f} s ({t_batch / b:.1f} s per image) '
              f'{cpu_note()}')


if __name__ == '__main__':
    main()
