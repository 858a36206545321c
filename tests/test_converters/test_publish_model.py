"""tools/model_converters/publish_model.py on a checkpoint saved by a real mmengine Runner."""
import hashlib
import importlib.util
import os.path as osp

import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import DataLoader

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class Tiny(BaseModel):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.conv(inputs)
        return dict(loss=out.mean()) if mode == 'loss' else out


def test_publish_drops_training_state(tmp_path):
    loader = DataLoader([dict(inputs=torch.randn(1, 4, 4)) for _ in range(2)], batch_size=1)
    runner = Runner(model=Tiny(), work_dir=str(tmp_path),
                    train_dataloader=loader, train_cfg=dict(by_epoch=False, max_iters=1),
                    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
                    param_scheduler=dict(type='ConstantLR', factor=1.0),
                    default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1,
                                                       by_epoch=False)))
    runner.train()
    src = tmp_path / 'iter_1.pth'
    assert {'optimizer', 'param_schedulers', 'message_hub'} <= set(torch.load(
        src, weights_only=False))
    spec = importlib.util.spec_from_file_location(
        'publish_model', osp.join(REPO, 'tools', 'model_converters', 'publish_model.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    final = tool.publish(str(src), str(tmp_path / 'out' / 'tiny.pth'))
    digest = hashlib.sha256(open(final, 'rb').read()).hexdigest()  # independent of sha256_of
    assert osp.basename(final) == f'tiny-{digest[:8]}.pth'
    published = torch.load(final, weights_only=True)
    assert set(published) == {'meta', 'state_dict'}
    assert torch.equal(published['state_dict']['conv.weight'], runner.model.conv.weight)
