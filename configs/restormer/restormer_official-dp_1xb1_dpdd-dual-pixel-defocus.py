# Released `dual_pixel_defocus_deblurring.pth` (DPDD; WithBias LayerNorm, 6 channels in: the left
# and right dual-pixel views stacked, 3 out, a 1x1 skip_conv, no image residual). Convert:
#   python tools/model_converters/restormer_official.py dual_pixel_defocus_deblurring.pth \
#       checkpoints/restormer_dual_pixel.pth --config THIS_FILE
# Test set: data/DPDD/test/{inputL,inputR,target}/NAME.png, 16-bit PNGs read as RGB / 65535
# (DualPixelPairDataset; the released script's test_l/source, test_r/source, test_c/target
# layout with data_prefix=dict(img='test_l/source', img_right='test_r/source',
# gt='test_c/target')), the views packed as [left RGB, right RGB].
# A test-only config: fine-tuning would need one random crop of three images, not written, so
# there is no train loader (and no train_cfg / optimizer, which mmengine requires together).
_base_ = ['./_base_/restormer_official.py']
model = dict(backbone=dict(in_channels=6, out_channels=3, dual_pixel=True))
train_cfg = optim_wrapper = param_scheduler = None

test_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='DualPixelPairDataset', data_root='data/DPDD/test',
                 data_prefix=dict(img='inputL', img_right='inputR', gt='target'),
                 test_mode=True, pipeline=[
                     dict(type='LoadImageFromFile', key='img', channel_order='rgb'),
                     dict(type='LoadImageFromFile', key='img_right', channel_order='rgb'),
                     dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
                     dict(type='PackDualPixelInputs')]))
# PSNR, SSIM on RGB, no border crop, as the released script (which adds MAE and LPIPS).
test_evaluator = [dict(type='PSNR', crop_border=0), dict(type='SSIM', crop_border=0)]
val_dataloader = test_dataloader
val_evaluator = test_evaluator
