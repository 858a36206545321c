# CelebA 64 x 64, multi-level interpolation (DL-Net Sec. IV-A, Table III).
# data/celeba64/{train,val,test}/*.png: the aligned faces resized to 64 x 64
# (configs/dlnet/README.md).
# Training draws a new degradation per sample from the whole range; the test
# (and validation) sets are fixed: ``copies`` degradations of every test image
# (the paper saves ten per image), each a pure function of (seed, image index),
# one SyntheticPairDataset per level and copy, labelled ``test_level`` for the
# metrics' ``group_by``.
data_root = 'data/celeba64'
crop_size = 64

train_degradation = dict(type='BernoulliMask', drop_range=(0.0, 0.75))
# test_level label -> the degradation of that level
test_levels = {
    'r=15%': dict(type='BernoulliMask', drop_range=(0.15, 0.15)),
    'r=45%': dict(type='BernoulliMask', drop_range=(0.45, 0.45)),
    'r=75%': dict(type='BernoulliMask', drop_range=(0.75, 0.75)),
}
val_copies = 1
test_copies = 10

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='Degrade', degradation=train_degradation, in_key='gt', out_key='img'),
    dict(type='PackInputs'),
]
test_datasets = [
    dict(type='SyntheticPairDataset', data_root=data_root, data_prefix=dict(gt='test'),
         test_mode=True, seed=copy, metainfo=dict(test_level=level),
         pipeline=[dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
                   dict(type='CenterCrop', crop_size=crop_size),
                   dict(type='Degrade', degradation=degradation, in_key='gt', out_key='img'),
                   dict(type='PackInputs')])
    for level, degradation in test_levels.items() for copy in range(test_copies)]

train_dataloader = dict(
    batch_size=100,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                 data_prefix=dict(gt='train'), pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=100,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ConcatDataset', ignore_keys=['test_level'], datasets=test_datasets))
val_dataloader = dict(
    batch_size=100,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ConcatDataset', ignore_keys=['test_level'],
                 datasets=[d for d in test_datasets if d['seed'] < val_copies]))

# As the paper (l1, l2 of images in [-1, 1], PSNR) and as usual (PSNR, SSIM),
# overall and per level.
test_evaluator = [
    dict(type='SignedL1', group_by='test_level'),
    dict(type='SignedL2', group_by='test_level'),
    dict(type='PSNR', group_by='test_level'),
    dict(type='SSIM', group_by='test_level'),
]
val_evaluator = test_evaluator
