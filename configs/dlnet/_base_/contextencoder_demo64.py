# The CPU demo of the context-encoder autoencoder (Joint, K = 1): the model base at
# half the paper's widths with a 300-iteration schedule; the experiment files add
# the demo dataset (inpainting or interpolation).
_base_ = [
    '../../_base_/default_runtime.py',
    './schedules/adam_1e-3_300k.py',
    './models/contextencoder_likelihood.py',
]

# Half the paper's widths (1.45 M parameters, a quarter of the multiply-adds):
# minutes on a CPU.
model = dict(backbone=dict(channels=(32, 64, 128, 256)),
             head=dict(output_layer=dict(in_channels=32)))

max_iters = 300
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters, val_interval=100)
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=1e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[200], gamma=0.1)]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=100))
