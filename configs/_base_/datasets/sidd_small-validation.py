# SIDD-sRGB (real-noise denoising) for the InfoAccum family (paper Appendix G.A, Table IV):
# SIDD-Small-sRGB (160 pairs) for training, SIDD-Validation-sRGB (1280 256x256 blocks) for testing.
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/SIDD/Small/lq/0001_001_S6_00100_00060_3200_L.png ...   noisy (NOISY_SRGB_*.PNG)
#   data/SIDD/Small/gt/0001_001_S6_00100_00060_3200_L.png ...   clean (GT_SRGB_*.PNG), same names
#   data/SIDD/Validation/lq/0000_00.png ... 1280 noisy blocks  (from ValidationNoisyBlocksSrgb.mat)
#   data/SIDD/Validation/gt/0000_00.png ... 1280 clean blocks  (from ValidationGtBlocksSrgb.mat)
data_root = 'data/SIDD'
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
                 data_prefix=dict(img='Small/lq', gt='Small/gt'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='PairedImageDataset', data_root=data_root,
                 data_prefix=dict(img='Validation/lq', gt='Validation/gt'),
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

# PSNR and SSIM on RGB, no border crop (Appendix G.B does not say more).
val_evaluator = [dict(type='PSNR', crop_border=0), dict(type='SSIM', crop_border=0)]
test_evaluator = val_evaluator
