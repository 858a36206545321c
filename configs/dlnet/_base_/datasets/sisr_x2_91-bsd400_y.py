# SISR x2 with multiple blur levels (DL-Net Sec. IV-D, Tables XII-XIV), on the
# luminance (BT.601 Y) channel as the paper. Layout (configs/dlnet/README.md):
#   data/sisr/train/*.png        the 91 images + the 400 BSD-500 training images
#   data/sisr/{Set5,Set14,BSD100}/*.png   the test sets
# The low-resolution input is the Gaussian blur of width u (21 x 21) then
# MATLAB-bicubic downsampling (Downsample). Training: u = 0 (bicubic only, the
# baselines; the DL-Net configs set sigma_range (0, 3)). Test levels u = 0,
# 1.3, 2.6 on each test set (deterministic: one copy), labelled 'Set5/u=1.3'.
# Test images are centre-cropped to a multiple of 12 (divisible by 2, 3 and 4).
data_root = 'data/sisr'
scale = 2

# Training patches (Sec. IV-D): the reference models see 17 x 17 low-resolution /
# 17 scale x 17 scale high-resolution patches (34, 51, 68), DL-Net 40 x 40 / 40 scale
# ("larger training patches are more suitable"): train_pipeline here, and
# train_pipeline_dlnet in the dlnet_* configs; the x3 / x4 bases pick theirs from
# train_pipelines. Augmentation (the paper: "rotation, rescaling, and flipping"):
# the eight flips and 90-degree rotations (horizontal flip, vertical flip,
# transposition); the random rescaling is not done here.
train_pipelines = {
    f'x{s}_{kind}': [
        dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
        dict(type='RandomCrop', crop_size=patch * s, keys=('gt', )),
        dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
        dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='vertical'),
        dict(type='RandomTranspose', keys=('gt', ), transpose_ratio=0.5),
        dict(type='ToYChannel', keys=('gt', )),
        dict(type='PackInputs'),
    ] for s in (2, 3, 4) for kind, patch in (('reference', 17), ('dlnet', 40))}
train_pipeline = train_pipelines[f'x{scale}_reference']
train_pipeline_dlnet = train_pipelines[f'x{scale}_dlnet']
test_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='CenterCrop', multiple_of=12),
    dict(type='ToYChannel', keys=('gt', )),
    dict(type='PackInputs'),
]
test_sets = ('Set5', 'Set14', 'BSD100')
blur_levels = {f'u={u}': dict(type='Downsample', kernel=dict(sigma_range=(u, u)))
               for u in (0.0, 1.3, 2.6)}

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='DegradedDataset',
                 degradation=dict(type='Downsample', scale=scale,
                                  kernel=dict(sigma_range=(0.0, 0.0))),
                 dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                              data_prefix=dict(gt='train'), pipeline=train_pipeline)))
test_dataloader = dict(
    batch_size=1,  # test images differ in size
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='DegradedDataset', levels=blur_levels, dataset_names=test_sets,
                 level_overrides=dict(scale=scale),
                 dataset=[dict(type='SyntheticPairDataset', data_root=data_root,
                               data_prefix=dict(gt=name), test_mode=True, pipeline=test_pipeline)
                          for name in test_sets]))
val_dataloader = test_dataloader
# PSNR / SSIM on Y with the usual border of ``scale`` pixels
test_evaluator = [dict(type='PSNR', crop_border=scale, group_by='test_level'),
                  dict(type='SSIM', crop_border=scale, group_by='test_level')]
val_evaluator = test_evaluator
