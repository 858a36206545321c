# Table II row 3: UNet-5 + LSGAN (no 8*ngf middle blocks, so no dropout).
# InfoAccum paper, Section VI.4 / Appendix G.E; 200 epochs at batch size 1.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/infoaccum_pix2pix.py',
    '../_base_/datasets/raincityscapes.py',
]

model = dict(
    backbone=dict(
        depth=5, use_dropout=False),
    gan_loss=dict(gan_type='lsgan'),
)

train_cfg = dict(max_iters=1886400, val_interval=94000)
default_hooks = dict(checkpoint=dict(interval=94000))
