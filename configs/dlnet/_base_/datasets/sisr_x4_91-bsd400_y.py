# SISR x4 with multiple blur levels (DL-Net Sec. IV-D, Tables XII-XIV), on the
# luminance (BT.601 Y) channel as the paper. Layout (configs/dlnet/README.md):
#   data/sisr/train/*.png        the 91 images + the 400 BSD-500 training images
#   data/sisr/Set5/*.png, data/sisr/Set14/*.png, data/sisr/BSD100/*.png  test sets
# The low-resolution input is y = (k_u * x) bicubic-downsampled by 4 (MATLAB
# imresize), k_u a Gaussian of width u (21 x 21). ``train_blur`` is (0, 0) for
# the bicubic-only baselines and (0, 3) for DL-Net's multi-level training;
# the test levels are u = 0, 1.3, 2.6 on each test set (deterministic: one copy).
data_root = 'data/sisr'
scale = 4
crop_size = 96
train_blur = (0.0, 0.0)

test_levels = {f'u={u}': dict(type='Downsample', scale=scale, kernel=dict(sigma_range=(u, u)))
               for u in (0.0, 1.3, 2.6)}
test_sets = ('Set5', 'Set14', 'BSD100')
train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='RandomCrop', crop_size=crop_size, keys=('gt', )),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='RandomTranspose', keys=('gt', ), transpose_ratio=0.5),
    dict(type='ToYChannel', keys=('gt', )),
    dict(type='Degrade', degradation=dict(type='Downsample', scale=scale,
                                          kernel=dict(sigma_range=train_blur)),
         in_key='gt', out_key='img'),
    dict(type='PackInputs'),
]
test_datasets = [
    dict(type='SyntheticPairDataset', data_root=data_root, data_prefix=dict(gt=name),
         test_mode=True, metainfo=dict(test_level=f'{name}/{level}'),
         pipeline=[dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
                   dict(type='CenterCrop', multiple_of=scale),
                   dict(type='ToYChannel', keys=('gt', )),
                   dict(type='Degrade', degradation=degradation, in_key='gt', out_key='img'),
                   dict(type='PackInputs')])
    for name in test_sets for level, degradation in test_levels.items()]

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                 data_prefix=dict(gt='train'), pipeline=train_pipeline))
# test images differ in size: batch 1
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ConcatDataset', ignore_keys=['test_level'], datasets=test_datasets))
val_dataloader = test_dataloader
# PSNR on Y with the usual border of ``scale`` pixels
test_evaluator = [dict(type='PSNR', crop_border=scale, group_by='test_level'),
                  dict(type='SSIM', crop_border=scale, group_by='test_level')]
val_evaluator = test_evaluator
