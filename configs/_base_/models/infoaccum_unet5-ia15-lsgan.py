# InfoAccum paper, Table II row 4: UNet-5 + LSGAN + InfoAccum-15 (Eq. 13-14) before the
# generator. Growth k = 4 per branch: the paper only asks for "a relatively small value".
_base_ = ['./infoaccum_unet5-lsgan.py']
model = dict(backbone=dict(
    plugins=[dict(cfg=dict(type='InfoAccum', num_layers=15, growth=4), position='input')]))
