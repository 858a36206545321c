# InfoAccum paper, position study (Appendix H.A, Fig. 13), '1st - 8th': pix2pix (UNet-8)
# with an InfoAccum-15 before each of its 8 encoder levels, on Rain800.
_base_ = ['../_base_/models/infoaccum_pix2pix.py', './_base_/rain800.py']
model = dict(backbone=dict(plugins=[
    dict(cfg=dict(type='InfoAccum', num_layers=15, growth=4), position=p)
    for p in ['input'] + [f'before_enc{k}' for k in range(2, 9)]]))
