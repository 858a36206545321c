# The demo: a small residual CNN removes a blur + noise + JPEG mixture from
# scikit-image's photographs. A few minutes on 2 CPU cores:
#   python tools/data/prepare_demo.py
#   python tools/train.py configs/demo/residualcnn_c32b4_1xb8-400it_demo-blur-noise-jpeg.py
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/iter_adam.py',
    '../_base_/datasets/demo_blur_noise_jpeg.py',
]

model = dict(
    type='Restorer',
    backbone=dict(type='ResidualCNN', in_channels=3, out_channels=3, mid_channels=32,
                  num_blocks=4),
    losses=dict(l1=dict(type='L1Loss', loss_weight=1.0)),
    data_preprocessor=dict(type='RestorationDataPreprocessor'),
    test_cfg=dict(keep_input=True),
)

max_iters = 400
train_cfg = dict(max_iters=max_iters, val_interval=100)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, T_max=max_iters,
                        eta_min=1e-5)]
default_hooks = dict(logger=dict(interval=50),
                     checkpoint=dict(interval=200))
