# Latent-optimisation restoration of JPEG-compressed 64 x 64 demo photographs.
#   python tools/data/prepare_demo.py --out data/demo64 --size 64
# The generator is a tiny StyleGAN2Generator at 64 x 64 (10 latents of 64 dims, 32 channels).
# Its weights, `generator_checkpoint`: the GAN training of
# stylegan2-64_nsgan-r1_1xb16-600it_demo-crops.py (train it first; keys backbone.*; the
# restoration starts from its tracked w_avg). `--cfg-options model.generator_checkpoint=None`
# gives a randomly initialised generator, seeded by the Runner. The test split is the 4
# validation photographs.
_base_ = ['./latent_test_only.py']
data_root = 'data/demo64'
degradation = [dict(type='JPEGCompression', quality_range=(10, 50))]
test_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='Degrade', degradation=degradation, in_key='gt', out_key='img'),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SyntheticPairDataset', data_root=data_root,
                 data_prefix=dict(gt='val/gt'), pipeline=test_pipeline, test_mode=True))
train_dataloader = test_dataloader  # never iterated (latent_test_only.py)

# the network of the training config; the stored constant noise maps (deterministic)
generator = dict(type='StyleGAN2Generator', resolution=64, z_dim=64, w_dim=64,
                 mapping_layers=4, channel_base=2048, channel_max=32, noise_mode='const')
generator_checkpoint = 'work_dirs/stylegan2-64_nsgan-r1_1xb16-600it_demo-crops/iter_600.pth'
# merged into every latent demo config's model (read at the first restoration, not at build)
model = dict(generator_checkpoint=generator_checkpoint)
# The degradation model of pixelcnn-cond_b2-c32-mix5_1xb8-400it_demo-jpeg.py (train it first).
density_checkpoint = 'work_dirs/pixelcnn-cond_b2-c32-mix5_1xb8-400it_demo-jpeg/iter_400.pth'
density = dict(type='ConditionalPixelCNN', channels=32, num_blocks=2, num_mix=5)
# Eq. 7 as printed (distance kernel); gamma scaled to the 64-d W of the small generator
# (512 is the paper's for StyleGAN2's 512-d W; see the README)
mmd = dict(type='MMDLoss', gamma=64.0, kernel='distance', estimator='biased', loss_weight=1.0)
