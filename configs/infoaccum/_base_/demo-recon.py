# Table III at CPU scale: reconstruction of the demo photographs (64x64 crops, batch 2,
# 400 iterations at a constant learning rate of 1e-3, faster on the short CPU schedule).
# The experiment file adds the backbone; README.md has the numbers.
_base_ = ['../../_base_/default_runtime.py', '../../_base_/models/infoaccum_reconstruction.py',
          '../../_base_/schedules/pix2pix_constant-lr.py',
          '../../_base_/datasets/demo_reconstruction.py']
# Tested with the running BatchNorm statistics (README.md's numbers were measured so).
model = dict(test_cfg=dict(bn_train_mode=False))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_dataloader = dict(batch_size=2)
train_cfg = dict(max_iters=400, val_interval=400)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=400))
custom_hooks = [dict(type='NonFiniteLossGuardHook')]
