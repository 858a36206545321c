# The full InfoAccum model (UNet-5 + InfoAccum-15 + SubPixUpsamp + LSGAN, Table II row 5)
# at demo scale: 16 base channels, InfoAccum growth 2, a 16-channel PatchGAN, 64x64 crops
# of the demo photographs degraded on the fly by blur + noise + JPEG. Minutes on CPU:
#   python tools/data/prepare_demo.py
#   python tools/train.py \
#     configs/infoaccum/infoaccum_unet5-c16-ia15k2-subpix-lsgan_1xb2-1000it_demo-blur-noise-jpeg.py
# Demo schedule (issue 21 item 7; README.md, "Demo variants", has the runs): the paper's
# Adam 2e-4 for 200 iterations left the output 3 dB below the degraded input (21.38 vs
# 24.38 dB): a Tanh U-Net without a global residual must first learn the identity. Adam 1e-3
# for both networks and 1000 iterations ends above the degraded input.
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

_adam = dict(type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=0)
optim_wrapper = dict(generator=dict(optimizer=_adam), discriminator=dict(optimizer=_adam))

# the base's metrics plus the SSIM of the degraded input, the second baseline to beat
val_evaluator = [
    dict(type='PSNR', crop_border=0),
    dict(type='SSIM', crop_border=0),
    dict(type='PSNR', crop_border=0, pred_key='input_img', prefix='degraded'),
    dict(type='SSIM', crop_border=0, pred_key='input_img', prefix='degraded'),
]
test_evaluator = val_evaluator

train_cfg = dict(max_iters=1000, val_interval=200)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=1000))
