"""``--cfg-options`` keys under ``model.`` that the model would ignore are an
error naming the key and the closest valid ones (issue 21, item 4)."""
import os.path as osp

import pytest
from conftest import DEMO_CONFIG, REPO_ROOT

from irtoolbox.utils.launch import load_config

IDR = osp.join(REPO_ROOT, 'configs', 'idr', 'idr_unet5-c16-sdam-mpl_1xb5-400it_demo-five-tasks.py')


def test_misspelt_parameter_names_the_closest(tmp_path):
    with pytest.raises(KeyError, match=r"ResidualCNN has no parameter 'mid_channel'; "
                                       r'closest: mid_channels'):
        load_config(DEMO_CONFIG, {'model.backbone.mid_channel': 8}, str(tmp_path))


def test_misplaced_stage_switch_is_refused(tmp_path):
    # the example: accepted today, and it does nothing
    with pytest.raises(KeyError, match=r'did you mean model\.stage_switch_iter'):
        load_config(IDR, {'model.train_cfg.stage_switch_iter': 2}, str(tmp_path))


def test_valid_keys_still_merge(tmp_path):
    cfg = load_config(IDR, {'model.stage_switch_iter': 2, 'model.train_cfg.anything': 1},
                      str(tmp_path))
    assert cfg.model.stage_switch_iter == 2
