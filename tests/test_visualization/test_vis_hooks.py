"""RestorationVisualizationHook and SaveRestoredImagesHook through a real mmengine Runner.

One tiny run (ResidualCNN, 4 channels, 1 block; 3 crops of scikit-image photos
written as PNG pairs, read by PairedImageDataset + LoadImageFromFile + PackInputs,
one folder in 'rgb' and one in 'bgr' channel order) trains 2 iterations,
validates once and tests once. The
expected panels are computed independently: the degraded input and the ground
truth from the files the test wrote, the restored image by running the trained
backbone on the input and rounding to uint8.
"""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import REPO_ROOT
from mmengine.runner import Runner
from skimage import data as skdata

from irtoolbox.engine.hooks import RestorationVisualizationHook, SaveRestoredImagesHook
from irtoolbox.engine.hooks.visualization_hook import (
    LABEL_HEIGHT,
    SEPARATOR_VALUE,
    SEPARATOR_WIDTH,
    make_restoration_grid,
)
from irtoolbox.structures import RestorationDataSample

CROP = 24
# (photo, stem, channel order the sample is packed in)
SAMPLES = [(skdata.astronaut, 'astronaut', 'rgb'), (skdata.chelsea, 'chelsea', 'bgr'),
           (skdata.coffee, 'coffee', 'bgr')]


def _folder(root, order):
    return root / f'pairs_{order}'


def _write_pairs(root):
    """Ground-truth crops and blurred inputs as PNG files; returns RGB uint8 arrays."""
    pairs = []
    for photo, stem, order in SAMPLES:
        gt = np.ascontiguousarray(photo()[100:100 + CROP, 100:100 + CROP])
        lq = cv2.GaussianBlur(gt, (5, 5), 1.2)
        for sub, img in (('gt', gt), ('lq', lq)):
            folder = _folder(root, order) / sub
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f'{stem}.png'), img[..., ::-1])
        pairs.append((lq, gt))
    return pairs


def _dataset(root, order):
    """The real paired dataset and pipeline, loading in channel ``order``."""
    return dict(type='PairedImageDataset', data_root=str(_folder(root, order)), test_mode=True,
                pipeline=[dict(type='LoadImageFromFile', key='img', channel_order=order),
                          dict(type='LoadImageFromFile', key='gt', channel_order=order),
                          dict(type='PackInputs')])


def _loader(root):
    # astronaut (rgb) then chelsea, coffee (bgr): the first batch holds both orders.
    dataset = dict(type='ConcatDataset', datasets=[_dataset(root, 'rgb'), _dataset(root, 'bgr')])
    return dict(dataset=dataset, batch_size=2, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False))


@pytest.fixture(scope='module')
def vis_run(tmp_path_factory):
    root = tmp_path_factory.mktemp('vis_run')
    pairs = _write_pairs(root)
    out_dir = root / 'restored'
    runner = Runner(
        model=dict(type='Restorer', backbone=dict(type='ResidualCNN', mid_channels=4,
                                                  num_blocks=1),
                   losses=dict(l1=dict(type='L1Loss'))),
        work_dir=str(root / 'work'),
        experiment_name='irtoolbox_test_vis_hooks',
        train_dataloader=_loader(root), val_dataloader=_loader(root),
        test_dataloader=_loader(root),
        train_cfg=dict(by_epoch=False, max_iters=2, val_interval=2),
        val_cfg=dict(), test_cfg=dict(),
        val_evaluator=dict(type='PSNR'), test_evaluator=dict(type='PSNR'),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-2)),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1), checkpoint=None),
        log_processor=dict(by_epoch=False),
        custom_hooks=[dict(type='RestorationVisualizationHook', max_images=2),
                      dict(type='SaveRestoredImagesHook', out_dir=str(out_dir))],
        visualizer=dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')]),
        default_scope='irtoolbox',
        randomness=dict(seed=0))
    runner.train()
    runner.test()
    preds = []
    with torch.no_grad():
        for index, (lq, _) in enumerate(pairs):
            x = lq if SAMPLES[index][2] == 'rgb' else lq[..., ::-1]
            x = torch.from_numpy(x.transpose(2, 0, 1).astype(np.float32) / 255)[None]
            y = runner.model.backbone(x)[0].clamp(0, 1).numpy().transpose(1, 2, 0)
            y = np.round(y.astype(np.float64) * 255).astype(np.uint8)
            preds.append(y if SAMPLES[index][2] == 'rgb' else y[..., ::-1])  # as RGB
    return dict(root=root, runner=runner, pairs=pairs, preds=preds, out_dir=out_dir)


