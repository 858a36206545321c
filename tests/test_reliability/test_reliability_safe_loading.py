"""Safe checkpoint loading: real mmengine checkpoints load, code-running ones are refused."""
import fractions
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import _load_checkpoint
from reliability_toys import CountingPairDataset, make_runner

from irtoolbox.utils.checkpoint import (
    UnsafeCheckpointError,
    install_safe_checkpointing,
    load_checkpoint_file,
    safe_checkpointing,
    safe_checkpointing_installed,
    uninstall_safe_checkpointing,
)


class _WritesAFile:
    """Unpickling this runs ``open(path, 'w').write(...)`` through ``eval``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return eval, (f"open({self.path!r}, 'w').write('pwned')",)


class _GetattrGadget:
    """Pickles as getattr(numpy.ndarray, 'tofile'): a file-writing callable."""

    def __reduce__(self):
        return getattr, (np.ndarray, 'tofile')


def _real_checkpoint(tmp_path):
    work = str(tmp_path / 'run')
    make_runner(work, CountingPairDataset(str(tmp_path / 'log')), max_iters=2,
                interval=2).train()
    return osp.join(work, 'iter_2.pth')


def test_real_mmengine_checkpoint_is_loaded_without_weights_only_false(tmp_path):
    path = _real_checkpoint(tmp_path)
    with pytest.raises(Exception, match='Unsupported global'):  # plain torch refuses it
        torch.load(path, weights_only=True)
    ckpt = load_checkpoint_file(path)
    assert ckpt['meta']['iter'] == 2
    reference = torch.load(path, weights_only=False)  # trusted: our own file
    for key, value in reference['state_dict'].items():
        assert torch.equal(ckpt['state_dict'][key], value)
    assert ckpt['message_hub']['log_scalars']['train/loss_mse'].mean() == \
        reference['message_hub']['log_scalars']['train/loss_mse'].mean()
    # the path every mmengine load takes (resume, load_from, init_cfg)
    with safe_checkpointing():
        assert _load_checkpoint(path)['meta']['iter'] == 2


def test_file_writing_pickle_is_refused_and_runs_nothing(tmp_path):
    target = tmp_path / 'pwned.txt'
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, meta=_WritesAFile(str(target))), path)
    with pytest.raises(UnsafeCheckpointError, match=r'builtins\.eval.*--unsafe-load'):
        load_checkpoint_file(path)
    with safe_checkpointing(), pytest.raises(UnsafeCheckpointError, match=r'builtins\.eval'):
        _load_checkpoint(path)
    assert not target.exists()


def test_getattr_is_limited_to_history_buffer_methods(tmp_path):
    path = str(tmp_path / 'gadget.pth')
    torch.save(dict(x=_GetattrGadget()), path)
    with pytest.raises(UnsafeCheckpointError, match=r"getattr\(ndarray, 'tofile'\)"):
        load_checkpoint_file(path)


def test_unsafe_opt_in_loads_with_a_loud_warning(tmp_path):
    path = str(tmp_path / 'fraction.pth')
    torch.save(dict(value=fractions.Fraction(1, 3)), path)
    with pytest.raises(UnsafeCheckpointError, match=r'fractions\.Fraction'):
        load_checkpoint_file(path)
    with pytest.warns(UserWarning, match='UNSAFE checkpoint loading'):
        assert load_checkpoint_file(path, unsafe=True)['value'] == fractions.Fraction(1, 3)
    install_safe_checkpointing(unsafe=True)
    try:
        with pytest.warns(UserWarning, match='UNSAFE'):
            assert _load_checkpoint(path)['value'] == fractions.Fraction(1, 3)
    finally:
        uninstall_safe_checkpointing()


def test_a_run_loads_safely_and_gives_mmengine_its_loader_back(tmp_path):
    """A Runner with SafeCheckpointHook refuses a code-running load_from; mmengine's
    own loader is back once the run ends (nothing installed beyond the run)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    # An earlier run of this process that raised stopped before its after_run
    # and left safe loading installed (documented): start from mmengine's state.
    uninstall_safe_checkpointing()
    mmengine_loader = CheckpointLoader._schemes['']
    assert mmengine_loader.__module__ == 'mmengine.runner.checkpoint'
    target = tmp_path / 'pwned.txt'
    evil = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, meta=_WritesAFile(str(target))), evil)
    runner = make_runner(str(tmp_path / 'run'), CountingPairDataset(str(tmp_path / 'log')),
                         max_iters=2, interval=2, load_from=evil)
    with pytest.raises(UnsafeCheckpointError, match=r'builtins\.eval'):
        runner.train()
    assert not target.exists()
    uninstall_safe_checkpointing()  # the failed run stopped before after_run
    runner = make_runner(str(tmp_path / 'run2'), CountingPairDataset(str(tmp_path / 'log2')),
                         max_iters=2, interval=2)
    runner.train()
    assert CheckpointLoader._schemes[''] is mmengine_loader
    assert not safe_checkpointing_installed()


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.pth'):
        load_checkpoint_file(str(tmp_path / 'nothere.pth'))
