# Settings shared by the paired (degraded input, ground truth) image datasets of
# configs/_base_/datasets/: RGB pairs read from two folders by PairedImageDataset, random
# crops + horizontal flips for training, whole images for testing, PSNR and SSIM.
# Not a dataset by itself: a dataset file inherits it and sets only what differs, e.g.
#   _base_ = ['./paired_restoration.py']
#   data_root = 'data/Rain800'
#   train_dataloader = dict(dataset=dict(
#       data_root=data_root, data_prefix=dict(img='train/lq', gt='train/gt')))
#   val_dataloader = dict(dataset=dict(
#       data_root=data_root, data_prefix=dict(img='test/lq', gt='test/gt')))
#   test_dataloader = val_dataloader
# (optionally with ann_file='pairs.txt' in a dataset). MMEngine merges these dicts into the
# ones below but does not re-run this file with the child's variables, so a child must
# - pass data_root to each loader itself (setting the top-level `data_root` alone changes nothing),
# - set `test_dataloader = val_dataloader` again after changing the val loader,
# - rebuild `train_pipeline` from `_base_.train_pipeline` when it changes `crop_size` and hand
#   it to the train loader (see raincityscapes.py).
data_root = None  # set by each dataset file
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
    batch_size=1,  # the InfoAccum paper trains with batch size 1
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='PairedImageDataset', data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='PairedImageDataset', data_root=data_root, pipeline=test_pipeline,
                 test_mode=True))
test_dataloader = val_dataloader

# PSNR and SSIM on RGB, no border crop (the InfoAccum paper's Appendix G.B does not say more).
val_evaluator = [dict(type='PSNR', crop_border=0), dict(type='SSIM', crop_border=0)]
test_evaluator = val_evaluator
