"""``None`` means none (docs/contributing.md; issue 17 part 5): with every norm and
activation config ``None``, these parts are affine maps of their input, which the
default layers (BatchNorm, (Leaky)ReLU) are not. Checked by hand:
``f(x + y) - f(0) == (f(x) - f(0)) + (f(y) - f(0))``."""
import pytest
import torch

import irtoolbox.models  # noqa: F401  (registers every part)
from irtoolbox.registry import MODELS

PARTS = [
    (dict(type='ContextEncoderAE', channels=(4, 8), image_size=8, norm_cfg=None,
          enc_act_cfg=None, dec_act_cfg=None), (2, 3, 8, 8)),
    (dict(type='SFTContextEncoderAE', channels=(4, 8), image_size=8, norm_cfg=None,
          enc_act_cfg=None, dec_act_cfg=None, cond_act_cfg=None, cond_channels=4,
          cond_mid_channels=4, cond_num_convs=1, on_missing='observed'), (2, 3, 8, 8)),
    (dict(type='IDN', mid_channels=8, distill_channels=2, num_blocks=2, groups=2,
          act_cfg=None, out_kernel_size=5), (2, 1, 6, 6)),
    (dict(type='ImageOutputLayer', in_channels=4, act_cfg=None), (2, 4, 5, 5)),
]


def _affine_defect(part, shape):
    torch.manual_seed(0)
    x, y = torch.randn(shape, dtype=torch.double), torch.randn(shape, dtype=torch.double)
    zero = torch.zeros(shape, dtype=torch.double)
    with torch.no_grad():
        f = part.eval()
        return ((f(x + y) - f(zero)) - (f(x) - f(zero)) - (f(y) - f(zero))).abs().max()


@pytest.mark.parametrize('cfg,shape', PARTS, ids=[c['type'] for c, _ in PARTS])
def test_none_configs_give_an_affine_part(cfg, shape):
    torch.manual_seed(0)
    part = MODELS.build(cfg).double()
    part.init_weights()
    if cfg['type'] == 'SFTContextEncoderAE':  # reads the batch's masks: run inside a context
        from irtoolbox.models.batch_context import BatchContext
        with BatchContext(inputs=torch.zeros(shape)).active():
            defect = _affine_defect(part, shape)
    else:
        defect = _affine_defect(part, shape)
    assert defect < 1e-9, defect
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in part.modules())
