# pix2pix (Isola et al., 2017) as the InfoAccum paper trains it (Appendix G.E):
# U-Net-8 generator, 5-conv PatchGAN on cat(input, output), GAN + 100 * L1,
# Adam lr 2e-4, betas (0.5, 0.999), weight decay 0, batch size 1.
# This is Table II row 1, pix2pix (UNet-8); rows 2-5 each add one change on top of the
# previous one: infoaccum_unet8-lsgan.py, infoaccum_unet5-lsgan.py,
# infoaccum_unet5-ia15-lsgan.py, infoaccum_unet5-ia15-subpix-lsgan.py. The schedule lives in
# configs/_base_/schedules/ (pix2pix_linear-decay_<data>.py, pix2pix_constant-lr.py).
model = dict(
    type='GANRestorer',
    backbone=dict(type='UNetGenerator', in_channels=3, out_channels=3, depth=8,
                  base_channels=64, norm_cfg=dict(type='BN'), use_dropout=True,
                  upsample='deconv'),
    discriminator=dict(type='PatchDiscriminator', in_channels=6, base_channels=64,
                       num_layers=3, norm_cfg=dict(type='BN')),
    gan_loss=dict(type='GANLoss', gan_type='vanilla', real_label=1.0, fake_label=0.0),
    losses=dict(pixel=dict(type='L1Loss', loss_weight=100.0)),  # lambda = 100, logged loss_pixel
    # [-1, 1] images for the Tanh generator; padding to the U-Net's 2**depth.
    data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5),
    # Tested as pix2pix's test script does by default: BatchNorm with each test image's own
    # statistics (batch size 1). False: the running statistics of training.
    test_cfg=dict(bn_train_mode=True),
)

# Generator and discriminator are wrapped in DDP separately, so each
# optimizer step synchronises only its own gradients.
model_wrapper_cfg = dict(type='MMSeparateDistributedDataParallel', broadcast_buffers=False,
                         find_unused_parameters=False)

_adam = dict(type='Adam', lr=2e-4, betas=(0.5, 0.999), weight_decay=0)
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    generator=dict(type='OptimWrapper', optimizer=_adam),
    discriminator=dict(type='OptimWrapper', optimizer=_adam),
)
