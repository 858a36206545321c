"""One loading rule for every tool (issue 21, item 1): a checkpoint that does
not fit the config's model stops with one message naming the checkpoint, the
model and the keys (shapes printed); ``load_from_strict=False`` is the explicit,
logged partial load; a truncated file is named."""
import logging
import sys

import pytest
import torch
from conftest import DEMO_CONFIG, run_tool
from mmengine.logging import MMLogger

from irtoolbox.apis import init_model
from irtoolbox.utils.checkpoint import (
    CheckpointMismatchError,
    CheckpointReadError,
    load_checkpoint_file,
    load_weights_checked,
)

TINY = {'model.backbone.mid_channels': 8, 'model.backbone.num_blocks': 1}
OTHER = {'model.backbone.mid_channels': 16, 'model.backbone.num_blocks': 2}


@pytest.fixture(scope='module')
def other_checkpoint(tmp_path_factory):
    """A checkpoint of a wider, deeper model than the tiny one the tools build."""
    path = tmp_path_factory.mktemp('strict') / 'other_model.pth'
    model = init_model(DEMO_CONFIG, cfg_options=OTHER)
    torch.save({'meta': {'iter': 1}, 'state_dict': model.state_dict()}, path)
    return path


def test_test_tool_refuses_another_models_checkpoint(demo_data, other_checkpoint, tmp_path):
    options = [f'{k}={v}' for k, v in TINY.items()]
    proc = run_tool([sys.executable, 'tools/test.py', DEMO_CONFIG, str(other_checkpoint),
                     '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                     f'test_dataloader.dataset.data_root={demo_data}', *options], check=False)
    assert proc.returncode == 1, proc.stdout[-2000:]
    error = proc.stderr.strip().splitlines()
    assert len(error) == 2 and 'CheckpointMismatchError' in error[0], proc.stderr[-3000:]
    assert str(other_checkpoint) in error[0] and 'does not fit Restorer' in error[0]
    # hand count: num_blocks 2 -> 1 leaves the second block's conv pair unexpected
    assert 'unexpected: backbone.' in error[0]
    # mid_channels 16 -> 8: the first conv is 16x3x3x3 in the file, 8x3x3x3 in the model
    assert '(checkpoint (16, 3, 3, 3), model (8, 3, 3, 3))' in error[0]
    assert 'Iter(test)' not in proc.stdout  # nothing was evaluated


def test_test_tool_refuses_no_checkpoint_for_a_trained_restorer(tmp_path):
    """'none' is for the latent restorer (its parts read their own files): a
    Restorer scored without weights would report figures of an untrained model."""
    proc = run_tool([sys.executable, 'tools/test.py', DEMO_CONFIG, 'none',
                     '--work-dir', str(tmp_path / 'work')], check=False)
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "checkpoint 'none' is for models" in proc.stderr and 'Restorer' in proc.stderr
    assert 'Iter(test)' not in proc.stdout


def test_init_model_partial_load_is_explicit_and_logged(other_checkpoint):
    with pytest.raises(CheckpointMismatchError, match='mis-shaped'):
        init_model(DEMO_CONFIG, str(other_checkpoint), cfg_options=TINY)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        model = init_model(DEMO_CONFIG, str(other_checkpoint),
                           cfg_options=dict(OTHER, **{'model.backbone.num_blocks': 1,
                                                      'load_from_strict': False}))
    finally:
        logger.removeHandler(handler)
    logged = ' '.join(r.getMessage() for r in records)
    assert 'partial load (load_from_strict=False)' in logged and 'unexpected' in logged
    saved = torch.load(other_checkpoint)['state_dict']
    for key, value in model.state_dict().items():  # every fitting key was loaded
        assert torch.equal(value, saved[key]), key


def test_mismatch_of_a_bare_state_dict_counts_keys():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 4, 1))
    state = {'0.weight': torch.zeros(4, 3, 3, 3), '0.bias': torch.zeros(5), 'x': torch.zeros(1)}
    with pytest.raises(CheckpointMismatchError) as info:
        load_weights_checked(model, state, 'bare.pth')
    message = str(info.value)
    # by hand: 1.weight and 1.bias missing, x unexpected, 0.bias (5,) vs (4,)
    assert '2 missing: 1.weight, 1.bias' in message and '1 unexpected: x' in message
    assert '0.bias (checkpoint (5,), model (4,))' in message
    assert 'Sequential' in message and 'bare.pth' in message


def test_truncated_checkpoint_is_named(other_checkpoint, tmp_path):
    cut = tmp_path / 'cut.pth'
    data = other_checkpoint.read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    with pytest.raises(CheckpointReadError, match=r'cut\.pth.*truncated or corrupt'):
        load_checkpoint_file(str(cut))
