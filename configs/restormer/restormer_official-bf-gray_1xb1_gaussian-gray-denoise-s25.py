# Released `gaussian_gray_denoising_sigma25.pth` (BiasFree LayerNorm, grey 1 -> 1); sigma 25: the
# released test protocol (seed-0 noise, unclipped) at sigma 25, fine-tuned at sigma 25. Test sets
# (Set12, BSD68, Urban100), protocol and training data: _base_/restormer_gaussian-gray-denoise.py.
# Convert:
#   python tools/model_converters/restormer_official.py gaussian_gray_denoising_sigma25.pth \
#       checkpoints/restormer_gray_s25.pth --config THIS_FILE
_base_ = ['./_base_/restormer_gaussian-gray-denoise.py']
test_dataloader = dict(dataset=dict(pipeline=_base_.test_pipelines['s25']))
val_dataloader = test_dataloader
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipelines['s25']))
