# SISR x3: the x2 data (see there) with scale 3.
_base_ = ['./sisr_x2_91-bsd400_y.py']
scale = 3
train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='RandomCrop', crop_size=17 * scale, keys=('gt', )),  # Sec. IV-D patches
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='vertical'),
    dict(type='RandomTranspose', keys=('gt', ), transpose_ratio=0.5),
    dict(type='ToYChannel', keys=('gt', )),
    dict(type='PackInputs'),
]
train_pipeline_dlnet = [dict(t, crop_size=40 * scale) if t['type'] == 'RandomCrop' else t
                        for t in train_pipeline]
train_dataloader = dict(dataset=dict(degradation=dict(scale=scale),
                                     dataset=dict(pipeline=train_pipeline)))
test_dataloader = dict(dataset=dict(level_overrides=dict(scale=scale)))
val_dataloader = test_dataloader
test_evaluator = [dict(type='PSNR', crop_border=scale, group_by='test_level'),
                  dict(type='SSIM', crop_border=scale, group_by='test_level')]
val_evaluator = test_evaluator
