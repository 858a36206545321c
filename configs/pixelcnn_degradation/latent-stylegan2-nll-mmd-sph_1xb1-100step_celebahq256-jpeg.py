# The paper's setting (Sec. 4.1): StyleGAN2 at 256 x 256 (W of 512 dims, 14 latents), 100 steps
# from the mean latent, MMD with 1000 prior samples and gamma = 512, the 6-block degradation
# model, spherical steps and PULSE's cross loss. The generator is NVlabs' paper256 config
# (channel_base 16384, conv_clamp 256, as the celebahq256 transfer-source pickle); float32 on
# CPU. Noise is the stored constant maps so that G(w) is deterministic in w. Weights: convert
# celebahq-res256-mirror-paper256-kimg100000-ada-target0.5.pkl (README).
_base_ = ['_base_/latent_test_only.py']
data_root = 'data/celeba_hq_256'
test_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='Degrade', degradation=[dict(type='JPEGCompression', quality_range=(10, 50))],
         in_key='gt', out_key='img'),
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
    generator=dict(type='StyleGAN2Generator', resolution=256, z_dim=512, w_dim=512,
                   mapping_layers=8, channel_base=16384, channel_max=512, num_fp16_res=4,
                   conv_clamp=256, noise_mode='const'),
    generator_checkpoint='checkpoints/stylegan2_celebahq256.pth',
    data_loss=dict(type='DegradationLikelihoodLoss',
                   model=dict(type='ConditionalPixelCNN', channels=100, num_blocks=6, num_mix=10),
                   checkpoint='work_dirs/pixelcnn-cond_b6-c100-mix10_1xb8-100k_celebahq256-jpeg/'
                              'iter_100000.pth', loss_weight=1.0),
    mmd_loss=dict(type='MMDLoss', gamma=512.0, kernel='distance', estimator='biased',
                  loss_weight=1.0),
    num_steps=100, lr=0.1, spherical=True, cross_weight=0.05, num_prior_samples=1000)
