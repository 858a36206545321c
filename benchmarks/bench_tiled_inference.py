"""Tiled inference: peak memory and speed vs image size, tiled vs untiled.

    python benchmarks/bench_tiled_inference.py [--quick] [--tile 512] [--overlap 32]

Model: the demo config's model (Restorer + ResidualCNN c32b4, receptive field
21 px), built by ``init_model`` with its initial weights (speed and memory do
not depend on the values). Input: ``skimage.data.astronaut()`` resized to
S x S (a real photo), given to ``restore_image`` as a uint8 array.

Each (size, mode) runs in a fresh subprocess so that peak resident memory is
that setting's alone. The worker builds the model, reads its resident memory
(``VmRSS``) as the baseline (after one 64x64 warm-up call), resets the kernel's high-water mark
(``/proc/self/clear_refs``), makes the image, runs ``restore_image`` once and
reads ``VmHWM``: peak = VmHWM - baseline. It also prints ``io``, the memory
the API must hold whatever the tiling (the uint8 input, the float32 input and
float32 output images: 3 + 12 + 12 bytes/pixel), and ``work`` = peak - io, the
working set of the network, which tiling is meant to keep flat in the image
size (it is bounded by the tile; the evenly shrunk tile side, printed as
``tiles`` = count x side, varies a little with the image size). Seconds per
megapixel are wall time of ``restore_image`` / (S*S/1e6).

Untiled runs are skipped above ``--max-untiled`` (default 2048: a 4096^2
untiled pass of this model needs ~9 GB of activations). ``--quick`` drops 4096.
Machine-dependent; not a test; asserts nothing.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'residualcnn_c32b4_1xb8-400it_demo-blur-noise-jpeg.py')
MB = 2 ** 20


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='sizes 1024 and 2048 only')
    parser.add_argument('--sizes', type=int, nargs='+', default=None)
    parser.add_argument('--tile', type=int, default=512)
    parser.add_argument('--overlap', type=int, default=32)
    parser.add_argument('--max-untiled', type=int, default=2048)
    parser.add_argument('--threads', type=int, default=2, help='torch threads per worker')
    parser.add_argument('--table-from', default=None,
                        help='print the table from the JSON lines a run wrote to stderr')
    parser.add_argument('--worker', choices=['tiled', 'untiled'], default=None,
                        help=argparse.SUPPRESS)
    parser.add_argument('--size', type=int, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _status_kb(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def tile_of(args: argparse.Namespace) -> Optional[int]:
    return args.tile if args.worker == 'tiled' else None


def worker(args: argparse.Namespace) -> None:
    """One setting in this (fresh) process; prints one JSON line."""
    sys.path.insert(0, REPO_ROOT)
    import cv2
    import torch
    from skimage import data as skdata

    from irtoolbox.apis import init_model, restore_image
    torch.set_num_threads(args.threads)
    model = init_model(DEMO_CONFIG)
    # one tiny call first: library loading and thread pools are not per-image costs
    restore_image(model, skdata.astronaut()[:64, :64], tile=tile_of(args), tile_overlap=16)
    baseline_kb = _status_kb('VmRSS')
    reset = _reset_peak()
    image = cv2.resize(skdata.astronaut(), (args.size, args.size),
                       interpolation=cv2.INTER_CUBIC)
    tile = tile_of(args)
    start = time.perf_counter()
    result = restore_image(model, image, tile=tile, tile_overlap=args.overlap)
    seconds = time.perf_counter() - start
    peak_kb = _status_kb('VmHWM')
    assert result.shape == image.shape
    pixels = args.size * args.size
    from irtoolbox.apis import tile_spans
    spans = tile_spans(args.size, args.tile, args.overlap) if tile else [(0, args.size)]
    print(json.dumps(dict(size=args.size, mode=args.worker, tiles=len(spans) ** 2,
                          tile_px=max(end - start for start, end in spans),
                          peak_mb=(peak_kb - baseline_kb) / 1024,
                          io_mb=27 * pixels / MB, s_per_mp=seconds / (pixels / 1e6),
                          hwm_reset=reset)))


def run_setting(args: argparse.Namespace, size: int, mode: str) -> Dict:
    cmd = [sys.executable, osp.abspath(__file__), '--worker', mode, '--size', str(size),
           '--tile', str(args.tile), '--overlap', str(args.overlap),
           '--threads', str(args.threads)]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return dict(size=size, mode=mode, error=proc.stderr.strip().splitlines()[-1])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def print_table(rows: List[Dict], args: argparse.Namespace) -> None:
    print(f'tile {args.tile}, overlap {args.overlap}, {args.threads} threads; '
          'memory in MiB over the post-init baseline')
    print(f'{"size":>6} {"mode":>8} {"tiles":>9} {"peak":>8} {"io":>8} {"work":>8} {"s/MP":>7} '
          f'{"peak untiled/tiled":>19}')
    by_key = {(r['size'], r['mode']): r for r in rows}
    for row in rows:
        if 'error' in row:
            print(f'{row["size"]:>6} {row["mode"]:>8} failed: {row["error"]}')
            continue
        ratio = ''
        untiled = by_key.get((row['size'], 'untiled'))
        if row['mode'] == 'tiled' and untiled and 'error' not in untiled:
            ratio = f'{untiled["peak_mb"] / row["peak_mb"]:.1f}x'
        tiles = f'{row["tiles"]}x{row["tile_px"]}'
        print(f'{row["size"]:>6} {row["mode"]:>8} {tiles:>9} {row["peak_mb"]:8.0f} '
              f'{row["io_mb"]:8.0f} {row["peak_mb"] - row["io_mb"]:8.0f} '
              f'{row["s_per_mp"]:7.2f} {ratio:>19}')
    tiled = [r for r in rows if r['mode'] == 'tiled' and 'error' not in r]
    if len(tiled) >= 2:
        first, last = tiled[0], tiled[-1]
        work = (last['peak_mb'] - last['io_mb']) / (first['peak_mb'] - first['io_mb'])
        print(f'tiled, {last["size"]}^2 vs {first["size"]}^2 '
              f'({(last["size"] / first["size"]) ** 2:.0f}x the pixels): '
              f'peak x{last["peak_mb"] / first["peak_mb"]:.2f}, working set (peak - io) '
              f'x{work:.2f}, s/MP x{last["s_per_mp"] / first["s_per_mp"]:.2f}')
        per_tile = ', '.join(f'{r["size"]}: {_work_per_tile_mp(r):.0f}' for r in tiled)
        print(f'tiled working set per tile megapixel (MiB/MP), by image size: {per_tile}')


def _work_per_tile_mp(row: Dict) -> float:
    """Working set / tile area: constant if memory depends on the tile, not the image."""
    return (row['peak_mb'] - row['io_mb']) / (row['tile_px'] ** 2 / 1e6)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return
    if args.table_from:  # re-print the table of a finished run's JSON lines
        with open(args.table_from) as f:
            print_table([json.loads(line) for line in f if line.startswith('{')], args)
        return
    sizes = args.sizes or ([1024, 2048] if args.quick else [1024, 2048, 4096])
    rows = []
    for size in sizes:
        for mode in ('tiled', 'untiled'):
            if mode == 'untiled' and size > args.max_untiled:
                continue
            rows.append(run_setting(args, size, mode))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print_table(rows, args)


if __name__ == '__main__':
    main()
