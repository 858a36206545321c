# CPU demo of the super-resolution degradation model: the JPEG demo's small conditional
# PixelCNN++ (2 blocks, 32 channels, 5 components) on 32 x 32 (y = bicubic / 4, x = clean
# average-pooled by 4) pairs of 128 x 128 crops of the demo photographs
# (_base_/demo_sr_pairs.py). A few minutes on 2 cores:
#   python tools/data/prepare_demo.py
#   python tools/train.py <this config>
#   python tools/test.py <this config> work_dirs/<config name>/iter_400.pth  # bits/dim
_base_ = [
    '_base_/pixelcnn_runtime.py',
    '../_base_/schedules/iter_adam.py',
    '_base_/pixelcnn_cond_model.py',
    '_base_/demo_sr_pairs.py',
]
model = dict(density=dict(channels=32, num_blocks=2, num_mix=5))
max_iters = 400
train_cfg = dict(max_iters=max_iters, val_interval=200)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3, betas=(0.95, 0.9995)))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, T_max=max_iters,
                        eta_min=1e-5)]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=200))
