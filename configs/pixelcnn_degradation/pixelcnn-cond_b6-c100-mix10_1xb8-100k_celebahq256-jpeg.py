# The paper's degradation model on CelebA-HQ 256 x 256 / JPEG. 100k iterations of 8 images is
# 40 epochs of 20,000 images (the paper's Fig. 3 runs to 379 epochs; it reports 0.5 bits/dim
# after about 20 epochs); PixelCNN++'s 0.999995 learning-rate decay per step.
_base_ = [
    '_base_/pixelcnn_runtime.py',
    '../_base_/schedules/iter_adam.py',
    '_base_/pixelcnn_cond_model.py',
    '_base_/celebahq256_jpeg_pairs.py',
]
max_iters = 100000
train_cfg = dict(max_iters=max_iters, val_interval=5000)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.95, 0.9995)))
param_scheduler = [dict(type='ExponentialLR', gamma=0.999995, by_epoch=False)]
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=5000))
