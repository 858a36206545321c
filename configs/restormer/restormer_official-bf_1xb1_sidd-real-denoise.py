# Released `real_denoising.pth` (SIDD; BiasFree LayerNorm, RGB). Convert:
#   python tools/model_converters/restormer_official.py real_denoising.pth \
#       checkpoints/restormer_real_denoise.pth --config THIS_FILE
# Test: SIDD validation blocks (1280 of 256 x 256) in data/SIDD/Validation/{lq,gt}/ (the layout of
# configs/_base_/datasets/sidd_small-validation.py).
_base_ = ['../_base_/datasets/sidd_small-validation.py', './_base_/restormer_official.py']
model = dict(backbone=dict(norm_cfg=dict(type='ChannelLayerNorm', bias=False)))
