# Autoencoder (Default): trained on centred 32 x 32 holes only (the context
# encoder's setting), tested on every level (Table II, first row).
_base_ = ['./contextencoder_joint_1xb100-300k_celeba64-inpaint.py']
train_degradation = dict(type='BoxMask', side_range=(32, 32), shift_range=(0, 0))
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='CenterCrop', crop_size=64),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='Degrade', degradation=train_degradation, in_key='gt', out_key='img'),
    dict(type='PackInputs'),
]))
