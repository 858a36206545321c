# Gaussian colour denoising with the released BiasFree Restormer (swz30/Restormer
# `Denoising/`): the base of the colour and grey configs (sigma 15 / 25 / 50, blind). It builds
# the pipelines of every noise level once (`test_pipelines`, `train_pipelines`, keyed s15, s25,
# s50, blind); a task file picks its own (a base is not re-run with a child's variables, so a
# child could not re-parameterise one pipeline). Its own loaders are the sigma 25 ones.
_base_ = ['./restormer_official.py']
model = dict(backbone=dict(norm_cfg=dict(type='ChannelLayerNorm', bias=False)))

# Test protocol of the released scripts (test_gaussian_{color,gray}_denoising.py): each clean
# image, float32 in [0, 1], gets np.random.seed(0); img += np.random.normal(0, sigma/255,
# img.shape), not clipped: GaussianNoise(fixed_seed=0, clip=False) in Degrade(clip=False).
# Training: fresh noise per sample (drawn from the dataset's per-sample seed), not clipped;
# the blind models draw sigma uniformly in [0, 50] per sample (the released option file
# GaussianColorDenoising_Restormer.yml: sigma_type random, sigma_range [0, 50]).
test_sigmas = dict(s15=15, s25=25, s50=50, blind=25)
train_sigmas = dict(s15=(15, 15), s25=(25, 25), s50=(50, 50), blind=(0, 50))

load = dict(type='LoadImageFromFile', key='gt', channel_order='rgb')
pack = dict(type='PackInputs')
# The released models were trained on DFWB (DIV2K, Flickr2K, WED, BSD400) clean images
# (data/Denoising/train/DFWB/). The 128 x 128 crops + flips are a fixed-size stand-in for
# the released progressive patch sizes (128 -> 384), not reproduced here.
augment = [dict(type='RandomCrop', crop_size=128),
           dict(type='Flip', keys=('gt',), flip_ratio=0.5, direction='horizontal')]


test_pipelines = {
    key: [load, dict(type='Degrade', clip=False, degradation=dict(
        type='GaussianNoise', sigma_range=(sigma, sigma), clip=False, fixed_seed=0)), pack]
    for key, sigma in test_sigmas.items()}
train_pipelines = {
    key: [load, *augment, dict(type='Degrade', clip=False, degradation=dict(
        type='GaussianNoise', sigma_range=sigmas, clip=False)), pack]
    for key, sigmas in train_sigmas.items()}

# Test sets: data/Denoising/test/<CBSD68|Kodak|McMaster|Urban100>/ clean RGB images (Kodak is
# Kodak24); pick one with
#   --cfg-options test_dataloader.dataset.data_root=data/Denoising/test/Kodak
test_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SyntheticPairDataset', data_root='data/Denoising/test/CBSD68',
                 data_prefix=dict(gt=''), pipeline=test_pipelines['s25'], test_mode=True))
test_evaluator = [dict(type='PSNR', crop_border=0), dict(type='SSIM', crop_border=0)]
val_dataloader = test_dataloader
val_evaluator = test_evaluator
train_dataloader = dict(
    batch_size=8, num_workers=4, persistent_workers=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='SyntheticPairDataset', data_root='data/Denoising/train/DFWB',
                 data_prefix=dict(gt=''), pipeline=train_pipelines['s25']))
