# Released `gaussian_color_denoising_sigma50.pth` (BiasFree LayerNorm, RGB); sigma 50: the
# released test protocol (seed-0 noise, unclipped) at sigma 50, fine-tuned at sigma 50. Test sets
# (CBSD68, Kodak24, McMaster, Urban100), protocol and training data: _base_/restormer_gaussian-
# denoise.py. Convert:
#   python tools/model_converters/restormer_official.py gaussian_color_denoising_sigma50.pth \
#       checkpoints/restormer_color_s50.pth --config THIS_FILE
_base_ = ['./_base_/restormer_gaussian-denoise.py']
test_dataloader = dict(dataset=dict(pipeline=_base_.test_pipelines['s50']))
val_dataloader = test_dataloader
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipelines['s50']))
