# The hybrid-distortion protocol on the demo photographs (python tools/data/prepare_demo.py):
#   data/demo/train/gt/*.png   25 clean training images    data/demo/val/gt/*.png   4 clean
# Training: 63 x 63 patches, a moderate-bucket triple drawn per sample (as DIV2K hybrid);
# validation: mild / moderate / severe, 8 seeded patches per image and bucket (32 each),
# PSNR per bucket and per operator level, SSIM per bucket, and the degraded input's PSNR.
data_root = 'data/demo'
patch_size = 63

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='RandomCrop', crop_size=patch_size, keys=('gt', )),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='RandomTranspose', keys=('gt', ), transpose_ratio=0.5),
    dict(type='HybridDegrade', bucket='moderate'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='RandomCrop', crop_size=patch_size, keys=('gt', )),
    dict(type='HybridDegrade', bucket='moderate'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='HybridDistortionDataset', bucket='moderate', data_root=data_root,
                 data_prefix=dict(gt='train/gt'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ConcatDataset', datasets=[
        dict(type='HybridDistortionDataset', bucket=bucket, samples_per_image=8,
             data_root=data_root, data_prefix=dict(gt='val/gt'), pipeline=test_pipeline,
             test_mode=True)
        for bucket in ('mild', 'moderate', 'severe')]))
test_dataloader = val_dataloader

bucket_and_levels = ['degradation_bucket', 'degradation_levels.blur',
                     'degradation_levels.noise', 'degradation_levels.jpeg']
val_evaluator = [
    dict(type='PSNR', crop_border=0, group_by=bucket_and_levels),
    dict(type='SSIM', crop_border=0, group_by=['degradation_bucket']),
    # the degraded input (Restorer test_cfg keep_input=True): the baseline to beat
    dict(type='PSNR', crop_border=0, pred_key='input_img', prefix='degraded',
         group_by=['degradation_bucket']),
]
test_evaluator = val_evaluator
