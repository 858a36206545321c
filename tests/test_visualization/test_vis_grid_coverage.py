"""RestorationVisualizationHook draws samples covering every task and image of a
test set (issue 21: an all-in-one test set's grids showed only its first task)."""
import cv2
import numpy as np
from mmengine.runner import Runner

from irtoolbox.engine.hooks.visualization_hook import choose_slot

STEMS = ('a', 'b')


def _write_task(root, name, value):
    """Two 16 x 16 pairs over clean images shared by the tasks (as in the demo); the
    degraded input is a flat ``value`` image, so the tasks' grids are told apart."""
    for stem in STEMS:
        for sub, level in (('gt', 128), (f'lq_{name}', value)):
            folder = root / sub
            folder.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(folder / f'{stem}.png'), np.full((16, 16, 3), level, np.uint8))
    return dict(name=name, dataset=dict(
        type='PairedImageDataset', data_root=str(root), test_mode=True,
        data_prefix=dict(img=f'lq_{name}', gt='gt'),
        pipeline=[dict(type='LoadImageFromFile', key='img'),
                  dict(type='LoadImageFromFile', key='gt'), dict(type='PackInputs')]))


def test_grids_cover_every_task_then_every_image(tmp_path):
    # samples in order: derain/a, derain/b, denoise/a, denoise/b; max_images=2
    tasks = [_write_task(tmp_path, 'derain', 40), _write_task(tmp_path, 'denoise', 200)]
    runner = Runner(
        model=dict(type='Restorer', backbone=dict(type='ResidualCNN', mid_channels=4,
                                                  num_blocks=1)),
        work_dir=str(tmp_path / 'work'), experiment_name='irtoolbox_test_vis_coverage',
        val_dataloader=dict(dataset=dict(type='MultiTaskDataset', tasks=tasks),
                            batch_size=1, num_workers=0,
                            sampler=dict(type='DefaultSampler', shuffle=False)),
        val_cfg=dict(), val_evaluator=dict(type='PSNR'),
        default_hooks=dict(checkpoint=None),
        custom_hooks=[dict(type='RestorationVisualizationHook', max_images=2)],
        default_scope='irtoolbox')
    runner.val()
    folder = tmp_path / 'work' / 'vis' / 'iter_0'
    names = sorted(p.name for p in folder.iterdir())
    # both tasks and both images: derain/b and denoise/a (the first two samples, all
    # that was drawn before, were derain/a and derain/b)
    assert names == ['a.png', 'b.png'], names
    inputs = {name: int(np.median(cv2.imread(str(folder / name))[20:, 2:14])) for name in names}
    assert inputs == {'a.png': 200, 'b.png': 40}


def test_choose_slot_prefers_new_groups_then_new_images():
    chosen = [(('t1',), 'a'), (('t1',), 'b')]
    assert choose_slot(chosen[:1], chosen[1], 2) == 1  # room left
    assert choose_slot(chosen, (('t2',), 'a'), 2) == 0  # new task, and both images kept
    assert choose_slot([(('t1',), 'a'), (('t2',), 'a')], (('t2',), 'b'), 2) == 1  # new image
    assert choose_slot([(('t1',), 'a'), (('t1',), 'a')], (('t1',), 'b'), 2) == 1  # the latest
    assert choose_slot([(('t1',), 'a'), (('t2',), 'b')], (('t1',), 'b'), 2) is None
