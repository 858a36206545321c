"""tools/infer.py end to end: a real photo folder, a checkpoint saved from a real model.

The tiled run in a subprocess is checked against the untiled restoration
recomputed here by hand from the backbone. The other cases call the tool's
``main`` in this process (same code, without paying the import time again).
"""
import importlib.util
import os
import os.path as osp
import sys
import textwrap

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT, run_tool
from skimage import data as skdata

from irtoolbox.apis import init_model

CONFIG = textwrap.dedent("""
    model = dict(
        type='Restorer',
        backbone=dict(type='{backbone}', mid_channels=8, num_blocks=2),
        data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5))
""")


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('infer')
    config = root / 'residualcnn_tiny.py'
    config.write_text(CONFIG.format(backbone='ResidualCNN'))
    torch.manual_seed(0)
    model = init_model(str(config))
    for param in model.parameters():
        param.data.normal_(0, 0.1)
    checkpoint = root / 'iter_10.pth'
    torch.save({'meta': {'iter': 10}, 'state_dict': model.state_dict()}, checkpoint)
    photos = root / 'photos'
    photos.mkdir()
    crops = {'astronaut.png': skdata.astronaut()[:70, :90],
             'chelsea.jpg': skdata.chelsea()[50:95, 100:160],
             'coffee.bmp': skdata.coffee()[:40, :33]}
    for name, rgb in crops.items():
        cv2.imwrite(str(photos / name), np.ascontiguousarray(rgb[..., ::-1]))
    return dict(root=root, config=str(config), checkpoint=str(checkpoint), photos=photos,
                model=model)


def _infer(*args, check=True):
    return run_tool([sys.executable, 'tools/infer.py', *map(str, args)], check=check)


@pytest.fixture(scope='module')
def infer_main():
    spec = importlib.util.spec_from_file_location(
        'irtoolbox_tools_infer', osp.join(REPO_ROOT, 'tools', 'infer.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return lambda *args: module.main([str(a) for a in args])


def _error_lines(capsys):
    return [line for line in capsys.readouterr().err.splitlines()
            if line.startswith('infer.py: error:')]


def _by_hand(model, bgr: np.ndarray) -> np.ndarray:
    x = torch.from_numpy(np.ascontiguousarray(bgr[..., ::-1])).permute(2, 0, 1)[None] / 255.0
    with torch.no_grad():
        y = model.backbone((x - 0.5) / 0.5) * 0.5 + 0.5
    rgb = (y.clamp(0, 1) * 255).round().to(torch.uint8)[0].permute(1, 2, 0).numpy()
    return rgb[..., ::-1]


def test_folder_tiled(setup):
    out = setup['root'] / 'out'
    proc = _infer(setup['config'], setup['checkpoint'], setup['photos'], out,
                  '--tile', 24, '--tile-overlap', 12)
    assert 'restoring' in proc.stderr  # the tqdm bar
    for name in ('astronaut', 'chelsea', 'coffee'):
        source = cv2.imread(str(next(setup['photos'].glob(name + '.*'))))
        result = cv2.imread(str(out / f'{name}.png'))
        assert result is not None and result.shape == source.shape
        diff = np.abs(result.astype(int) - _by_hand(setup['model'], source))
        assert diff.max() <= 1, name


def test_single_file_glob_and_bad_image(setup, tmp_path, infer_main, capsys):
    photos = tmp_path / 'photos'
    photos.mkdir()
    for name in ('astronaut.png', 'chelsea.jpg'):
        os.link(setup['photos'] / name, photos / name)
    (photos / 'broken.png').write_bytes(b'not a png at all')
    single = tmp_path / 'one.jpg'
    assert infer_main(setup['config'], setup['checkpoint'], photos / 'astronaut.png',
                      single) == 0
    assert cv2.imread(str(single)).shape == (70, 90, 3)
    capsys.readouterr()
    code = infer_main(setup['config'], setup['checkpoint'], photos / '*.png', tmp_path / 'out',
                      '--ext', 'jpg')
    errors = _error_lines(capsys)
    assert code == 1
    assert len(errors) == 2 and 'broken.png' in errors[0], errors
    assert sorted(os.listdir(tmp_path / 'out')) == ['astronaut.jpg']


def test_never_overwrites_inputs(setup, infer_main, capsys):
    before = {p.name: p.read_bytes() for p in setup['photos'].iterdir()}
    assert infer_main(setup['config'], setup['checkpoint'], setup['photos'],
                      setup['photos']) == 1
    errors = _error_lines(capsys)
    assert len(errors) == 1 and errors[0].startswith(
        'infer.py: error: refusing to overwrite the input')
    assert {p.name: p.read_bytes() for p in setup['photos'].iterdir()} == before


def test_clear_errors(setup, tmp_path, infer_main, capsys):
    assert infer_main(setup['config'], setup['checkpoint'], tmp_path / 'nope',
                      tmp_path / 'o') == 1
    assert capsys.readouterr().err.strip() == (
        f"infer.py: error: input not found: {str(tmp_path / 'nope')!r}")
    typo = tmp_path / 'typo.py'
    typo.write_text(CONFIG.format(backbone='ResidualCnn'))
    assert infer_main(typo, setup['checkpoint'], setup['photos'], tmp_path / 'o') == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and 'ResidualCnn' in lines[0] and 'ResidualCNN' in lines[0]
    assert not osp.exists(tmp_path / 'o')
