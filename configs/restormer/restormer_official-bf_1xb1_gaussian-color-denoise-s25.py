# Released `gaussian_color_denoising_sigma25.pth` (BiasFree LayerNorm, RGB: the real-denoising
# shape; sigma 15 and 50 have their own configs, the blind model has the same shape). Convert:
#   python tools/model_converters/restormer_official.py gaussian_color_denoising_sigma25.pth \
#       checkpoints/restormer_color_s25.pth --config THIS_FILE
# Test sets: data/Denoising/test/<CBSD68|Kodak|McMaster|Urban100>/ clean RGB images (Kodak is
# Kodak24); pick one with
#   --cfg-options test_dataloader.dataset.data_root=data/Denoising/test/Kodak
# The released test script adds N(0, (25/255)^2) noise with np.random.seed(0) to each image.
_base_ = ['../_base_/default_runtime.py', './_base_/restormer_official.py']
model = dict(backbone=dict(norm_cfg=dict(type='ChannelLayerNorm', bias=False)))
noise_sigma = 25  # of 255

# Test: clean RGB images degraded on the fly with sigma 25 (a fixed draw per image index).
# clip=False because the released test script feeds the unclipped noisy image, but the
# Degrade transform clips every output to [0, 1] (the pipeline convention), so the input
# here IS clipped: a known difference from the released protocol. The noise itself is
# drawn from our seeded generator, not numpy's seed-0 stream, so it is not the released
# script's noise image for image (the same distribution).
test_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='Degrade', degradation=dict(type='GaussianNoise', sigma_range=(noise_sigma,
                                                                              noise_sigma),
                                          clip=False)),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SyntheticPairDataset', data_root='data/Denoising/test/CBSD68',
                 data_prefix=dict(gt=''), pipeline=test_pipeline, test_mode=True))
test_evaluator = [dict(type='PSNR', crop_border=0), dict(type='SSIM', crop_border=0)]
val_dataloader = test_dataloader
val_evaluator = test_evaluator

# Training data (for fine-tuning; tools/test.py also needs a train loader beside train_cfg):
# the released models were trained on DFWB (DIV2K, Flickr2K, WED, BSD400) clean images,
# here data/Denoising/train/DFWB/, with sigma 25 added to 128 x 128 crops.
train_dataloader = dict(
    batch_size=8, num_workers=4, persistent_workers=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='SyntheticPairDataset', data_root='data/Denoising/train/DFWB',
                 data_prefix=dict(gt=''), pipeline=[
                     dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
                     dict(type='RandomCrop', crop_size=128),
                     dict(type='Flip', keys=('gt',), flip_ratio=0.5, direction='horizontal'),
                     *test_pipeline[1:]]))
