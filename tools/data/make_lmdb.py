"""Build a BasicSR/mmagic-compatible LMDB from a folder of images.

Usage::

    python tools/data/make_lmdb.py INPUT_FOLDER OUTPUT.lmdb [--raw] [--compress-level 1]
        [--map-size auto] [--workers N] [--recursive] [--overwrite] [--commit-interval 100]

Keys are file names without their last extension (``0001.x2.png`` ->
``0001.x2``); ``meta_info.txt`` inside ``OUTPUT.lmdb`` lists
``name.png (h,w,c) compress_level``. Only the top level of INPUT_FOLDER is
read unless ``--recursive`` (keys are then relative paths, ``sub/0001``).
Values are PNG bytes re-encoded at ``--compress-level`` (as BasicSR), or with
``--raw`` the decoded uint8/uint16 array in OpenCV's BGR order (H x W x C,
H x W for grayscale) saved with ``np.save``: faster to read, larger on disk.

The database is built in ``OUTPUT.lmdb.tmp-<pid>`` and renamed to
``OUTPUT.lmdb`` only when complete, so an interrupted build never leaves a
half-written database; an existing OUTPUT is replaced only with
``--overwrite``, and only at the end. See ``docs/lmdb.md`` and
``irtoolbox/datasets/lmdb_writer.py``.

Read it back with ``backend_args=dict(backend='lmdb_lazy', db_path='OUTPUT.lmdb')``.
"""
import argparse
import os
import sys
from typing import List, Optional

from irtoolbox.datasets.lmdb_writer import make_lmdb, parse_map_size


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Build a BasicSR/mmagic-compatible LMDB from an image folder.')
    parser.add_argument('input_folder', help='folder with the images')
    parser.add_argument('output', help='database to create, must end with .lmdb')
    parser.add_argument('--raw', action='store_true',
                        help='store decoded arrays (np.save, BGR, HxWxC) instead of PNG bytes')
    parser.add_argument('--compress-level', type=int, default=1, choices=range(10),
                        metavar='0-9', help='PNG compression level (default: 1, as BasicSR)')
    parser.add_argument('--map-size', default='auto',
                        help="'auto' (estimated from the data) or a size such as 20G")
    parser.add_argument('--workers', type=int, default=min(4, os.cpu_count() or 1),
                        help='threads reading/encoding images (default: min(4, cpus))')
    parser.add_argument('--recursive', action='store_true',
                        help='include sub-folders; keys become relative paths')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing OUTPUT (only once the new one is complete)')
    parser.add_argument('--commit-interval', type=int, default=100,
                        help='images per write transaction (default: 100)')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    args = parser.parse_args(argv)
    try:
        parse_map_size(args.map_size)
    except ValueError as err:
        parser.error(str(err))
    return args


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        output = make_lmdb(args.input_folder, args.output, raw=args.raw,
                           compress_level=args.compress_level, map_size=args.map_size,
                           workers=args.workers, recursive=args.recursive,
                           overwrite=args.overwrite, commit_interval=args.commit_interval,
                           progress=not args.no_progress)
    except (OSError, ValueError) as err:
        print(f'make_lmdb.py: error: {err}', file=sys.stderr)
        return 1
    print(f'Wrote {output}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
