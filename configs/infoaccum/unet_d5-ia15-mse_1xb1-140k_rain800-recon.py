# Table III row 4: UNet-5 + InfoAccum-15.
# InfoAccum paper Appendix G.G: trained to reproduce Rain800's clean images (MSE loss).
_base_ = ['../_base_/models/infoaccum_reconstruction.py', './_base_/rain800-recon.py']

model = dict(backbone=dict(
    depth=5,
    plugins=[dict(cfg=dict(type='InfoAccum', num_layers=15, growth=4), position='input')]))
