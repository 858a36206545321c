"""EMA through the real tools: tools/train.py with mmengine's EMAHook, tools/test.py on
its checkpoint, and a kill -9 resume that ends bit-identical, EMA included.

Oracles: the EMA recomputed by hand from the raw weights of every iteration's
checkpoint (mmengine's ``ExponentialMovingAverage``: a copy at the first
update, then ``ema = (1 - m) * ema + m * theta``); the uninterrupted run.
"""
import os.path as osp
import re

import torch
from conftest import reliability_helpers

from irtoolbox.utils.checkpoint import load_checkpoint_file

MOMENTUM, ITERS = 0.3, 4  # a large momentum: the EMA differs visibly from the raw weights


def _ema_config(tmp_path, demo_data, max_iters, checkpoint_every, kill=False):
    root = str(demo_data)
    hooks = "dict(type='SelfKillHook')" if kill else ''
    text = f'''
_base_ = [{reliability_helpers().DEMO!r}]
custom_imports = dict(imports=['reliability_killer'], allow_failed_imports=False)
train_dataloader = dict(batch_size=2, num_workers=0, dataset=dict(data_root={root!r}))
test_dataloader = dict(dataset=dict(data_root={root!r}))
model = dict(backbone=dict(mid_channels=8, num_blocks=1))
train_cfg = dict(max_iters={max_iters}, val_interval=100000)
val_cfg = None
val_dataloader = None
val_evaluator = None
default_hooks = dict(checkpoint=dict(interval={checkpoint_every}, max_keep_ckpts=10),
                     logger=dict(interval=1000))
custom_hooks = [dict(type='EMAHook', momentum={MOMENTUM}), dict(type='RNGStateHook'), {hooks}]
randomness = dict(seed=0, deterministic=True)
'''
    path = tmp_path / 'ema_demo.py'
    path.write_text(text)
    return str(path)


def _raw_weights(checkpoint):
    """The trained (non-averaged) weights: mmengine keeps them in ``ema_state_dict``."""
    return {k[len('module.'):]: v for k, v in checkpoint['ema_state_dict'].items()
            if k.startswith('module.')}


def _psnr_of_test_run(helpers, config, checkpoint, tmp_path, name):
    proc = helpers._run(['tools/test.py', config, checkpoint, '--work-dir',
                         str(tmp_path / name)], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = re.findall(r' PSNR: (-?[0-9.]+)', proc.stdout + proc.stderr)  # not degraded/PSNR
    assert found, (proc.stdout + proc.stderr)[-3000:]
    return float(found[-1])


def test_train_saves_the_ema_and_test_evaluates_it(tmp_path, demo_data):
    helpers = reliability_helpers()
    (tmp_path / 'reliability_killer.py').write_text(helpers._KILLER)
    config = _ema_config(tmp_path, demo_data, ITERS, checkpoint_every=1)
    work = str(tmp_path / 'train')
    proc = helpers._run(['tools/train.py', config, '--work-dir', work], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    steps = [load_checkpoint_file(osp.join(work, f'iter_{i}.pth')) for i in range(1, ITERS + 1)]
    ema = dict(_raw_weights(steps[0]))
    for checkpoint in steps[1:]:
        ema = {k: (1 - MOMENTUM) * v + MOMENTUM * _raw_weights(checkpoint)[k]
               for k, v in ema.items()}
    final = steps[-1]
    for key, value in ema.items():
        torch.testing.assert_close(final['state_dict'][key], value, rtol=1e-5, atol=1e-6)
    raw = _raw_weights(final)
    assert any(not torch.allclose(raw[k], ema[k]) for k in ema)

    # tools/test.py on the saved checkpoint scores the EMA, not the raw weights
    raw_path = str(tmp_path / 'raw.pth')
    torch.save(dict(state_dict=raw, meta=final.get('meta', {})), raw_path)
    psnr_ema = _psnr_of_test_run(helpers, config, osp.join(work, f'iter_{ITERS}.pth'),
                                 tmp_path, 'test_ema')
    psnr_raw = _psnr_of_test_run(helpers, config, raw_path, tmp_path, 'test_raw')
    assert psnr_ema != psnr_raw


def test_kill9_resume_with_ema_is_bit_identical(tmp_path, demo_data):
    helpers = reliability_helpers()
    config = _ema_config(tmp_path, demo_data, max_iters=6, checkpoint_every=2, kill=True)
    full, killed, _ = helpers.kill9_resume_matches(config, tmp_path, 6, 5, last_checkpoint_iter=4)
    reference = load_checkpoint_file(osp.join(full, 'iter_6.pth'))['ema_state_dict']
    resumed = load_checkpoint_file(osp.join(killed, 'iter_6.pth'))['ema_state_dict']
    assert reference.keys() == resumed.keys()
    for key, value in reference.items():
        assert torch.equal(resumed[key], value), key
