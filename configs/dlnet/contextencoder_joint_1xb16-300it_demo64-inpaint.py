# Demo: Autoencoder (Joint) on 64 x 64 crops of the demo photographs,
# multi-level inpainting (K = 1: the reference network). A few minutes on CPU:
#   python tools/data/prepare_demo.py
#   python tools/train.py configs/dlnet/contextencoder_joint_1xb16-300it_demo64-inpaint.py
#   python tools/test.py configs/dlnet/contextencoder_joint_1xb16-300it_demo64-inpaint.py \
#       work_dirs/contextencoder_joint_1xb16-300it_demo64-inpaint/iter_300.pth
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/schedules/adam_1e-3_300k.py',
    './_base_/models/contextencoder_likelihood.py',
    './_base_/datasets/demo64_inpainting.py',
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
