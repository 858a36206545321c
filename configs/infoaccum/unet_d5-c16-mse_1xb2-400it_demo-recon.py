# Table III at CPU scale: UNet-5
# (16 base channels) trained to reproduce the demo photographs
# (64x64 crops, batch 2, 400 iterations); README.md has the numbers.
#   python tools/data/prepare_demo.py
#   python tools/train.py configs/infoaccum/unet_d5-c16-mse_1xb2-400it_demo-recon.py
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/infoaccum_reconstruction.py',
    '../_base_/schedules/pix2pix_constant-lr.py',
    '../_base_/datasets/demo_reconstruction.py',
]

model = dict(backbone=dict(
    depth=5, base_channels=16))
optim_wrapper = dict(optimizer=dict(lr=1e-3))  # faster on the short CPU schedule
train_dataloader = dict(batch_size=2)
train_cfg = dict(max_iters=400, val_interval=400)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=400))
custom_hooks = [dict(type='NonFiniteLossGuardHook')]
