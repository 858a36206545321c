# CPU demo: unconditional GAN training of the small StyleGAN-like generator of the latent
# demo (64 x 64, 10 layer-wise latents of 64 dims, 32 channels) on random 64 x 64 crops of
# the demo photographs prepared at 128 px (26 training images, horizontal flips), so the
# latent restorations of _base_/latent_demo.py search a generator of photograph-like images.
#   python tools/data/prepare_demo.py --out data/demo128 --size 128
#   python tools/train.py <this config>
# Its checkpoint (keys backbone.*) is the latent demo's generator_checkpoint (see README).
_base_ = ['_base_/pixelcnn_runtime.py']
model = dict(
    type='UnconditionalGAN',
    generator=dict(type='StyleGANLikeGenerator', resolution=64, z_dim=64, w_dim=64,
                   mapping_layers=4, channels=32),
    # 64 x 64 -> 6 x 6 patch scores whose 70 x 70 receptive field covers the whole image;
    # no normalisation: real and fake batches go through D separately.
    discriminator=dict(type='PatchDiscriminator', in_channels=3, base_channels=32,
                       num_layers=3, norm_cfg=None),
    gan_loss=dict(type='GANLoss', gan_type='vanilla'),  # non-saturating
    # R1 on real images; gamma = 0.0002 * resolution^2 / batch size (StyleGAN2-ADA's heuristic)
    r1_weight=0.05,
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
max_iters = 1500
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters, val_interval=10**9)
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None
test_evaluator = None
test_cfg = None
# DCGAN's Adam settings for both networks (the paper of the generator, StyleGAN2, uses
# lr 2e-3 with equalised learning rates, which this small generator does not have); the
# mapping network learns 100 times slower (StyleGAN, Sec. C of its appendix). Without that
# and R1, this demo collapsed to one red image by iteration 1000.
_adam = dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))
optim_wrapper = dict(constructor='MultiOptimWrapperConstructor',
                     generator=dict(type='OptimWrapper', optimizer=_adam),
                     discriminator=dict(type='OptimWrapper', optimizer=_adam),
                     paramwise_cfg=dict(generator=dict(custom_keys={
                         'mapping_net': dict(lr_mult=0.01)})))
param_scheduler = []
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=500))
