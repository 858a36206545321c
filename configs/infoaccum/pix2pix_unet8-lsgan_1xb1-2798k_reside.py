# Table II row 2: pix2pix (UNet-8) + LSGAN.
# InfoAccum paper, Section VI.4 / Appendix G.E; 200 epochs at batch size 1.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/infoaccum_pix2pix.py',
    '../_base_/datasets/reside_its-sots-indoor.py',
]

model = dict(
    gan_loss=dict(gan_type='lsgan'),
)

train_cfg = dict(max_iters=2798000, val_interval=139000)
default_hooks = dict(checkpoint=dict(interval=139000))
