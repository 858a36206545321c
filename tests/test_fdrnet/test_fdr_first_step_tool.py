"""tools/analysis/first_step.py on a small FDR-Net config: the per-term gradient
norms equal those of a separately built model's own backward pass, and every
phase and FD-layer is a named RMS point."""
import importlib.util

import torch
from mmengine.config import Config

from irtoolbox.registry import MODELS

CONFIG = 'configs/fdrnet/fdrnet_c16p2_1xb8-300it_demo-hybrid.py'


def _tool():
    spec = importlib.util.spec_from_file_location('first_step', 'tools/analysis/first_step.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_first_step_reports_terms_gradients_and_points():
    tool = _tool()
    report = tool.first_step(CONFIG, batch=1, size=16, seed=3)
    # independent: the same model and batch, each term's gradient by its own backward
    torch.manual_seed(3)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.init_weights()
    model.train()
    data = model.data_preprocessor(tool.synthetic_batch(model, 1, 16, 3), True)
    for name, value in model.loss(data['inputs'], data['data_samples']).items():
        model.zero_grad()
        value.backward(retain_graph=True)
        norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in model.parameters()
                              if p.grad is not None))
        assert abs(report['grad_norms'][name] / float(norm) - 1) < 1e-5, name
        assert abs(report['losses'][name] / float(value) - 1) < 1e-6, name
    assert report['params'] == sum(p.numel() for p in model.parameters())
    assert {'backbone.phases.0', 'backbone.phases.1'} <= set(report['rms'])
    assert sum('fd_layers' in k for k in report['rms']) == 2 * 3   # 2 phases x 3 FD-layers
    assert set(report['losses']) == {'loss_l1', 'loss_svdo'}
