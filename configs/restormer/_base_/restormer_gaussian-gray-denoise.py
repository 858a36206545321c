# Gaussian grey denoising with the released BiasFree grey Restormer (1 -> 1 channel): the
# colour base (./restormer_gaussian-denoise.py) with grey images (the released script's
# cv2.IMREAD_GRAYSCALE) and the grey test sets; its pipelines get the grey load step.
_base_ = ['./restormer_gaussian-denoise.py']
model = dict(backbone=dict(in_channels=1, out_channels=1))

load = dict(type='LoadImageFromFile', key='gt', color_type='grayscale')
test_pipelines = {key: [load, *steps[1:]] for key, steps in _base_.test_pipelines.items()}
train_pipelines = {key: [load, *steps[1:]] for key, steps in _base_.train_pipelines.items()}
# Test sets: data/Denoising/test/<Set12|BSD68|Urban100>/ clean grey images.
test_dataloader = dict(dataset=dict(data_root='data/Denoising/test/Set12',
                                    pipeline=test_pipelines['s25']))
val_dataloader = test_dataloader
train_dataloader = dict(dataset=dict(pipeline=train_pipelines['s25']))
