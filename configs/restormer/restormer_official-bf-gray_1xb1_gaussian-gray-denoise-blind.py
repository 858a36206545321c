# Released `gaussian_gray_denoising_blind.pth` (BiasFree LayerNorm, grey 1 -> 1); one model for
# every noise level; tested here at sigma 25, at 15 / 50 with the s15 / s50 configs (the same
# network and test protocol), fine-tuned with sigma drawn uniformly in [0, 50]. Test sets (Set12,
# BSD68, Urban100), protocol and training data: _base_/restormer_gaussian-gray-denoise.py.
# Convert:
#   python tools/model_converters/restormer_official.py gaussian_gray_denoising_blind.pth \
#       checkpoints/restormer_gray_blind.pth --config THIS_FILE
_base_ = ['./_base_/restormer_gaussian-gray-denoise.py']
test_dataloader = dict(dataset=dict(pipeline=_base_.test_pipelines['blind']))
val_dataloader = test_dataloader
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipelines['blind']))
