# PULSE's super-resolution setting (Menon et al. 2020; the degradation-model paper's SR
# comparison): 32 x 32 -> 1024 x 1024 faces, StyleGAN2 FFHQ config-f (18 latents of 512),
# L2 data term on the restoration average-pooled by 32, spherical steps, PULSE's cross loss,
# 100 steps from the mean latent (w_avg). The test images are made with MATLAB-style bicubic
# downsampling (Downsample), while the data term uses average pooling (LatentRestorer's
# known degradation): PULSE uses bicubic in both places, so this is an approximation.
# Weights: convert NVlabs' ffhq.pkl (or rosinality's stylegan2-ffhq-config-f.pt) to
# checkpoints/stylegan2_ffhq1024.pth (README, docs/model_zoo.md).
_base_ = ['_base_/latent_test_only.py']
data_root = 'data/ffhq_1024'
test_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='Degrade', degradation=[dict(type='Downsample', scale=32)], in_key='gt',
         out_key='img'),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SyntheticPairDataset', data_root=data_root, data_prefix=dict(gt='test'),
                 pipeline=test_pipeline, test_mode=True, indices=100))
train_dataloader = test_dataloader  # never iterated (latent_test_only.py)
model = dict(
    type='LatentRestorer',
    generator=dict(type='StyleGAN2Generator', resolution=1024, z_dim=512, w_dim=512,
                   mapping_layers=8, channel_base=32768, channel_max=512, num_fp16_res=0,
                   conv_clamp=None, noise_mode='const'),
    generator_checkpoint='checkpoints/stylegan2_ffhq1024.pth',
    data_loss=dict(type='MSELoss'), mmd_loss=None, degradation_scale=32,
    num_steps=100, lr=0.1, spherical=True, cross_weight=0.05, num_prior_samples=1000)
