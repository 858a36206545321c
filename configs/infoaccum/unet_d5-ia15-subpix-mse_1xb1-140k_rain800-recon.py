# Table III row 5: UNet-5 + InfoAccum-15 + SubPixUpsamp.
# InfoAccum paper Appendix G.G: trained to reproduce Rain800's clean images (MSE loss).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/models/infoaccum_reconstruction.py',
    '../_base_/datasets/rain800_reconstruction.py',
]

model = dict(backbone=dict(
    depth=5, upsample='subpixel',
    plugins=[dict(cfg=dict(type='InfoAccum', num_layers=15, growth=4), position='input')]))
train_cfg = dict(max_iters=140000, val_interval=7000)
default_hooks = dict(checkpoint=dict(interval=7000))
