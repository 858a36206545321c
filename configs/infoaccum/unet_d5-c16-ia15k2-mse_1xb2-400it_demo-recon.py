# Table III at CPU scale: UNet-5 + InfoAccum-15 (16 base channels, InfoAccum growth 2).
#   python tools/data/prepare_demo.py
#   python tools/train.py configs/infoaccum/unet_d5-c16-ia15k2-mse_1xb2-400it_demo-recon.py
_base_ = ['./_base_/demo-recon.py']
model = dict(backbone=dict(depth=5, base_channels=16,
    plugins=[dict(cfg=dict(type='InfoAccum', num_layers=15, growth=2), position='input')]))
