# Released `dual_pixel_defocus_deblurring.pth` (DPDD; WithBias LayerNorm, 6 channels in: the left
# and right dual-pixel views stacked, 3 out, a 1x1 skip_conv, no image residual). Convert:
#   python tools/model_converters/restormer_official.py dual_pixel_defocus_deblurring.pth \
#       checkpoints/restormer_dual_pixel.pth --config THIS_FILE
# Test set: data/DPDD/test/{inputL,inputR,target}/NAME.png, 16-bit PNGs read as RGB / 65535
# (DualPixelPairDataset; the released script's test_l/source, test_r/source, test_c/target
# layout with data_prefix=dict(img='test_l/source', img_right='test_r/source',
# gt='test_c/target')), the views packed as [left RGB, right RGB].
_base_ = ['../_base_/datasets/paired_restoration.py', './_base_/restormer_official.py']
model = dict(backbone=dict(in_channels=6, out_channels=3, dual_pixel=True))

views = ('img', 'img_right', 'gt')
load = [dict(type='LoadImageFromFile', key=key, channel_order='rgb') for key in views]
test_dataloader = val_dataloader = dict(dataset=dict(
    type='DualPixelPairDataset', data_root='data/DPDD/test',
    data_prefix=dict(img='inputL', img_right='inputR', gt='target'),
    pipeline=[*load, dict(type='PackDualPixelInputs')]))

# Scored as the released Defocus_Deblurring test script does: the float output against the
# 16-bit target, unrounded, no border crop, all channels (protocol='float': PSNR 10 log10(1/MSE),
# skimage SSIM with data_range=1, MAE). The script also reports LPIPS: add dict(type='LPIPS')
# once its weight files are in checkpoints/metrics/ (docs/metrics.md).
val_evaluator = test_evaluator = [
    dict(type=name, protocol='float') for name in ('PSNR', 'SSIM', 'MAE')]

# Fine-tuning data: data/DPDD/train/{inputL,inputR,target}/. One random 128 x 128 crop and flip
# of the three images (the stored 16-bit values, converted after the crop); a fixed-size
# stand-in for the released progressive patch sizes, not reproduced here.
train_dataloader = dict(batch_size=8, dataset=dict(
    type='DualPixelPairDataset', data_root='data/DPDD/train', pipeline=[
        *(dict(step, to_float32=False) for step in load),
        dict(type='RandomCrop', crop_size=128, keys=views),
        dict(type='Flip', keys=views, flip_ratio=0.5, direction='horizontal'),
        dict(type='PackDualPixelInputs')]))
