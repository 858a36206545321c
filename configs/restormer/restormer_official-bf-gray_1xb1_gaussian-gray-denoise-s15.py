# Released `gaussian_gray_denoising_sigma15.pth` (BiasFree LayerNorm, grey 1 -> 1). Convert:
#   python tools/model_converters/restormer_official.py gaussian_gray_denoising_sigma15.pth \
#       checkpoints/restormer_gray_s15.pth --config THIS_FILE
# Test sets and data as the sigma 25 config (data/Denoising/test/<Set12|BSD68|Urban100>/), with
# sigma 15 noise.
_base_ = ['./restormer_official-bf-gray_1xb1_gaussian-gray-denoise-s25.py']
noise_sigma = 15  # of 255

# The base's pipelines hold its sigma (a base is not re-run with the child's variables):
# rebuild them with this one.
noise = dict(type='Degrade', degradation=dict(type='GaussianNoise',
                                              sigma_range=(noise_sigma, noise_sigma), clip=False))
test_pipeline = [noise if step.type == 'Degrade' else step for step in _base_.test_pipeline]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_dataloader = test_dataloader
train_dataloader = dict(dataset=dict(pipeline=[
    noise if step.type == 'Degrade' else step
    for step in _base_.train_dataloader.dataset.pipeline]))
