# Rain12000 (DID-MDN "Rain1200", deraining), InfoAccum paper Appendix G.A, Table IV:
# 12,000 training pairs (heavy, medium and light rain) for training, 1,200 test pairs for testing.
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/Rain12000/train/lq/heavy_1.png ... data/Rain12000/train/gt/heavy_1.png ... (12000)
#   data/Rain12000/test/lq/1.png ...  data/Rain12000/test/gt/1.png ...                (1200)
# (the released files hold each pair side by side: split them into the two folders;
#  prefix the density sub-folder to keep the 3 x 4000 training names unique)
data_root = 'data/Rain12000'
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
                 data_prefix=dict(img='train/lq', gt='train/gt'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='PairedImageDataset', data_root=data_root,
                 data_prefix=dict(img='test/lq', gt='test/gt'),
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

# PSNR and SSIM on RGB, no border crop (Appendix G.B does not say more).
val_evaluator = [dict(type='PSNR', crop_border=0), dict(type='SSIM', crop_border=0)]
test_evaluator = val_evaluator