def _panels(grid_bgr):
    """Split a decoded grid into its three RGB panels (layout documented in the hook)."""
    grid = grid_bgr[..., ::-1]
    width = (grid.shape[1] - 2 * SEPARATOR_WIDTH) // 3
    step = width + SEPARATOR_WIDTH
    return [grid[LABEL_HEIGHT:, k * step:k * step + width] for k in range(3)], grid, width


def _assert_close_uint8(actual, expected, name):
    # The backbone run here and in the batched validation may differ in the
    # last float bits, which can flip a rounding: allow 1 level, rarely.
    diff = np.abs(actual.astype(int) - expected.astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 0.02, f'{name}: max diff {diff.max()}'


def test_vis_hook_writes_grids_of_input_prediction_and_gt(vis_run):
    folder = vis_run['root'] / 'work' / 'vis' / 'iter_2'
    files = sorted(p.name for p in folder.iterdir())
    assert files == ['astronaut.png', 'chelsea.png']  # max_images=2, gt_path stems
    for index, name in enumerate(['astronaut', 'chelsea']):
        grid_bgr = cv2.imread(str(folder / f'{name}.png'))
        assert grid_bgr.shape == (LABEL_HEIGHT + CROP, 3 * CROP + 2 * SEPARATOR_WIDTH, 3)
        (degraded, restored, gt), grid, width = _panels(grid_bgr)
        lq_rgb, gt_rgb = vis_run['pairs'][index]
        np.testing.assert_array_equal(degraded, lq_rgb)  # channel order undone for 'bgr'
        np.testing.assert_array_equal(gt, gt_rgb)
        _assert_close_uint8(restored, vis_run['preds'][index], f'{name} restored panel')
        # The model changed the image (else the restored panel could be the input).
        assert np.abs(restored.astype(int) - lq_rgb.astype(int)).max() > 2
        assert np.all(grid[:, width:width + SEPARATOR_WIDTH] == SEPARATOR_VALUE)
        assert grid[:LABEL_HEIGHT, :width].max() > 128  # a label is drawn in the band


def test_vis_hook_sends_grids_to_the_visualizer(vis_run):
    # LocalVisBackend writes vis_image/{name}_{step}.png under the run's log dir.
    log_dir = vis_run['runner'].log_dir
    image = cv2.imread(osp.join(log_dir, 'vis_data', 'vis_image', 'val_astronaut_2.png'))
    expected = cv2.imread(str(vis_run['root'] / 'work' / 'vis' / 'iter_2' / 'astronaut.png'))
    np.testing.assert_array_equal(image, expected)


def test_save_restored_images_hook_writes_predictions(vis_run):
    out_dir = vis_run['out_dir']
    assert sorted(p.name for p in out_dir.iterdir()) == [
        'astronaut.png', 'chelsea.png', 'coffee.png']
    for index, (_, stem, _) in enumerate(SAMPLES):
        written = cv2.imread(str(out_dir / f'{stem}.png'))[..., ::-1]
        _assert_close_uint8(written, vis_run['preds'][index], f'{stem} restored file')


def test_save_hook_psnr_of_files_matches_reported(vis_run):
    # The test metric was computed on the same uint8 rounding as the files.
    scalars = osp.join(vis_run['runner'].log_dir, 'vis_data', 'scalars.json')
    psnrs = []
    for (_, gt), (_, stem, _) in zip(vis_run['pairs'], SAMPLES):
        pred = cv2.imread(str(vis_run['out_dir'] / f'{stem}.png'))[..., ::-1]
        mse = np.mean((pred.astype(np.float64) - gt.astype(np.float64)) ** 2)
        psnrs.append(10 * np.log10(255.0 ** 2 / mse))
    lines = [json.loads(line) for line in open(scalars)]
    val = [line['PSNR'] for line in lines if 'PSNR' in line]
    # mmengine logs test metrics to the log, not scalars.json; the val run had the same
    # weights (no training after it), so its PSNR is the files' PSNR.
    assert val and abs(val[-1] - np.mean(psnrs)) < 0.05


def test_save_hook_refuses_the_input_folder(vis_run):
    hook = SaveRestoredImagesHook(out_dir=str(_folder(vis_run['root'], 'rgb') / 'lq'))
    img_path = str(_folder(vis_run['root'], 'rgb') / 'lq' / 'astronaut.png')
    sample = RestorationDataSample(metainfo=dict(img_path=img_path, channel_order='rgb'))
    sample.pred_img = torch.zeros(3, 4, 4)
    before = cv2.imread(sample.img_path)
    with pytest.raises(ValueError, match='holds the input file'):
        hook.save(sample)
    np.testing.assert_array_equal(cv2.imread(sample.img_path), before)


def test_save_hook_grayscale_and_duplicate_stems(tmp_path):
    hook = SaveRestoredImagesHook(out_dir=str(tmp_path / 'out'), ext='.PNG')
    gray = np.arange(12, dtype=np.float32).reshape(1, 3, 4) / 11
    sample = RestorationDataSample(metainfo=dict(img_path='a/x.png', channel_order='bgr'))
    sample.pred_img = torch.from_numpy(gray)
    path = hook.save(sample)
    assert path == str(tmp_path / 'out' / 'x.png')
    expected = np.round(np.arange(12).reshape(3, 4) / 11 * 255).astype(np.uint8)
    np.testing.assert_array_equal(cv2.imread(path, cv2.IMREAD_UNCHANGED), expected)
    other = RestorationDataSample(metainfo=dict(img_path='b/x.jpg'))
    other.pred_img = torch.zeros(3, 2, 2)
    with pytest.raises(ValueError, match='would both be written'):
        hook.save(other)


def test_save_hook_refuses_a_non_finite_prediction(tmp_path):
    # NaN has no uint8 value: writing it would store made-up pixels under the input's name.
    hook = SaveRestoredImagesHook(out_dir=str(tmp_path / 'out'))
    sample = RestorationDataSample(metainfo=dict(img_path='a/nan.png'))
    sample.pred_img = torch.full((3, 2, 2), float('nan'))
    with pytest.raises(ValueError, match=r"pred_img of the sample with img_path='a/nan.png'"):
        hook.save(sample)
    assert not (tmp_path / 'out' / 'nan.png').exists()


def test_grid_upscales_super_resolution_input_and_handles_gray():
    rng = np.random.default_rng(0)
    lq = rng.integers(0, 256, (1, 3, 5), dtype=np.uint8)
    pred = rng.integers(0, 256, (1, 6, 10), dtype=np.uint8)
    gt = rng.integers(0, 256, (1, 6, 10), dtype=np.uint8)
    grid = make_restoration_grid(lq, pred, gt)
    degraded = grid[LABEL_HEIGHT:, :10]
    expected = np.repeat(np.repeat(lq[0], 2, axis=0), 2, axis=1)  # nearest x2
    np.testing.assert_array_equal(degraded, np.stack([expected] * 3, axis=2))
    np.testing.assert_array_equal(grid[LABEL_HEIGHT:, -10:, 1], gt[0])


def test_vis_hook_rejects_bad_arguments():
    with pytest.raises(ValueError, match='upsample'):
        RestorationVisualizationHook(upsample='area')
    with pytest.raises(ValueError, match='interval'):
        RestorationVisualizationHook(interval=0)
    with pytest.raises(ValueError, match='pred_img .* and gt_img'):
        make_restoration_grid(np.zeros((3, 4, 4)), np.zeros((3, 4, 4)), np.zeros((3, 5, 4)))


def test_plot_curves_on_the_real_run(vis_run):
    script = osp.join(REPO_ROOT, 'tools', 'analysis', 'plot_curves.py')
    spec = importlib.util.spec_from_file_location('irtoolbox_plot_curves_run', script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    work_dir = str(vis_run['root'] / 'work')
    series = module.read_series(module.find_scalar_files(work_dir))
    assert series['PSNR'][0] == [2]  # validation after iteration 2 (logged at step 0)
    assert series['loss_l1'][0] == [1, 2]
    image = cv2.imread(module.plot_curves(work_dir, width=500, panel_height=250))
    assert image.shape == (2 * 250, 500, 3)  # panels: loss, PSNR
    assert (image.min(axis=2) < 200).mean() > 0.01  # axes, text and lines drawn
