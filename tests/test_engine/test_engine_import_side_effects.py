"""Importing irtoolbox changes nothing in mmengine or torch.

In a fresh interpreter, the third-party packages irtoolbox uses are imported
first (their own registrations are theirs); then every attribute of
``mmengine.runner.checkpoint`` (``save_checkpoint``, ``load_from_http`` ...),
the names ``save_checkpoint`` in ``mmengine.runner`` and ``mmengine.runner.runner``,
``CheckpointLoader``'s schemes, the members of every mmengine root registry
(``CheckpointHook`` included), mmengine's file backends, ``torch.load``,
``torch.save`` and torch's weights-only allowlist are recorded; then
``irtoolbox`` and every one of its submodules (found by walking the package)
are imported, and each recorded object must be the very same object.

The one expected difference is a *new* name: the ``lmdb_lazy`` file backend
(``irtoolbox.datasets.lmdb_backend``) registers itself with mmengine's file
backends at import, as any mmengine plugin adds its members; no existing
entry may be replaced or removed.
"""
import json
import subprocess
import sys

from conftest import REPO_ROOT

_PROBE = r'''
import importlib, json, pkgutil, sys

import cv2, lmdb, mmcv.cnn, numpy, torch  # noqa: F401  third-party registrations first
import mmengine.fileio.backends.registry_utils as backends
import mmengine.hooks, mmengine.registry, mmengine.runner  # noqa: F401
import mmengine.runner.checkpoint as mm_ckpt
import mmengine.runner.runner as mm_runner
from mmengine.registry import Registry


def snapshot():
    state = {f'mmengine.runner.checkpoint.{k}': v for k, v in vars(mm_ckpt).items()
             if not k.startswith('__')}
    state['mmengine.runner.save_checkpoint'] = mmengine.runner.save_checkpoint
    state['mmengine.runner.runner.save_checkpoint'] = mm_runner.save_checkpoint
    state['mmengine.runner.checkpoint.CheckpointLoader._schemes'] = dict(
        mm_ckpt.CheckpointLoader._schemes)
    for name, root in vars(mmengine.registry).items():
        if isinstance(root, Registry):
            state[f'mmengine.registry.{name}.module_dict'] = dict(root.module_dict)
    state['mmengine HOOKS CheckpointHook'] = mmengine.registry.HOOKS.get('CheckpointHook')
    state['mmengine.fileio backends'] = dict(backends.backends)
    state['mmengine.fileio prefix_to_backends'] = dict(backends.prefix_to_backends)
    state['torch.load'] = torch.load
    state['torch.save'] = torch.save
    state['torch.serialization.get_safe_globals()'] = list(
        torch.serialization.get_safe_globals())
    return state


def changed(before, after):
    report = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            diff = sorted(str(k) for k in set(old) | set(new) if old.get(k) is not new.get(k))
            if diff:
                report.append(f'{key}: {diff}')
        elif isinstance(old, list) and isinstance(new, list):
            if len(old) != len(new) or any(a is not b for a, b in zip(old, new)):
                report.append(f'{key}: {len(old)} -> {len(new)} entries')
        elif old is not new:
            report.append(key)
    return report


before = snapshot()
import irtoolbox
modules = ['irtoolbox']
for info in pkgutil.walk_packages(irtoolbox.__path__, 'irtoolbox.'):
    importlib.import_module(info.name)
    modules.append(info.name)
print(json.dumps(dict(modules=modules, changed=changed(before, snapshot()))))
'''


def test_importing_every_irtoolbox_module_leaves_mmengine_and_torch_unchanged():
    proc = subprocess.run([sys.executable, '-c', _PROBE], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # the walk really reached the parts that used to patch mmengine
    for name in ('irtoolbox.engine', 'irtoolbox.engine.hooks.safe_checkpoint_hook',
                 'irtoolbox.utils.checkpoint', 'irtoolbox.apis', 'irtoolbox.models',
                 'irtoolbox.datasets', 'irtoolbox.evaluation', 'irtoolbox.registry'):
        assert name in result['modules']
    # a new name of irtoolbox's own, not a change of anything mmengine had
    changed = [c for c in result['changed'] if c != "mmengine.fileio backends: ['lmdb_lazy']"]
    assert changed == [], 'importing irtoolbox changed: ' + '; '.join(changed)
