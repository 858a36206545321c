# The degradation model of the NLL super-resolution config
# (latent-stylegan2-nll-mmd-sph_1xb1-100step_ffhq1024-sr32.py): the paper's network (6
# conditional blocks, 100 channels, 10 components) on (y = bicubic 32 x 32, x = the face
# average-pooled to 32 x 32) pairs of FFHQ 1024 (_base_/ffhq1024_sr32_pairs.py). The paper
# trains no SR degradation model; the schedule is the JPEG config's (PixelCNN++'s Adam and
# decay, 100k iterations) with batches of 32 (a 32 x 32 pair has 1/64 of the sub-pixels of a
# 256 x 256 one): 3.2M pairs, about 53 epochs of 60,000 faces. Not run here.
_base_ = [
    '_base_/pixelcnn_runtime.py',
    '../_base_/schedules/iter_adam.py',
    '_base_/pixelcnn_cond_model.py',
    '_base_/ffhq1024_sr32_pairs.py',
]
max_iters = 100000
train_cfg = dict(max_iters=max_iters, val_interval=5000)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.95, 0.9995)))
param_scheduler = [dict(type='ExponentialLR', gamma=0.999995, by_epoch=False)]
default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=5000))
