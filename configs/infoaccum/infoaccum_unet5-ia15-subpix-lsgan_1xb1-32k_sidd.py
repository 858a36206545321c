# Table II row 5: UNet-5 + LSGAN + InfoAccum-15 + SubPixUpsamp (the full model).
# InfoAccum paper, Section VI.4 / Appendix G.E; 200 epochs at batch size 1.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/infoaccum_pix2pix.py',
    '../_base_/datasets/sidd_small-validation.py',
]

model = dict(
    backbone=dict(
        depth=5, use_dropout=False, upsample='subpixel',
        plugins=[dict(cfg=dict(type='InfoAccum', num_layers=15, growth=4), position='input')]),
    gan_loss=dict(gan_type='lsgan'),
)

train_cfg = dict(max_iters=32000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
