# Released `gaussian_gray_denoising_sigma25.pth` (BiasFree LayerNorm, grey 1 -> 1; sigma 15 and 50
# and the blind model have the same shape). Convert:
#   python tools/model_converters/restormer_official.py gaussian_gray_denoising_sigma25.pth \
#       checkpoints/restormer_gray_s25.pth --config THIS_FILE
# Test sets: data/Denoising/test/<Set12|BSD68|Urban100>/ clean grey images; the released test
# script adds N(0, (25/255)^2) noise with np.random.seed(0) to each image.
_base_ = ['../_base_/default_runtime.py', './_base_/restormer_official.py']
model = dict(backbone=dict(in_channels=1, out_channels=1,
                           norm_cfg=dict(type='ChannelLayerNorm', bias=False)))
noise_sigma = 25  # of 255
