"""Tiled inference: peak memory vs image size, in memory and streamed through BigTIFF.

    python benchmarks/bench_tiled_inference.py [--sizes 1024 4096 8192 16384]
        [--modes memory bigtiff] [--model tiny|demo] [--tile 1056] [--overlap 32]

Model: the demo config's Restorer (mean/std 0.5) built by ``init_model`` with
its initial weights (memory does not depend on the values). ``--model tiny``
(default) removes the residual blocks (ResidualCNN c32b0: conv 3->32, conv
32->3, 1.7 kMAC/pixel, 44x less than the demo's c32b4), so that a 16384^2
image runs in about a minute on 2 CPU cores; its working set per tile pixel
is still that of 32-channel features. ``--model demo`` is the demo network.

Input: ``skimage.data.astronaut()`` resized to S x S with ``cv2.resize`` (a
generated uint8 image, one per size). Modes, each in a fresh subprocess so
that its peak resident memory is its own:

- ``memory``: ``restore_image(model, uint8 array, tile, overlap)``, integer in,
  integer out. The image is made after the baseline, so the peak counts the
  caller's uint8 input and the uint8 output (``io`` = 6 B/pixel).
- ``bigtiff``: ``restore_image(model, 'in.tif', tile, overlap, out='out.tif')``:
  an uncompressed BigTIFF written beforehand (by another process) is read and
  the result written memory-mapped, a band of tile rows at a time (``io`` =
  the two bands, about 2 x tile x S x 3 B).
- ``untiled`` (sizes up to ``--max-untiled``): ``tile=None``, for reference.

The worker builds the model, runs one 64x64 warm-up call, reads ``VmRSS`` as
the baseline, resets the kernel's high-water mark (``/proc/self/clear_refs``),
makes the image (memory modes), runs ``restore_image`` once and reads
``VmHWM``: peak = VmHWM - baseline. ``work`` = peak - io: the network's working
set and the tile's float buffers, which the tile bounds. Seconds per megapixel
are wall time of ``restore_image`` / (S*S/1e6).

The default ``--tile 1056`` with ``--overlap 32`` makes the evenly shrunk tile
about the same at every size (1024 at 1024^2 (one tile), 1048-1054 above), so
that sizes are compared at the same working set. Machine-dependent; not a test;
it checks nothing, it prints the ratios the issue asks for.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'residualcnn_c32b4_1xb8-400it_demo-blur-noise-jpeg.py')
MB = 2 ** 20
MODELS = {'tiny': {'model.backbone.num_blocks': 0}, 'demo': {}}


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[1024, 4096, 8192, 16384])
    parser.add_argument('--modes', nargs='+', choices=['memory', 'bigtiff'],
                        default=['memory', 'bigtiff'])
    parser.add_argument('--model', choices=sorted(MODELS), default='tiny')
    parser.add_argument('--tile', type=int, default=1056)
    parser.add_argument('--overlap', type=int, default=32)
    parser.add_argument('--max-untiled', type=int, default=1024,
                        help='also run untiled up to this size (0: never)')
    parser.add_argument('--threads', type=int, default=2, help='torch threads per worker')
    parser.add_argument('--workdir', default=None,
                        help='folder for the BigTIFF files (default: a temporary folder)')
    parser.add_argument('--table-from', default=None,
                        help='print the table from the JSON lines a run wrote to stderr')
    parser.add_argument('--worker', choices=['memory', 'untiled', 'bigtiff', 'prepare'],
                        default=None, help=argparse.SUPPRESS)
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


def _make_image(size: int):
    import cv2
    from skimage import data as skdata
    return cv2.resize(skdata.astronaut(), (size, size), interpolation=cv2.INTER_CUBIC)


def _tiff_paths(workdir: str, size: int) -> Dict[str, str]:
    return {'in': osp.join(workdir, f'in_{size}.tif'), 'out': osp.join(workdir, f'out_{size}.tif')}


def worker(args: argparse.Namespace) -> None:
    """One setting in this (fresh) process; prints one JSON line."""
    sys.path.insert(0, REPO_ROOT)
    paths = _tiff_paths(args.workdir, args.size)
    if args.worker == 'prepare':  # the BigTIFF input, written by a process of its own
        import tifffile
        tifffile.imwrite(paths['in'], _make_image(args.size), bigtiff=True, photometric='rgb')
        print(json.dumps(dict(prepared=paths['in'])))
        return
    import numpy as np
    import torch
    from skimage import data as skdata

    from irtoolbox.apis import init_model, restore_image, tile_spans
    torch.set_num_threads(args.threads)
    model = init_model(DEMO_CONFIG, cfg_options=MODELS[args.model])
    tile = None if args.worker == 'untiled' else args.tile
    # one tiny call first: library loading and thread pools are not per-image costs
    restore_image(model, skdata.astronaut()[:64, :64], tile=tile, tile_overlap=16)
    baseline_kb = _status_kb('VmRSS')
    reset = _reset_peak()
    if args.worker == 'bigtiff':
        start = time.perf_counter()
        result = restore_image(model, paths['in'], tile=tile, tile_overlap=args.overlap,
                               out=paths['out'], progress=False)
        seconds = time.perf_counter() - start
    else:
        image = _make_image(args.size)
        start = time.perf_counter()
        result = restore_image(model, image, tile=tile, tile_overlap=args.overlap,
                               progress=False)
        seconds = time.perf_counter() - start
    peak_kb = _status_kb('VmHWM')
    assert result.shape == (args.size, args.size, 3) and result.dtype == np.uint8
    pixels = args.size * args.size
    spans = tile_spans(args.size, args.tile, args.overlap) if tile else [(0, args.size)]
    tile_px = max(end - start for start, end in spans)
    if args.worker == 'bigtiff':
        # the input band (tile rows) and the output band (kept rows), full width
        io_mb = (tile_px + tile_px) * args.size * 3 / MB
    else:
        io_mb = 6 * pixels / MB  # the caller's uint8 image and the uint8 result
    print(json.dumps(dict(size=args.size, mode=args.worker, model=args.model,
                          tiles=len(spans) ** 2, tile_px=tile_px,
                          peak_mb=(peak_kb - baseline_kb) / 1024, io_mb=io_mb,
                          s_per_mp=seconds / (pixels / 1e6), hwm_reset=reset)))


def _run_worker(args: argparse.Namespace, size: int, mode: str) -> Dict:
    cmd = [sys.executable, osp.abspath(__file__), '--worker', mode, '--size', str(size),
           '--tile', str(args.tile), '--overlap', str(args.overlap), '--model', args.model,
           '--threads', str(args.threads), '--workdir', args.workdir]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ['(no output)']
        return dict(size=size, mode=mode, error=lines[-1])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_size(args: argparse.Namespace, size: int) -> List[Dict]:
    rows = []
    modes = (['untiled'] if size <= args.max_untiled else []) + \
        [m for m in ('memory', 'bigtiff') if m in args.modes]
    for mode in modes:
        if mode == 'bigtiff':
            prepared = _run_worker(args, size, 'prepare')
            if 'error' in prepared:
                rows.append(dict(size=size, mode=mode, error=prepared['error']))
                continue
        rows.append(_run_worker(args, size, mode))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        if mode == 'bigtiff':  # gigabytes of disk per size: keep only the current ones
            for path in _tiff_paths(args.workdir, size).values():
                if osp.exists(path):
                    os.remove(path)
    return rows


def _ratio_line(rows: List[Dict], mode: str, small: int, large: int, limit: float) -> str:
    by_size = {r['size']: r for r in rows if r['mode'] == mode and 'error' not in r}
    if small not in by_size or large not in by_size:
        return f'{mode}: peak {large}^2 / {small}^2: not measured'
    ratio = by_size[large]['peak_mb'] / by_size[small]['peak_mb']
    verdict = 'met' if ratio <= limit else 'NOT met'
    return (f'{mode}: peak {large}^2 / {small}^2 = {by_size[large]["peak_mb"]:.0f} / '
            f'{by_size[small]["peak_mb"]:.0f} MiB = {ratio:.2f}x (target <= {limit}x: {verdict})')


def print_table(rows: List[Dict], args: argparse.Namespace) -> None:
    model = next((r['model'] for r in rows if 'model' in r), args.model)
    print(f'model {model}, tile {args.tile}, overlap {args.overlap}, {args.threads} threads; '
          'memory in MiB over the post-init baseline')
    print(f'{"size":>6} {"mode":>8} {"tiles":>9} {"peak":>8} {"io":>8} {"work":>8} {"s/MP":>7}')
    for row in rows:
        if 'error' in row:
            print(f'{row["size"]:>6} {row["mode"]:>8} failed: {row["error"]}')
            continue
        tiles = f'{row["tiles"]}x{row["tile_px"]}'
        print(f'{row["size"]:>6} {row["mode"]:>8} {tiles:>9} {row["peak_mb"]:8.0f} '
              f'{row["io_mb"]:8.0f} {row["peak_mb"] - row["io_mb"]:8.0f} '
              f'{row["s_per_mp"]:7.2f}')
    print(_ratio_line(rows, 'memory', 1024, 4096, 1.5))
    largest = [r for r in rows if r['mode'] == 'memory' and r['size'] == 16384
               and 'error' not in r]
    if largest:
        peak = largest[0]['peak_mb']
        print(f'memory: peak 16384^2 = {peak:.0f} MiB (target < 2048 MiB: '
              f'{"met" if peak < 2048 else "NOT met"})')
    print(_ratio_line(rows, 'bigtiff', 4096, 16384, 1.5))


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return
    if args.table_from:  # re-print the table of a finished run's JSON lines
        with open(args.table_from) as f:
            print_table([json.loads(line) for line in f if line.startswith('{')], args)
        return
    own_workdir = args.workdir is None
    args.workdir = args.workdir or tempfile.mkdtemp(prefix='bench_tiled_')
    try:
        rows = [row for size in args.sizes for row in run_size(args, size)]
    finally:
        if own_workdir:
            shutil.rmtree(args.workdir, ignore_errors=True)
    print_table(rows, args)


if __name__ == '__main__':
    main()
