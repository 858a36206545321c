# Table II row 4: UNet-5 + LSGAN + InfoAccum-15 before the generator.
# InfoAccum paper, Section VI.4 / Appendix G.E; 200 epochs at batch size 1.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/infoaccum_pix2pix.py',
    '../_base_/datasets/raincityscapes.py',
]

model = dict(
    backbone=dict(
        depth=5, use_dropout=False,
        plugins=[dict(cfg=dict(type='InfoAccum', num_layers=15, growth=4), position='input')]),
    gan_loss=dict(gan_type='lsgan'),
)

train_cfg = dict(max_iters=1886400, val_interval=94000)
default_hooks = dict(checkpoint=dict(interval=94000))
