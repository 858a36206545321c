# The full InfoAccum model (UNet-5 + InfoAccum-15 + SubPixUpsamp + LSGAN, Table II row 5)
# at demo scale: 16 base channels, InfoAccum growth 2, a 16-channel PatchGAN, 64x64 crops
# of the demo photographs degraded on the fly by blur + noise + JPEG. Minutes on CPU:
#   python tools/data/prepare_demo.py
#   python tools/train.py \
#       configs/infoaccum/infoaccum_unet5-c16-ia15k2-subpix-lsgan_1xb2-200it_demo-blur-noise-jpeg.py
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/infoaccum_pix2pix.py',
    '../_base_/schedules/pix2pix_constant-lr.py',
    '../_base_/datasets/demo_blur_noise_jpeg.py',
]

model = dict(
    backbone=dict(
        depth=5, base_channels=16, use_dropout=False, upsample='subpixel',
        plugins=[dict(cfg=dict(type='InfoAccum', num_layers=15, growth=2), position='input')]),
    discriminator=dict(base_channels=16),
    gan_loss=dict(gan_type='lsgan'),
    # keep_input: for the base's PSNR of the degraded input; the demo is tested with the
    # running BatchNorm statistics (README.md's demo numbers were measured so).
    test_cfg=dict(keep_input=True, bn_train_mode=False),
)

crop_size = 64
train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='RandomCrop', crop_size=crop_size, keys=('gt', )),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='Degrade', degradation={{_base_.degradation}}, in_key='gt', out_key='img'),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))

train_cfg = dict(max_iters=200, val_interval=200)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=200))
