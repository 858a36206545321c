# InfoAccum paper, InfoAccum-depth study (Fig. 6, Appendix G.G): UNet-5 + LSGAN +
# InfoAccum-10 (10 dense layers) before the generator, on Rain800.
_base_ = ['../_base_/models/infoaccum_unet5-ia15-lsgan.py', './_base_/rain800.py']
model = dict(backbone=dict(
    plugins=[dict(cfg=dict(type='InfoAccum', num_layers=10, growth=4), position='input')]))
