# VDSR (20 convs, 64 channels) x4: the reference network
# of DL-Net Sec. IV-E (see the model base), trained on bicubic downsampling only.
_base_ = ['./_base_/models/sisr_reference.py', './_base_/datasets/sisr_x4_91-bsd400_y.py']
model = dict(backbone=dict(type='VDSR', scale=4),
             head=dict(output_layer=dict(
                 act_cfg=dict(type='ReLU'), stride=4, output_padding=3)))
