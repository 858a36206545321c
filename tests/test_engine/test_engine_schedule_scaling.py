"""``--cfg-options train_cfg.max_iters=N`` scales the schedule (issue 21, item 4):
cosine ``T_max``, pix2pix's linear-decay ``begin/end`` and IDR's stage switch move
with the run length; keys given explicitly still win. Expected values by hand."""
import os.path as osp

from conftest import REPO_ROOT

from irtoolbox.utils.launch import load_config

CONFIGS = osp.join(REPO_ROOT, 'configs')
DEMO = osp.join(CONFIGS, 'demo', 'residualcnn_c32b4_1xb8-400it_demo-blur-noise-jpeg.py')
PIX2PIX = osp.join(CONFIGS, 'infoaccum', 'infoaccum_unet5-ia1-lsgan_1xb1-140k_rain800.py')
IDR = osp.join(CONFIGS, 'idr', 'idr_unet5-c16-sdam-mpl_1xb5-400it_demo-five-tasks.py')


def test_cosine_t_max_follows_max_iters(tmp_path):
    cfg = load_config(DEMO, {'train_cfg.max_iters': 100}, str(tmp_path))
    assert cfg.param_scheduler[0].T_max == 100  # 400 of 400 -> 100 of 100


def test_pix2pix_linear_decay_begin_end_follow_max_iters(tmp_path):
    cfg = load_config(PIX2PIX, {'train_cfg.max_iters': 1400}, str(tmp_path))
    decay = cfg.param_scheduler[0]
    # Rain800: constant for 70000 of 140000 iterations, then linear decay to 0 at 140000
    assert (decay.begin, decay.end) == (700, 1400)


def test_idr_stage_switch_follows_max_iters(tmp_path):
    cfg = load_config(IDR, {'train_cfg.max_iters': 40}, str(tmp_path))
    assert cfg.model.stage_switch_iter == 20  # half of 400 -> half of 40
    assert cfg.param_scheduler[0].T_max == 40


def test_explicit_keys_win_over_scaling(tmp_path):
    cfg = load_config(IDR, {'train_cfg.max_iters': 40, 'model.stage_switch_iter': 5},
                      str(tmp_path))
    assert cfg.model.stage_switch_iter == 5 and cfg.train_cfg.max_iters == 40
