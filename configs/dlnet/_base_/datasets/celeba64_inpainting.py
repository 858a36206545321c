# CelebA 64 x 64, multi-level inpainting (DL-Net Sec. IV-A, Table II). Layout
# (configs/dlnet/README.md): data/celeba64/{train,val,test}/*.png, the aligned
# faces resized to 64 x 64.
# Training draws a new hole per sample from the whole range (side s in 1..30,
# centre shifted by -10..10). The test set is fixed: ten degradations of every
# test image per level (DegradedDataset, seeds 0..9), labelled ``test_level``.
data_root = 'data/celeba64'
crop_size = 64

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='PackInputs'),
]
test_levels = {
    's=10': dict(type='BoxMask', side_range=(10, 10)),
    's=20': dict(type='BoxMask', side_range=(20, 20)),
    's=30': dict(type='BoxMask', side_range=(30, 30)),
    's=20c': dict(type='BoxMask', side_range=(20, 20), shift_range=(0, 0)),  # centred
}

train_dataloader = dict(
    batch_size=100,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='DegradedDataset',
                 degradation=dict(type='BoxMask', side_range=(1, 30), shift_range=(-10, 10)),
                 dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                              data_prefix=dict(gt='train'), pipeline=train_pipeline)))
test_dataloader = dict(
    batch_size=100,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='DegradedDataset', levels=test_levels, copies=10,
                 dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                              data_prefix=dict(gt='test'), test_mode=True,
                              pipeline=test_pipeline)))
# validation: one degradation per image and level, on the validation images
val_dataloader = dict(test_dataloader, dataset=dict(
    test_dataloader['dataset'], copies=1,
    dataset=dict(test_dataloader['dataset']['dataset'], data_prefix=dict(gt='val'))))

# As the paper (l1, l2 of images in [-1, 1], PSNR) and as usual (PSNR, SSIM),
# overall and per level.
test_evaluator = [
    dict(type='SignedL1', group_by='test_level'),
    dict(type='SignedL2', group_by='test_level'),
    dict(type='PSNR', group_by='test_level'),
    dict(type='SSIM', group_by='test_level'),
]
val_evaluator = test_evaluator
