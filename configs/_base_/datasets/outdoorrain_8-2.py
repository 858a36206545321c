# OutdoorRain-8-2 (heavy rain: deraining + dehazing), InfoAccum paper Appendix G.A, Table IV:
# a seeded random 80% (7,200) of the OutdoorRain training set for training, the other 20%
# (1,800) for testing (its official test set is not public).
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/OutdoorRain/train/in/<name>.png    data/OutdoorRain/train/gt/<clean name>.png
#   data/OutdoorRain/split_8-2/train.txt, test.txt  lines 'in_name gt_name' (7200 / 1800),
#   written once by the seeded split in configs/infoaccum/README.md
data_root = 'data/OutdoorRain'
crop_size = 256

# to_float32=False: crop the stored uint8/uint16 image, then convert only the patch
# (PackInputs / Degrade scale it to float32 [0, 1]: the same values, less work).
train_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb', to_float32=False),
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='PairedRandomCrop', crop_size=crop_size, keys=('img', 'gt'), pad_if_smaller=True),
    dict(type='Flip', keys=('img', 'gt'), flip_ratio=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb'),
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=1,  # the paper trains with batch size 1
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='PairedImageDataset', data_root=data_root,
                 data_prefix=dict(img='train/in', gt='train/gt'),
                 ann_file='split_8-2/train.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='PairedImageDataset', data_root=data_root,
                 data_prefix=dict(img='train/in', gt='train/gt'),
                 ann_file='split_8-2/test.txt',
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

# PSNR and SSIM on RGB, no border crop (Appendix G.B does not say more).
val_evaluator = [dict(type='PSNR', crop_border=0), dict(type='SSIM', crop_border=0)]
test_evaluator = val_evaluator
