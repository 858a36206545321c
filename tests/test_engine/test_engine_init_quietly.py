"""Initialising a model outside a Runner without mmengine's per-parameter report on
the console (issue 21: 357 lines of init INFO from the PixelCNN README's generator
snippet). ``init_weights_quietly`` gives the report a file instead, as a Runner does.
"""
import torch

from irtoolbox.registry import MODELS
from irtoolbox.utils.setup_env import init_weights_quietly

TINY_G = dict(type='StyleGAN2Generator', resolution=8, z_dim=4, w_dim=4, mapping_layers=1,
              channel_base=16, channel_max=4)


def _built(seed):
    torch.manual_seed(seed)
    return MODELS.build(TINY_G)


def test_quiet_init_writes_nothing_and_initialises_the_same(capsys, tmp_path):
    plain, quiet = _built(0), _built(0)
    torch.manual_seed(1)
    plain.init_weights()
    capsys.readouterr()
    torch.manual_seed(1)
    init_weights_quietly(quiet, log_file=str(tmp_path / 'init.log'))
    out = capsys.readouterr()
    assert out.out == '' and out.err == ''
    for (name, a), b in zip(plain.state_dict().items(), quiet.state_dict().values()):
        assert torch.equal(a, b), name
    report = (tmp_path / 'init.log').read_text()
    assert sum(1 for _ in quiet.named_parameters()) == report.count('torch.Size')
    init_weights_quietly(_built(1))  # no file: the report is dropped
    out = capsys.readouterr()
    assert out.out == '' and out.err == ''
