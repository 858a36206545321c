"""End to end through the tools: kill -9 mid-training, --resume, bit-identical weights;
tools/test.py refuses a code-running checkpoint in one line."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from irtoolbox.utils.checkpoint import load_checkpoint_file

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'demo', 'residualcnn_c32b4_1xb8-400it_demo-blur-noise-jpeg.py')
MAX_ITERS, KILL_AT = 20, 13

# Kills its own process with SIGKILL after iteration KILL_AT (checkpoints at 5 and 10 exist),
# only when IRT_TEST_KILL_AT is set: a real, deterministic kill -9 in mid-training.
_KILLER = '''
import os, signal
from mmengine.hooks import Hook
from irtoolbox.registry import HOOKS

@HOOKS.register_module()
class SelfKillHook(Hook):
    priority = 'LOWEST'

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if str(runner.iter + 1) == os.environ.get('IRT_TEST_KILL_AT'):
            os.kill(os.getpid(), signal.SIGKILL)
'''


def _config(tmp_path, demo_data):
    (tmp_path / 'reliability_killer.py').write_text(_KILLER)
    root = str(demo_data)
    text = f'''
_base_ = [{DEMO!r}]
custom_imports = dict(imports=['reliability_killer'], allow_failed_imports=False)
train_dataloader = dict(batch_size=2, num_workers=0, dataset=dict(data_root={root!r}))
val_dataloader = dict(dataset=dict(data_root={root!r}))
test_dataloader = val_dataloader
model = dict(backbone=dict(mid_channels=8, num_blocks=1))
train_cfg = dict(max_iters={MAX_ITERS}, val_interval=100000)
val_cfg = None
val_dataloader = None
val_evaluator = None
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, T_max={MAX_ITERS},
                        eta_min=1e-5)]
default_hooks = dict(checkpoint=dict(interval=5, max_keep_ckpts=2, save_last=True),
                     logger=dict(interval=1000))
custom_hooks = [dict(type='NonFiniteLossGuardHook'), dict(type='RNGStateHook'),
                dict(type='SelfKillHook')]
randomness = dict(seed=0, deterministic=True)
log_level = 'WARNING'
'''
    path = tmp_path / 'tiny_demo.py'
    path.write_text(text)
    return str(path)


def _env(tmp_path, kill_at=None):
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([str(tmp_path), REPO]))
    env.pop('IRT_TEST_KILL_AT', None)
    if kill_at is not None:
        env['IRT_TEST_KILL_AT'] = str(kill_at)
    return env


def _run(args, tmp_path, kill_at=None):
    return subprocess.run([sys.executable] + args, cwd=REPO, env=_env(tmp_path, kill_at),
                          capture_output=True, text=True, timeout=240)


def _run_both(full_args, killed_args, tmp_path, kill_at):
    """The uninterrupted and the killed run at once (two one-thread processes on
    separate work dirs: their results do not depend on each other or on the
    load, as a bit-identical resume must not). Returns both finished processes."""
    procs = [subprocess.Popen([sys.executable] + args, cwd=REPO, env=_env(tmp_path, kill),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for args, kill in ((full_args, None), (killed_args, kill_at))]
    done = []
    for proc in procs:
        try:
            stdout, stderr = proc.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            for other in procs:
                other.kill()
            raise
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return done


def kill9_resume_matches(config, tmp_path, max_iters, kill_at, last_checkpoint_iter=None):
    """Train ``config`` (built with the kill hook) once uninterrupted and once killed with
    SIGKILL after iteration ``kill_at`` then ``--resume``d; assert both end with bit-identical
    weights at ``max_iters``. With ``last_checkpoint_iter``, also assert that the killed run's
    ``last_checkpoint`` names that iteration's file. Used by the paper folders' tool tests;
    the killer module is written to ``tmp_path`` here. Returns (full, killed work dirs, final
    state dict)."""
    (tmp_path / 'reliability_killer.py').write_text(_KILLER)
    full, killed = str(tmp_path / 'full'), str(tmp_path / 'killed')
    proc, killed_proc = _run_both(['tools/train.py', config, '--work-dir', full],
                                  ['tools/train.py', config, '--work-dir', killed], tmp_path,
                                  kill_at)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert killed_proc.returncode == -9, killed_proc.stderr[-3000:]
    assert not osp.exists(osp.join(killed, f'iter_{max_iters}.pth'))
    if last_checkpoint_iter is not None:
        with open(osp.join(killed, 'last_checkpoint')) as f:
            assert f.read() == osp.join(killed, f'iter_{last_checkpoint_iter}.pth')
    proc = _run(['tools/train.py', config, '--work-dir', killed, '--resume'], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    reference = load_checkpoint_file(osp.join(full, f'iter_{max_iters}.pth'))['state_dict']
    resumed = load_checkpoint_file(osp.join(killed, f'iter_{max_iters}.pth'))['state_dict']
    assert reference.keys() == resumed.keys()
    for key, value in reference.items():
        assert torch.equal(resumed[key], value), key
    return full, killed, reference


@pytest.mark.slow
def test_train_kill9_then_resume_matches_uninterrupted(tmp_path, demo_data):
    config = _config(tmp_path, demo_data)
    full, killed = str(tmp_path / 'full'), str(tmp_path / 'killed')
    proc, killed_proc = _run_both(['tools/train.py', config, '--work-dir', full],
                                  ['tools/train.py', config, '--work-dir', killed], tmp_path,
                                  KILL_AT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert killed_proc.returncode == -9, killed_proc.stderr[-3000:]
    with open(osp.join(killed, 'last_checkpoint')) as f:
        assert f.read() == osp.join(killed, 'iter_10.pth')
    assert not osp.exists(osp.join(killed, f'iter_{MAX_ITERS}.pth'))

    proc = _run(['tools/train.py', config, '--work-dir', killed, '--resume'], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    reference = load_checkpoint_file(osp.join(full, f'iter_{MAX_ITERS}.pth'))
    resumed = load_checkpoint_file(osp.join(killed, f'iter_{MAX_ITERS}.pth'))
    assert reference['state_dict'].keys() == resumed['state_dict'].keys()
    for key, value in reference['state_dict'].items():
        assert torch.equal(resumed['state_dict'][key], value), key


class _WritesAFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return eval, (f"open({self.path!r}, 'w').write('pwned')",)


@pytest.mark.slow
def test_test_tool_refuses_code_running_checkpoint(tmp_path, demo_data):
    config = _config(tmp_path, demo_data)
    target = tmp_path / 'pwned.txt'
    evil = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, meta=_WritesAFile(str(target))), evil)
    proc = _run(['tools/test.py', config, evil, '--work-dir', str(tmp_path / 'test')], tmp_path)
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if 'error' in line.lower()]
    assert len(errors) == 1, proc.stderr[-3000:]
    assert 'builtins.eval' in errors[0] and '--unsafe-load' in errors[0]
    assert not target.exists()
