# Demo data made by `python tools/data/prepare_demo.py` from scikit-image's photographs:
#   data/demo/train/gt/*.png   clean training images
#   data/demo/val/gt/*.png     clean validation images
# Training pairs are synthesised on the fly (a new degradation every pass);
# validation pairs are synthesised with a fixed seed per image (the same in
# every epoch and on every rank).
data_root = 'data/demo'
crop_size = 48

# A noise-dominated mixture: a 2-minute CPU run can learn to remove it. (With
# blur up to 1.5 and JPEG down to 40, the same model gained only 1.4 dB in 600
# iterations: deblurring and deblocking need a bigger model and longer runs.)
degradation = [
    dict(type='GaussianBlur', kernel_size=21, sigma_range=(0.2, 1.0)),
    dict(type='GaussianNoise', sigma_range=(15, 30)),
    dict(type='JPEGCompression', quality_range=(60, 95)),
]

# to_float32=False: crop the stored uint8/uint16 image, then convert only the patch
# (PackInputs / Degrade scale it to float32 [0, 1]: the same values, less work).
train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='RandomCrop', crop_size=crop_size, keys=('gt', )),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='RandomTranspose', keys=('gt', ), transpose_ratio=0.5),
    dict(type='Degrade', degradation=degradation, in_key='gt', out_key='img'),
    dict(type='PackInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='Degrade', degradation=degradation, in_key='gt', out_key='img'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                 data_prefix=dict(gt='train/gt'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                 data_prefix=dict(gt='val/gt'), pipeline=val_pipeline, test_mode=True))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PSNR', crop_border=0),
    dict(type='SSIM', crop_border=0),
    # The same metric on the degraded input: the baseline the model must beat.
    dict(type='PSNR', crop_border=0, pred_key='input_img', prefix='degraded'),
]
test_evaluator = val_evaluator
