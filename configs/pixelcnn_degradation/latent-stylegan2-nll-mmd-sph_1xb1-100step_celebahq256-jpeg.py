# The paper's setting (Sec. 4.1): StyleGAN2 at 256 x 256 (W of 512 dims), 100 steps from the
# mean latent, MMD with 1000 prior samples and gamma = 512, the 6-block degradation model,
# spherical steps and PULSE's cross loss. A real StyleGAN2 plugs in through a registered
# wrapper with mapping(z), synthesis(ws), num_ws, z_dim, w_dim (README); the StyleGAN-like
# generator below has that shape (14 latents of 512 at 256 x 256) and stands in for it.
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
    generator=dict(type='StyleGANLikeGenerator', resolution=256, z_dim=512, w_dim=512,
                   mapping_layers=8, channels=64),
    generator_checkpoint='checkpoints/stylegan2_celebahq256.pth',
    data_loss=dict(type='DegradationLikelihoodLoss',
                   model=dict(type='ConditionalPixelCNN', channels=100, num_blocks=6, num_mix=10),
                   checkpoint='work_dirs/pixelcnn-cond_b6-c100-mix10_1xb8-100k_celebahq256-jpeg/'
                              'iter_100000.pth', loss_weight=1.0),
    mmd_loss=dict(type='MMDLoss', gamma=512.0, kernel='distance', estimator='biased',
                  loss_weight=1.0),
    num_steps=100, lr=0.1, spherical=True, cross_weight=0.05, num_prior_samples=1000)
