# SISR x4: the x2 data (see there) with scale 4.
_base_ = ['./sisr_x2_91-bsd400_y.py']
scale = 4
train_pipeline = {{_base_.train_pipelines.x4_reference}}
train_pipeline_dlnet = {{_base_.train_pipelines.x4_dlnet}}
train_dataloader = dict(dataset=dict(degradation=dict(scale=scale),
                                     dataset=dict(pipeline=train_pipeline)))
test_dataloader = dict(dataset=dict(level_overrides=dict(scale=scale)))
val_dataloader = test_dataloader
test_evaluator = [dict(type='PSNR', crop_border=scale, group_by='test_level'),
                  dict(type='SSIM', crop_border=scale, group_by='test_level')]
val_evaluator = test_evaluator
