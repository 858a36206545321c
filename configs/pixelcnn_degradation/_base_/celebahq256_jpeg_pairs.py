# CelebA-HQ at 256 x 256 with JPEG-compressed copies made on the fly (Han et al., Sec. 4.3:
# 20,000 random images for training, the rest for testing, both images resized to 256).
# Layout (PNG or JPEG files of the clean faces, already resized to 256 x 256):
#   data/celeba_hq_256/train/*.png   20,000 clean training faces
#   data/celeba_hq_256/test/*.png    the remaining faces
# The paper does not state the JPEG quality: `quality_range` is a choice.
data_root = 'data/celeba_hq_256'
quality_range = (10, 50)
degradation = [dict(type='JPEGCompression', quality_range=quality_range)]

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
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
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                 data_prefix=dict(gt='train'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                 data_prefix=dict(gt='test'), pipeline=val_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = [dict(type='BitsPerDim')]
test_evaluator = val_evaluator
