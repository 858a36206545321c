"""Every config under configs/ loads and builds its model."""
import glob
import os.path as osp

import pytest
import torch
from conftest import REPO_ROOT
from mmengine.config import Config

from irtoolbox.registry import MODELS

CONFIGS = sorted(p for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p.split(osp.sep))


def test_there_are_configs():
    assert any('demo' in p for p in CONFIGS)


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.relpath(p, REPO_ROOT) for p in CONFIGS])
def test_config_builds_model(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'irtoolbox'
    assert cfg.train_cfg.type in ('IterBasedTrainLoop', 'ResumableIterBasedTrainLoop')
    with torch.device('meta'):  # shapes only: no memory, no weight initialisation
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
