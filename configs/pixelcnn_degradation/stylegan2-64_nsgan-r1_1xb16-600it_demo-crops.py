# CPU demo: unconditional GAN training of the latent demo's generator, a tiny
# StyleGAN2Generator (NVlabs' network at 64 x 64: 10 layer-wise latents of 64 dims, 32
# channels at every resolution, noise inputs, FIR up-sampling, skip ToRGB, equalised
# learning rate), on random 64 x 64 crops of the demo photographs prepared at 128 px
# (25 training images, horizontal flips), so the latent restorations of
# _base_/latent_demo.py search a generator of photograph-like images.
#   python tools/data/prepare_demo.py --out data/demo128 --size 128
#   OMP_NUM_THREADS=1 python tools/train.py <this config>
# Its checkpoint (keys backbone.*, with the tracked w_avg) is the latent demo's
# generator_checkpoint (see README).
_base_ = ['_base_/pixelcnn_runtime.py']
# channel_base 2048 = 32 x 64: min(2048 // r, 32) = 32 channels at every r in 4 ... 64
generator = dict(type='StyleGAN2Generator', resolution=64, z_dim=64, w_dim=64,
                 mapping_layers=4, channel_base=2048, channel_max=32)
model = dict(
    type='UnconditionalGAN',
    generator=generator,
    # 64 x 64 -> 6 x 6 patch scores whose 70 x 70 receptive field covers the whole image;
    # no normalisation: real and fake batches go through D separately.
    discriminator=dict(type='PatchDiscriminator', in_channels=3, base_channels=32,
                       num_layers=3, norm_cfg=None),
    gan_loss=dict(type='GANLoss', gan_type='vanilla'),  # non-saturating
    # R1 on real images; gamma = 0.0002 * resolution^2 / batch size (StyleGAN2-ADA's
    # heuristic), lazily: every 16th D step with weight 16 gamma / 2 (StyleGAN2, Sec. 3.1)
    r1_weight=0.05,
    r1_interval=16,
)
data_root = 'data/demo128'
train_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb', to_float32=False),
    dict(type='RandomCrop', crop_size=64, keys=('img', )),
    dict(type='Flip', keys=('img', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                 data_prefix=dict(gt='train/gt'), pipeline=train_pipeline))
max_iters = 600
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters, val_interval=10**9)
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None
test_evaluator = None
test_cfg = None
# G: StyleGAN2's Adam (lr 2e-3, betas (0, 0.99), eps 1e-8; its equalised learning rate
# makes that step size right for unit-scale weights, and the mapping's lr multiplier 0.01
# is inside the network). D, a plain PatchGAN without equalised lr: DCGAN's Adam.
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(type='OptimWrapper',
                   optimizer=dict(type='Adam', lr=2e-3, betas=(0.0, 0.99), eps=1e-8)),
    discriminator=dict(type='OptimWrapper',
                       optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))
param_scheduler = []
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=200))
