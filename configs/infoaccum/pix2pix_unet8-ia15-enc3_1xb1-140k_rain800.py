# InfoAccum paper, position study (Appendix H.A, Fig. 13), '3rd': pix2pix (UNet-8)
# with InfoAccum-15 before encoder level 3, on Rain800.
_base_ = ['../_base_/models/infoaccum_pix2pix.py', './_base_/rain800.py']
model = dict(backbone=dict(
    plugins=[dict(cfg=dict(type='InfoAccum', num_layers=15, growth=4), position='before_enc3')]))
