"""Prepare a trained checkpoint for release (the OpenMMLab ``publish_model``).

Drops the training state (``optimizer``, ``param_schedulers``/``scheduler``,
``message_hub``), keeps ``meta`` and ``state_dict``, and writes
``OUT_STEM-<first 8 hex of the written file's sha256>.pth`` next to OUT
(atomically: a temporary file, then renamed).

    python tools/model_converters/publish_model.py work_dirs/x/iter_300000.pth \
        checkpoints/restormer_derain.pth      # -> checkpoints/restormer_derain-1a2b3c4d.pth
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
from typing import List, Optional

import torch

from irtoolbox.utils.checkpoint import load_checkpoint_file
from irtoolbox.utils.model_conversion import sha256_of

#: training-only entries of an mmengine checkpoint
TRAINING_STATE = ('optimizer', 'param_schedulers', 'scheduler', 'message_hub')


def publish(src: str, out: str) -> str:
    """Write the published file; returns its final path."""
    checkpoint = load_checkpoint_file(src)  # safe loader: mmengine checkpoints allowed
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise ValueError(f'{src}: not an mmengine/irtoolbox checkpoint (no state_dict)')
    kept = {k: v for k, v in checkpoint.items() if k not in TRAINING_STATE}
    folder = osp.dirname(osp.abspath(out))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix='.tmp')
    os.close(fd)
    try:
        torch.save(kept, tmp)
        stem = osp.splitext(osp.basename(out))[0]
        final = osp.join(folder, f'{stem}-{sha256_of(tmp)[:8]}.pth')
        os.replace(tmp, final)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    return final


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='trained checkpoint')
    parser.add_argument('out', help='output name; the sha256 prefix is appended to its stem')
    args = parser.parse_args(argv)
    try:
        final = publish(args.src, args.out)
    except (ValueError, RuntimeError, FileNotFoundError) as error:
        print(f'publish_model.py: error: {error}', file=sys.stderr)
        return 1
    print(f'publish_model: {final}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
