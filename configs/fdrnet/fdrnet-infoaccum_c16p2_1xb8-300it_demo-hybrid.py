# Composition: InfoAccum (the InfoAccum paper's information-accumulation module) in front of
# FDR-Net's head convolution, by configuration only. InfoAccum-4 with growth 2 turns the 3
# image channels into 3 + 3 * 2 * 4 = 27; the global residual still adds the image.
_base_ = ['./fdrnet_c16p2_1xb8-300it_demo-hybrid.py']

model = dict(backbone=dict(plugins=[
    dict(cfg=dict(type='InfoAccum', num_layers=4, growth=2), position='input')]))
