# Released `dual_pixel_defocus_deblurring.pth` (DPDD; WithBias LayerNorm, 6 channels in: the left
# and right dual-pixel views stacked, 3 out, a 1x1 skip_conv, no image residual). Convert:
#   python tools/model_converters/restormer_official.py dual_pixel_defocus_deblurring.pth \
#       checkpoints/restormer_dual_pixel.pth --config THIS_FILE
# Test set: data/DPDD/test/{inputL,inputR,target}/ 16-bit PNGs (divide by 65535).
_base_ = ['../_base_/default_runtime.py', './_base_/restormer_official.py']
model = dict(backbone=dict(in_channels=6, out_channels=3, dual_pixel=True))
