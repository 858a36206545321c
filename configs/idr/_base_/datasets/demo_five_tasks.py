# The demo all-in-one data: five tasks synthesised on the demo photographs
# (`python tools/data/prepare_demo.py` writes data/demo/{train,val}/gt/*.png).
# Each task is a degradation pipeline (SyntheticPairDataset + Degrade); the
# MultiTaskDataset tags every sample with task_name / task_idx (the released
# IDR labels: denoise 0, derain 1, dehaze 2, deblur 3, low light 4) and, for
# training, balances the tasks 1:1:1:1:1. Validation degrades every val image
# once per task with a fixed seed (5 x 4 images), each seen once.
data_root = 'data/demo'
crop_size = 48

tasks = [
    ('denoise', 0, dict(type='GaussianNoise', sigma_range=(15, 50))),
    ('derain', 1, dict(type='RainStreaks')),
    ('dehaze', 2, dict(type='Haze')),
    ('deblur', 3, dict(type='MotionBlur', length_range=(3, 9))),
    ('lowlight', 4, dict(type='LowLight')),
]

train_pipeline_head = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='RandomCrop', crop_size=crop_size, keys=('gt', )),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
]
val_pipeline_head = [dict(type='LoadImageFromFile', key='gt', channel_order='rgb')]

train_dataloader = dict(
    batch_size=5,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='MultiTaskDataset', balance=True, tasks=[
        dict(name=name, index=index, dataset=dict(
            type='SyntheticPairDataset', data_root=data_root, data_prefix=dict(gt='train/gt'),
            pipeline=train_pipeline_head + [dict(type='Degrade', degradation=op),
                                            dict(type='PackInputs')]))
        for name, index, op in tasks]))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='MultiTaskDataset', test_mode=True, tasks=[
        dict(name=name, index=index, dataset=dict(
            type='SyntheticPairDataset', data_root=data_root, data_prefix=dict(gt='val/gt'),
            pipeline=val_pipeline_head + [dict(type='Degrade', degradation=op),
                                          dict(type='PackInputs')]))
        for name, index, op in tasks]))
test_dataloader = val_dataloader

# Per-task means beside the overall one ('PSNR/task_name=derain', ...), and the
# degraded input's PSNR per task: the baseline a model must beat.
val_evaluator = [
    dict(type='PSNR', crop_border=0, group_by='task_name'),
    dict(type='SSIM', crop_border=0, group_by='task_name'),
    dict(type='PSNR', crop_border=0, group_by='task_name', pred_key='input_img',
         prefix='degraded'),
]
test_evaluator = val_evaluator
