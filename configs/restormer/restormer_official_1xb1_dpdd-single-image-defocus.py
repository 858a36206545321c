# Released `single_image_defocus_deblurring.pth` (DPDD, the combined centre view only; WithBias
# LayerNorm, RGB: the deraining shape). Convert:
#   python tools/model_converters/restormer_official.py single_image_defocus_deblurring.pth \
#       checkpoints/restormer_single_defocus.pth --config THIS_FILE
# Test set: data/DPDD/test/{inputC,target}/ 16-bit PNGs (LoadImageFromFile divides by 65535);
# training pairs in data/DPDD/train/{inputC,target}/. The dual-pixel model reads inputL and
# inputR of the same folder instead (restormer_official-dp_1xb1_dpdd-dual-pixel-defocus.py).
_base_ = ['../_base_/datasets/paired_restoration.py', './_base_/restormer_official.py']
prefix = dict(img='inputC', gt='target')
train_dataloader = dict(dataset=dict(data_root='data/DPDD/train', data_prefix=prefix))
test_dataloader = val_dataloader = dict(dataset=dict(data_root='data/DPDD/test',
                                                     data_prefix=prefix))

# Scored as the released Defocus_Deblurring test script does: the float output against the
# 16-bit target, unrounded, no border crop, all channels (protocol='float': PSNR 10 log10(1/MSE),
# skimage SSIM with data_range=1, MAE). The script also reports LPIPS: add dict(type='LPIPS')
# once its weight files are in checkpoints/metrics/ (docs/metrics.md).
val_evaluator = test_evaluator = [
    dict(type=name, protocol='float') for name in ('PSNR', 'SSIM', 'MAE')]
