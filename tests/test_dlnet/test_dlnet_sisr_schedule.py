"""DL-Net's SISR training setting (Sec. IV-D, issue 22): Adam 1e-3 (0.9, 0.999),
300 epochs with the rate cut by 10x every 80, patches of 17 x 17 low-resolution
pixels for the reference models and 40 x 40 for DL-Net (17/34, 17/51, 17/68 and
40/80, 40/120, 40/160 in the paper), checked on the configs and on the samples
their training datasets make."""
import cv2
import numpy as np
import pytest
from mmengine.config import Config

from irtoolbox.registry import DATASETS

# the paper's patch widths, low / high resolution
REFERENCE = {2: (17, 34), 3: (17, 51), 4: (17, 68)}
DLNET = {2: (40, 80), 3: (40, 120), 4: (40, 160)}
CONFIGS = [(f'{net}_x{s}_1xb64-300k_91-bsd400-y', s, REFERENCE[s])
           for net in ('vdsr', 'drrn', 'idn') for s in (2, 3, 4)]
CONFIGS += [(f'dlnet_{net}-k5_x{s}_1xb64-300k_91-bsd400-blur-y', s, DLNET[s])
            for net in ('vdsr', 'drrn', 'idn') for s in (2, 3, 4)]


@pytest.mark.parametrize('name,scale,patch', CONFIGS, ids=[c[0] for c in CONFIGS])
def test_schedule_and_patches_follow_sec_iv_d(name, scale, patch):
    cfg = Config.fromfile(f'configs/dlnet/{name}.py')
    # 1 epoch = 1000 iterations (the paper gives no SISR epoch size)
    assert cfg.train_cfg.max_iters == 300 * 1000
    assert cfg.param_scheduler == [dict(type='MultiStepLR', by_epoch=False,
                                        milestones=[80000, 160000, 240000], gamma=0.1)]
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, tuple(optimizer.betas)) == ('Adam', 1e-3, (0.9, 0.999))
    crops = [t.crop_size for t in cfg.train_dataloader.dataset.dataset.pipeline
             if t.type == 'RandomCrop']
    assert crops == [patch[1]]
    assert cfg.train_dataloader.dataset.degradation.scale == scale


@pytest.mark.parametrize('name,scale,patch', [CONFIGS[2], CONFIGS[-1]],
                         ids=[CONFIGS[2][0], CONFIGS[-1][0]])
def test_training_samples_have_the_papers_patch_sizes(name, scale, patch, tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / 'train').mkdir()
    for i in range(2):
        cv2.imwrite(str(tmp_path / 'train' / f'{i}.png'),
                    rng.integers(0, 256, (170, 180, 3), dtype=np.uint8))
    cfg = Config.fromfile(f'configs/dlnet/{name}.py')
    cfg.train_dataloader.dataset.dataset.data_root = str(tmp_path)
    sample = DATASETS.build(cfg.train_dataloader.dataset)[0]
    assert tuple(sample['inputs'].shape) == (1, patch[0], patch[0])
    assert tuple(sample['data_samples'].gt_img.shape) == (1, patch[1], patch[1])
