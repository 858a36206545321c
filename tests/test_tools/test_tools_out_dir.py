"""``tools/test.py --out-dir`` on every paper's demo (issue 21, item 2): one file
per test sample even where a test set degrades one clean image several times
(level, bucket, task and copy in the name); a model that restores no image, or
an output folder that is a file, is refused before anything is built."""
import glob
import os.path as osp
import sys

import pytest
import torch
from conftest import REPO_ROOT, run_tool
from mmengine.config import Config
from mmengine.registry import DefaultScope

from irtoolbox.apis import init_model
from irtoolbox.engine.hooks.save_restored_images_hook import output_stem
from irtoolbox.registry import DATASETS
from irtoolbox.utils.launch import check_output_folder, check_restores_images

DLNET = osp.join(REPO_ROOT, 'configs', 'dlnet',
                 'dlnet_contextencoder-k5_1xb16-300it_demo64-inpaint.py')
FDRNET = osp.join(REPO_ROOT, 'configs', 'fdrnet', 'fdrnet_c16p2_1xb8-300it_demo-hybrid.py')
IDR = osp.join(REPO_ROOT, 'configs', 'idr', 'idr_unet5-c16-sdam-mpl_1xb5-400it_demo-five-tasks.py')
PIXELCNN = osp.join(REPO_ROOT, 'configs', 'pixelcnn_degradation',
                    'pixelcnn-cond_b2-c32-mix5_1xb8-400it_demo-jpeg.py')


def _inner_datasets(cfg: dict) -> list:
    """The leaf dataset configs (those with a data_root) of a test set config."""
    if 'data_root' in cfg:
        return [cfg]
    children = cfg.get('datasets') or [t['dataset'] for t in cfg.get('tasks', [])] or \
        [cfg['dataset']]
    return [leaf for child in children for leaf in _inner_datasets(child)]


def _test_set(config: str, demo_data, **overrides):
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(overrides)
    for leaf in _inner_datasets(cfg.test_dataloader.dataset):
        leaf['data_root'] = str(demo_data)
    with DefaultScope.overwrite_default_scope('irtoolbox'):
        return cfg, DATASETS.build(cfg.test_dataloader.dataset)


@pytest.mark.parametrize('config', [FDRNET, IDR, DLNET])
def test_output_names_are_distinct_on_multi_degradation_demos(config, demo_data):
    _, dataset = _test_set(config, demo_data)
    names = [output_stem(dataset[i]['data_samples'].metainfo) for i in range(len(dataset))]
    # today: every sample is named by its clean image alone (4 names)
    assert len(set(names)) == len(dataset) > 4, sorted(set(names))[:8]


def test_dlnet_demo_out_dir_writes_one_file_per_sample(demo_data, tmp_path):
    overrides = {'test_dataloader.dataset.copies': 2,
                 'model.backbone.channels': (8, 8, 8, 8),
                 'model.head.output_layer.in_channels': 8}
    cfg, dataset = _test_set(DLNET, demo_data, **overrides)
    config = tmp_path / 'tiny_dlnet.py'
    cfg.dump(str(config))
    checkpoint = tmp_path / 'tiny.pth'
    model = init_model(str(config))
    # init_model builds for loading a checkpoint; without init_weights the channel-wise
    # FC is torch.empty memory (NaN at times), and the hook rightly refuses NaN images
    model.init_weights()
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    out_dir = tmp_path / 'restored'
    run_tool([sys.executable, 'tools/test.py', str(config), str(checkpoint), '--out-dir',
              str(out_dir), '--work-dir', str(tmp_path / 'work')])
    written = glob.glob(str(out_dir / '*.png'))
    assert len(written) == len(dataset) == 4 * 4 * 2  # images x levels x copies, by hand
    assert osp.isfile(out_dir / 'astronaut_s=20c_c1.png')
    assert not glob.glob(str(out_dir / '.*'))  # no temporary file left behind


def test_density_model_is_refused_before_building():
    cfg = Config.fromfile(PIXELCNN)
    with pytest.raises(ValueError, match='DegradationDensityModel.*sample_degradations.py'):
        check_restores_images(cfg, 'tools/test.py --out-dir')


def test_output_folder_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / 'file.txt'
    path.write_text('x')
    with pytest.raises(NotADirectoryError, match='--out-dir .*file.txt is a file'):
        check_output_folder(str(path), '--out-dir')


def test_work_dir_that_is_a_file_is_refused_at_config_load(tmp_path):
    from conftest import DEMO_CONFIG

    from irtoolbox.utils.launch import load_config
    path = tmp_path / 'work'
    path.write_text('x')  # today: a raw FileExistsError once the Runner is built
    with pytest.raises(NotADirectoryError, match='--work-dir .*work is a file'):
        load_config(DEMO_CONFIG, None, str(path))
