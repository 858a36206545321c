"""The InfoAccum paper configs: the 200-epoch pix2pix schedule and the complete studies.

Oracles are the paper's own numbers and names, not the config files: the training-set
sizes of its Table IV, pix2pix's learning-rate rule written out in closed form, and the
list of experiments (Table II rows x six benchmarks, the depth, InfoAccum-depth and
position studies) read from the file names.
"""
import glob
import os.path as osp
import re

import mmengine.optim  # noqa: F401  (registers LinearLR in PARAM_SCHEDULERS)
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import PARAM_SCHEDULERS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO_ROOT, 'configs', 'infoaccum')

# InfoAccum paper, Table IV: training pairs per benchmark (file-name suffix -> pairs).
TRAINING_PAIRS = {'sidd': 160, 'reside': 13990, 'rain800': 700, 'rain12000': 12000,
                  'raincityscapes': 9432, 'outdoorrain-8-2': 7200, 'rain800-recon': 700}
EPOCHS = 200  # Fig. 7; pix2pix's n_epochs + n_epochs_decay = 100 + 100

PAPER_CONFIGS = sorted(p for p in glob.glob(osp.join(CONFIG_DIR, '*.py')) if 'demo' not in p)


def data_of(path: str) -> str:
    return osp.basename(path)[:-3].rsplit('_', 1)[1]


def test_every_paper_config_is_covered():
    assert len(PAPER_CONFIGS) >= 80
    assert {data_of(p) for p in PAPER_CONFIGS} == set(TRAINING_PAIRS)


@pytest.mark.parametrize('path', PAPER_CONFIGS, ids=osp.basename)
def test_paper_recipe_200_epochs_pix2pix_decay_and_test_mode(path):
    cfg = Config.fromfile(path)
    iters = EPOCHS * TRAINING_PAIRS[data_of(path)]  # batch size 1
    assert cfg.train_dataloader.batch_size == 1
    assert cfg.train_cfg.max_iters == iters
    # the iteration count in the name, rounded down to thousands ('1886k' for 1886400)
    assert re.search(rf'_1xb1-{iters // 1000}k_', osp.basename(path))
    assert cfg.param_scheduler == [dict(type='LinearLR', start_factor=1.0, end_factor=0.0,
                                        by_epoch=False, begin=iters // 2, end=iters)]
    assert cfg.default_hooks.checkpoint.interval == cfg.train_cfg.val_interval
    # pix2pix's default test mode: BatchNorm with each test image's own statistics
    assert cfg.model.test_cfg.bn_train_mode is True


def test_linear_decay_matches_pix2pix_rule():
    """Step the SIDD schedule (32000 iterations) and compare every learning rate with
    pix2pix's rule made per-iteration: the base rate for the first 100 epochs (iterations
    0..16000), then falling linearly to exactly 0 at the last iteration (31999)."""
    cfg = Config.fromfile(osp.join(CONFIG_DIR, 'pix2pix_unet8-vanilla_1xb1-32k_sidd.py'))
    base_lr = cfg.optim_wrapper.generator.optimizer.lr
    optimizer = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=base_lr)
    scheduler = PARAM_SCHEDULERS.build(dict(cfg.param_scheduler[0], optimizer=optimizer))
    total, half = 32000, 16000
    for it in range(total):
        expected = base_lr if it <= half else base_lr * (total - 1 - it) / (half - 1)
        assert optimizer.param_groups[0]['lr'] == pytest.approx(expected, rel=1e-6, abs=1e-12), it
        optimizer.step()  # no gradient: changes nothing, keeps torch's step order
        scheduler.step()
    assert optimizer.param_groups[0]['lr'] == pytest.approx(0.0, abs=1e-12)


def test_constant_schedule_is_the_swap():
    """The constant-LR base has the same loops and no scheduler; each decay file adds only
    its scheduler on top of it."""
    schedules = osp.join(REPO_ROOT, 'configs', '_base_', 'schedules')
    constant = Config.fromfile(osp.join(schedules, 'pix2pix_constant-lr.py'))
    assert constant.param_scheduler == []
    for path in glob.glob(osp.join(schedules, 'pix2pix_linear-decay_*.py')):
        decay = Config.fromfile(path)
        assert dict(decay, param_scheduler=[]) == dict(constant)
        assert [s['type'] for s in decay.param_scheduler] == ['LinearLR']


def _plugins(cfg):
    return [(p['position'], p['cfg']['num_layers']) for p in cfg.model.backbone.get('plugins', [])]


STUDIES = (
    # (what, file name pattern, expected values)
    [('depth', f'pix2pix_unet{n}-vanilla_1xb1-{k}_{d}.py', n)
     for n in range(1, 9) for k, d in (('32k', 'sidd'), ('2798k', 'reside'),
                                       ('140k', 'rain800'), ('2400k', 'rain12000'))]
    + [('endecoder', f'pix2pix_endecoder{n}-vanilla_1xb1-140k_rain800.py', n)
       for n in range(1, 9)]
    + [('ia_layers', f'infoaccum_unet5-ia{n}-lsgan_1xb1-140k_rain800.py', n)
       for n in (1, 3, 5, 10, 15, 20)]
    + [('position', f'pix2pix_unet8-ia15-enc{n}_1xb1-140k_rain800.py',
        ['input' if n == 1 else f'before_enc{n}']) for n in range(1, 9)]
    + [('position', 'pix2pix_unet8-ia15-enc1to8_1xb1-140k_rain800.py',
        ['input'] + [f'before_enc{n}' for n in range(2, 9)])])


@pytest.mark.parametrize('what,name,expected', STUDIES, ids=[s[1] for s in STUDIES])
def test_study_configs(what, name, expected):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    backbone, gan_type = cfg.model.backbone, cfg.model.gan_loss.gan_type
    if what == 'depth':  # Fig. 3 / Table I / Fig. 12: pix2pix with UNet-N, vanilla GAN
        assert (backbone.type, backbone.depth, gan_type) == ('UNetGenerator', expected, 'vanilla')
        assert _plugins(cfg) == [] and backbone.upsample == 'deconv'
    elif what == 'endecoder':  # Fig. 3: the skip-free baseline
        assert (backbone.type, backbone.depth, gan_type) == ('EnDecoder', expected, 'vanilla')
    elif what == 'ia_layers':  # Fig. 6: UNet-5 + LSGAN + InfoAccum-L before the generator
        assert (backbone.depth, backbone.upsample, gan_type) == (5, 'deconv', 'lsgan')
        assert _plugins(cfg) == [('input', expected)]
    else:  # Appendix H.A: pix2pix UNet-8 with InfoAccum-15 at the named levels
        assert (backbone.depth, gan_type) == (8, 'vanilla')
        assert _plugins(cfg) == [(pos, 15) for pos in expected]
