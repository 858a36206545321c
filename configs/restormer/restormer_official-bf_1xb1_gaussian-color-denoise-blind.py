# Released `gaussian_color_denoising_blind.pth` (BiasFree LayerNorm, RGB); one model for every
# noise level; tested here at sigma 25, at 15 / 50 with the s15 / s50 configs (the same network
# and test protocol), fine-tuned with sigma drawn uniformly in [0, 50]. Test sets (CBSD68,
# Kodak24, McMaster, Urban100), protocol and training data: _base_/restormer_gaussian-denoise.py.
# Convert:
#   python tools/model_converters/restormer_official.py gaussian_color_denoising_blind.pth \
#       checkpoints/restormer_color_blind.pth --config THIS_FILE
_base_ = ['./_base_/restormer_gaussian-denoise.py']
test_dataloader = dict(dataset=dict(pipeline=_base_.test_pipelines['blind']))
val_dataloader = test_dataloader
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipelines['blind']))
