# DRRN's B1U9 variant (concatenation every 3 recursions,
# a 1x1 conv to 64) x3: the reference network
# of DL-Net Sec. IV-E (see the model base), trained on bicubic downsampling only.
_base_ = ['./_base_/models/sisr_reference.py', './_base_/datasets/sisr_x3_91-bsd400_y.py']
model = dict(backbone=dict(type='DRRN', scale=3),
             head=dict(output_layer=dict(
                 act_cfg=dict(type='LeakyReLU', negative_slope=0.05), stride=3, output_padding=2)))
