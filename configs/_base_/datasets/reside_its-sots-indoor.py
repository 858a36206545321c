# RESIDE (dehazing) for the InfoAccum family (paper Appendix G.A, Table IV):
# ITS (13,990 hazy images of 1,399 clear scenes) for training, SOTS-indoor (500 hazy
# images) for testing.
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/RESIDE/ITS/hazy/1_1_0.90179.png ...    data/RESIDE/ITS/clear/1.png ...
#   data/RESIDE/ITS/train_pairs.txt           lines 'hazy_name clear_name' (10 hazy per clear)
#   data/RESIDE/SOTS/indoor/hazy/1400_1.png ...  data/RESIDE/SOTS/indoor/gt/1400.png ...
#   data/RESIDE/SOTS/indoor/test_pairs.txt    lines 'hazy_name gt_name' (500 lines)
data_root = 'data/RESIDE'
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
                 data_prefix=dict(img='ITS/hazy', gt='ITS/clear'),
                 ann_file='ITS/train_pairs.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='PairedImageDataset', data_root=data_root,
                 data_prefix=dict(img='SOTS/indoor/hazy', gt='SOTS/indoor/gt'),
                 ann_file='SOTS/indoor/test_pairs.txt',
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

# PSNR and SSIM on RGB, no border crop (Appendix G.B does not say more).
val_evaluator = [dict(type='PSNR', crop_border=0), dict(type='SSIM', crop_border=0)]
test_evaluator = val_evaluator
