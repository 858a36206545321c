"""retain_freed_memory: a loading process stops page-faulting each sample's memory in again.

Oracle: the kernel's count of minor page faults (``getrusage``) of a fresh
process that loads a pair of 512 x 512 raw-LMDB images per iteration, holding
both until a crop (as a paired pipeline does), with and without the tuning.
"""
import json
import os
import platform
import subprocess
import sys

import cv2
import pytest
import skimage.data

from irtoolbox.datasets.lmdb_writer import make_lmdb

SCRIPT = r'''
import json, os, resource, sys
from irtoolbox.datasets import malloc_tuning
from irtoolbox.datasets.image_io import load_image

root = sys.argv[2]
tuned = malloc_tuning.retain_freed_memory() if sys.argv[1] == 'tune' else False
backend = dict(backend='lmdb_lazy')

def sample(i):  # a pair held together until the crop, as in a paired pipeline
    images = [load_image(os.path.join(root, 'gt.lmdb', str((i + k) % 4)), backend_args=backend,
                         to_float32=False) for k in (0, 1)]
    return [img[:96, :96].copy() for img in images]

for i in range(5):
    sample(i)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for i in range(40):
    sample(i)
faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 40
print(json.dumps(dict(tuned=tuned, faults=faults)))
'''

glibc_only = pytest.mark.skipif(
    platform.system() != 'Linux' or platform.libc_ver()[0] != 'glibc',
    reason='mallopt tuning is glibc-only')


def raw_lmdb(root) -> str:
    """root/gt.lmdb: 4 raw 512 x 512 photographs (written here, not in the measured process:
    what a process freed before changes glibc's dynamic thresholds)."""
    (root / 'gt').mkdir(parents=True)
    for i, img in enumerate([skimage.data.astronaut(), skimage.data.coffee()] * 2):
        assert cv2.imwrite(str(root / 'gt' / f'{i}.png'), cv2.resize(img, (512, 512)))
    make_lmdb(root / 'gt', root / 'gt.lmdb', raw=True, workers=1, progress=False)
    return str(root)


def run(mode: str, root, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items()
             if k not in ('MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_', 'GLIBC_TUNABLES')}
    out = subprocess.run([sys.executable, '-c', SCRIPT, mode, str(root)], env={**clean, **env},
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@glibc_only
def test_tuned_process_reuses_freed_image_memory(tmp_path):
    root = raw_lmdb(tmp_path)
    plain, tuned = run('plain', root), run('tune', root)
    assert tuned['tuned'] is True
    if plain['faults'] < 100:
        pytest.skip(f'this malloc does not trim between samples ({plain["faults"]} faults)')
    # two 768 KiB images = 384 pages per sample when the memory is returned each time
    assert tuned['faults'] < 50, (plain, tuned)


@glibc_only
def test_user_malloc_settings_are_left_alone(tmp_path):
    result = run('tune', raw_lmdb(tmp_path), MALLOC_TRIM_THRESHOLD_='131072')
    assert result['tuned'] is False
