"""tools/model_converters/idr_released.py on the released oracle state dict (dim 8):
the converted checkpoint loads strictly and reproduces the released outputs in
stage 1 (blur route) and stage 2; a wrong shape is refused before writing."""
import os.path as osp

import pytest
import torch
from conftest import load_tool_module

from irtoolbox.models.backbones.idr_released import IDRReleased

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REF = osp.join(REPO, '..', 'shared', 'reference', 'idr_released')
pytestmark = pytest.mark.skipif(not osp.isdir(REF), reason='needs ../shared/reference')


def load_tool():
    return load_tool_module('tools/model_converters/idr_released.py')


def config(tmp_path, dim):
    path = tmp_path / f'idr_released_d{dim}.py'
    path.write_text(f"model = dict(type='AllInOneRestorer', backbone=dict(type='IDRReleased', "
                    f"dim={dim}), losses=dict(l1=dict(type='L1Loss')), "
                    "data_preprocessor=dict(type='RestorationDataPreprocessor'))\n")
    return str(path)


def test_converted_checkpoint_reproduces_the_release(tmp_path):
    out = tmp_path / 'idr_d8.pth'
    assert load_tool().main([osp.join(REF, 'state_dict.pt'), str(out),
                             '--config', config(tmp_path, 8)]) == 0
    checkpoint = torch.load(out, weights_only=True)
    assert checkpoint['meta']['converter'] == 'idr_released'
    state = {k[len('backbone.'):]: v for k, v in checkpoint['state_dict'].items()}
    net = IDRReleased(dim=8).eval()
    net.load_state_dict(state, strict=True)
    inputs = torch.load(osp.join(REF, 'inputs.pt'))
    for name, stage, task in (('stage1_deblur', 1, 3), ('stage2', 2, None)):
        ref = torch.load(osp.join(REF, f'{name}.pt'))
        with torch.no_grad():
            restored = net(inputs['lq'], stage=stage,
                           task_idx=None if task is None else torch.tensor([task, task]))
        assert (restored - ref['restored']).abs().max() <= 1e-5, name


def test_wrong_width_is_refused_before_writing(tmp_path, capsys):
    out = tmp_path / 'never.pth'
    assert load_tool().main([osp.join(REF, 'state_dict.pt'), str(out),
                             '--config', config(tmp_path, 12)]) == 1
    assert not out.exists() and 'shape' in capsys.readouterr().err
