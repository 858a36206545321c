"""A distributed run builds without deprecation or thread-count warnings (issue 21).

2-process GAN runs printed, on every rank, torch 2.13's FutureWarning
"`broadcast_buffers` is deprecated. Use `forward_sync_buffers`" (the GAN
configs' ``MMSeparateDistributedDataParallel`` passes ``broadcast_buffers``)
and mmengine's UserWarning "Setting MKL_NUM_THREADS environment variable for
each process to be 1" (torchrun sets only OMP_NUM_THREADS). Here a real
``StrictLoadRunner`` is built by the tools' own steps (``load_config``,
``setup_launcher``) in a one-process gloo group with the GAN configs' wrapper.
"""
import inspect
import os
import warnings

import pytest
import torch.distributed as dist
from conftest import DEMO_CONFIG, free_port
from torch.nn.parallel import DistributedDataParallel

from irtoolbox.utils.launch import ddp_buffer_sync_spelling, load_config, setup_launcher

GAN_WRAPPER = dict(type='MMSeparateDistributedDataParallel', broadcast_buffers=False,
                   find_unused_parameters=False)
NEW_SPELLING = 'forward_sync_buffers' in inspect.signature(DistributedDataParallel).parameters


@pytest.fixture
def one_process_group(monkeypatch):
    for name, value in dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0', MASTER_ADDR='127.0.0.1',
                            MASTER_PORT=str(free_port())).items():
        monkeypatch.setenv(name, value)
    # unset, as MKL under torchrun; restored afterwards (setup_launcher sets both)
    monkeypatch.delenv('MKL_NUM_THREADS', raising=False)
    monkeypatch.delenv('OMP_NUM_THREADS', raising=False)
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


def test_distributed_runner_builds_without_warnings(one_process_group, tmp_path):
    from irtoolbox.engine.runner import StrictLoadRunner
    cfg = load_config(DEMO_CONFIG, None, str(tmp_path / 'work'))
    cfg.model_wrapper_cfg = dict(GAN_WRAPPER)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        setup_launcher(cfg, 'pytorch')
        runner = StrictLoadRunner.from_cfg(cfg)
    messages = [f'{w.category.__name__}: {w.message}' for w in caught]
    assert not [m for m in messages if 'broadcast_buffers' in m or 'NUM_THREADS' in m], messages
    # what mmengine would have set, with a warning
    assert os.environ['MKL_NUM_THREADS'] == os.environ['OMP_NUM_THREADS'] == '1'
    wrapped = runner.model.module.backbone  # each part wrapped separately, as the GAN configs
    assert isinstance(wrapped, DistributedDataParallel)
    if NEW_SPELLING:  # the meaning of broadcast_buffers=False: no buffer sync in forward
        assert wrapped.forward_sync_buffers is False


@pytest.mark.skipif(not NEW_SPELLING, reason='this torch has only broadcast_buffers')
def test_spelling_moves_the_flag():
    assert ddp_buffer_sync_spelling(dict(GAN_WRAPPER)) == dict(
        type='MMSeparateDistributedDataParallel', broadcast_buffers=None,
        forward_sync_buffers=False, find_unused_parameters=False)
    unset = dict(type='MMDistributedDataParallel')
    assert ddp_buffer_sync_spelling(unset) == unset  # DDP's own default stays
