"""Crash-safe saving: a save that dies midway leaves the previous checkpoint and pointer intact."""
import errno
import os
import os.path as osp
import random
import resource
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch
from mmengine.hooks import Hook
from reliability_toys import CountingPairDataset, DropoutRegressor, make_runner

import irtoolbox.utils.checkpoint as ckpt_utils
from irtoolbox.utils.checkpoint import load_checkpoint_file

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_failed_save_keeps_previous_checkpoint_and_pointer(tmp_path, monkeypatch):
    """max_keep_ckpts=1: mmengine would delete iter_2 first and leave a partial iter_4."""
    work = str(tmp_path / 'run')
    real_save, calls = torch.save, []

    def save_that_dies_on_second_call(obj, f, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            f.write(b'PK\x03\x04 half a checkpoint')  # partial bytes, then the "crash"
            raise OSError('disk full (simulated)')
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(ckpt_utils.torch, 'save', save_that_dies_on_second_call)
    runner = make_runner(work, CountingPairDataset(str(tmp_path / 'log')), max_iters=6,
                         interval=2, max_keep_ckpts=1)
    with pytest.raises(OSError, match='disk full'):
        runner.train()
    leftovers = [f for f in os.listdir(work) if f.endswith(('.pth', '.tmp'))]
    assert leftovers == ['iter_2.pth']  # no partial iter_4, no temporary file
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read() == osp.join(work, 'iter_2.pth')
    monkeypatch.undo()
    assert load_checkpoint_file(osp.join(work, 'iter_2.pth'))['meta']['iter'] == 2


class _BallastRegressor(DropoutRegressor):
    """A 4 MB checkpoint: far larger than any log line written meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer('ballast', torch.zeros(1_000_000))


class _FileSizeLimitAtSecondSave(Hook):
    """Before the second save, the process may only write files up to half a
    checkpoint: the write stops partway with EFBIG, as on a full disk."""

    def __init__(self) -> None:
        self.saves = 0

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        self.saves += 1
        if self.saves == 2:
            size = osp.getsize(osp.join(runner.work_dir, 'iter_2.pth'))
            resource.setrlimit(resource.RLIMIT_FSIZE,
                               (size // 2, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


def test_save_stopped_partway_by_the_os_leaves_no_partial_file(tmp_path):
    """A real partial write (RLIMIT_FSIZE) through the Runner, mmengine's
    save_checkpoint and the hook's atomic backend: mmengine's own writer
    would leave a truncated iter_4.pth under its final name."""
    work = str(tmp_path / 'run')
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
    try:
        runner = make_runner(work, CountingPairDataset(str(tmp_path / 'log')), max_iters=6,
                             interval=2, max_keep_ckpts=1, model=_BallastRegressor(),
                             custom_hooks=[dict(type='RNGStateHook'),
                                           _FileSizeLimitAtSecondSave()])
        with pytest.raises(OSError) as error:
            runner.train()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, previous)
    assert error.value.errno == errno.EFBIG
    leftovers = sorted(f for f in os.listdir(work) if f.endswith(('.pth', '.tmp')))
    assert leftovers == ['iter_2.pth']
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read() == osp.join(work, 'iter_2.pth')
    assert load_checkpoint_file(osp.join(work, 'iter_2.pth'))['meta']['iter'] == 2


_SAVER = textwrap.dedent('''
    import os, sys, torch
    sys.path.insert(0, {repo!r})
    from mmengine.runner.checkpoint import save_checkpoint
    from irtoolbox.utils.checkpoint import (ATOMIC_BACKEND, atomic_write_text,
                                            register_atomic_backend)
    register_atomic_backend()
    folder = sys.argv[1]
    for i in range(10_000):
        path = os.path.join(folder, f'iter_{{i % 2}}.pth')
        # mmengine's own writer, with the backend SafeCheckpointHook passes it
        save_checkpoint(dict(step=i, w=torch.full((2_000_000,), float(i))), path,
                        backend_args=dict(backend=ATOMIC_BACKEND))
        atomic_write_text(os.path.join(folder, 'last_checkpoint'), path)
''')


@pytest.mark.slow
def test_sigkill_during_repeated_saves_never_breaks_the_latest(tmp_path):
    script = tmp_path / 'saver.py'
    script.write_text(_SAVER.format(repo=REPO))
    rng = random.Random(0)
    for round_idx in range(2):
        folder = tmp_path / f'round{round_idx}'
        folder.mkdir()
        proc = subprocess.Popen([sys.executable, str(script), str(folder)])
        deadline = time.time() + 60
        while not (folder / 'last_checkpoint').exists() and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))  # kill at a random moment of a later save
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        latest = (folder / 'last_checkpoint').read_text()
        ckpt = load_checkpoint_file(latest)
        assert torch.equal(ckpt['w'], torch.full((2_000_000,), float(ckpt['step'])))
        for name in os.listdir(folder):  # any complete-named checkpoint is whole too
            if name.endswith('.pth'):
                other = load_checkpoint_file(str(folder / name))
                assert bool((other['w'] == other['step']).all())
