# The paper's degradation model (Sec. 4.1): conditional PixelCNN++ with 6 conditional blocks
# and 100 channels, trained on CelebA-HQ 256 x 256 / JPEG. Schedule: PixelCNN++'s Adam at
# 1e-3 with a 0.999995 decay per step (the paper gives none); 100k iterations of 8 images
# is 40 epochs of 20,000 images (the paper's Fig. 3 runs to 379 epochs; it reports 0.5
# bits/dim after about 20 epochs).
_base_ = [
    '_base_/pixelcnn_runtime.py',
    '../_base_/schedules/iter_adam.py',
    '_base_/celebahq256_jpeg_pairs.py',
]

model = dict(
    type='DegradationDensityModel',
    density=dict(type='ConditionalPixelCNN', in_channels=3, cond_channels=3, channels=100,
                 num_blocks=6, num_mix=10, dropout=0.5, cond_kernel_size=3),
    loss=dict(type='DiscretizedLogisticMixtureLoss', unit='bits_per_dim'),
    data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5),
    test_cfg=dict(unpaired=True),
)
max_iters = 100000
train_cfg = dict(max_iters=max_iters, val_interval=5000)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.95, 0.9995)))
param_scheduler = [dict(type='ExponentialLR', gamma=0.999995, by_epoch=False)]
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=5000))
