# Appendix H.A position study: pix2pix (UNet-8) with InfoAccum-15 before encoder level 2
# ('2nd'); position='input' (= 'enc1') is the paper's '1st', 'enc3'..'enc8' the others,
# and several plugins give '1st - 8th'.
# InfoAccum paper, Section VI.4 / Appendix G.E; 200 epochs at batch size 1.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/infoaccum_pix2pix.py',
    '../_base_/datasets/rain800.py',
]

model = dict(
    backbone=dict(
        plugins=[dict(cfg=dict(type='InfoAccum', num_layers=15, growth=4), position='enc2')]),
    gan_loss=dict(gan_type='vanilla'),
)

train_cfg = dict(max_iters=140000, val_interval=7000)
default_hooks = dict(checkpoint=dict(interval=7000))
