# RainCityScapes (deraining + dehazing) for the InfoAccum family (paper Appendix G.A, Table IV):
# 9,432 training images for training, 1,188 test images for testing.
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/RainCityScapes/leftImg8bit_rain/{train,val}/<city>/<name>_leftImg8bit_rain_alpha_..png
#   data/RainCityScapes/leftImg8bit/{train,val}/<city>/<name>_leftImg8bit.png
#   data/RainCityScapes/train_pairs.txt, test_pairs.txt  lines
#       'train/<city>/<rainy name> train/<city>/<clear name>' (paths below the two folders)
data_root = 'data/RainCityScapes'
crop_size = 512

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
                 data_prefix=dict(img='leftImg8bit_rain', gt='leftImg8bit'),
                 ann_file='train_pairs.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='PairedImageDataset', data_root=data_root,
                 data_prefix=dict(img='leftImg8bit_rain', gt='leftImg8bit'),
                 ann_file='test_pairs.txt',
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

# PSNR and SSIM on RGB, no border crop (Appendix G.B does not say more).
val_evaluator = [dict(type='PSNR', crop_border=0), dict(type='SSIM', crop_border=0)]
test_evaluator = val_evaluator
